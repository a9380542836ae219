"""The act in law: its publicity (R5–R7), the facts the legal core reasons on, the executory
date and the deadlines (`workflow.legal` computes; this module gathers the facts from the
store)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.errors import InvalidInput
from workflow.identifiers import ActNature
from workflow.legal.deadlines import Deadline, LegalAssessment, LegalFacts, assess, due_within
from workflow.legal.publicity import PublicityAdvice, expected_publicity
from workflow.legal.values import Status
from workflow.lifecycle import ActState
from workflow.store import ActRecord, PublicityRecord
from workflow.usecases.context import Context

PUBLICITY_MODES = ("electronic", "posting", "paper", "notification")


@dataclass
class Law:
    ctx: Context

    def record_publicity(
        self, act_id: int, mode: str, day: dt.date, url: str | None = None
    ) -> None:
        """How and when the act was made public (R5–R7)."""
        if mode not in PUBLICITY_MODES:
            raise InvalidInput(
                f"publicity mode {mode!r} is unknown",
                field="mode",
                rule=" / ".join(PUBLICITY_MODES),
                value=mode,
            )
        self.ctx.store.record_publicity(
            act_id, PublicityRecord(mode, day, url), at=self.ctx.clock()
        )

    def legal_facts(self, act: ActRecord) -> LegalFacts:
        store = self.ctx.store
        collectivite = store.get_collectivite(act.siren)
        publicities = store.publicities(act.id)
        published = [p.day for p in publicities if p.mode != "notification"]
        notified = [p.day for p in publicities if p.mode == "notification"]
        exchanges = {e.code: e for e in store.exchanges(act.id)}
        dpc, observations, defere = (exchanges.get(c) for c in ("3-1", "4-1", "5-1"))
        return LegalFacts(
            nature=ActNature[act.nature],
            departement=collectivite.departement,
            signed=act.act_date,
            reception=act.date_reception,
            publication=min(published) if published else None,
            notification=min(notified) if notified else None,
            dpc=dpc.day if dpc else None,
            dpc_answer=dpc.answered_on if dpc else None,
            observations=observations.day if observations else None,
            observations_answer=observations.answered_on if observations else None,
            defere=defere.day if defere else None,
        )

    def publicity_advice(self, act_id: int, *, siren: str | None = None) -> PublicityAdvice:
        """The publicity the law expects for the act (R4–R6), from the collectivité's
        population and the council's choice, and whether the recorded one fits."""
        store = self.ctx.store
        act = store.get_act(act_id, siren=siren)
        collectivite = store.get_collectivite(act.siren)
        recorded = store.publicities(act.id)
        first = min(recorded, key=lambda p: p.day) if recorded else None
        return expected_publicity(
            ActNature[act.nature],
            population=collectivite.population,
            chosen_mode=collectivite.publicity_mode,
            on=first.day if first else act.act_date,
            recorded=first.mode if first else None,
        )

    def assess(
        self, act_id: int, *, siren: str | None = None, today: dt.date | None = None
    ) -> LegalAssessment:
        """The act's executory state and deadlines, each with its status on ``today`` (by
        default the clock's day in Paris, the legal calendar's day)."""
        day = today or self.ctx.paris_today()
        return assess(self.legal_facts(self.ctx.store.get_act(act_id, siren=siren)), today=day)

    def deadlines(
        self, *, today: dt.date, within_days: int, siren: str | None = None
    ) -> list[tuple[ActRecord, Deadline]]:
        """Deadlines of transmitted acts open on ``today`` and falling within the horizon,
        soonest first (never a passed, ended or suspended one).

        Reads only the acts with a deadline row in the window (after bringing the rows of the
        acts whose facts changed up to date): the cost follows the deadlines, not the history.
        """
        self.refresh_deadlines()
        store = self.ctx.store
        last = today + dt.timedelta(days=within_days)
        ids = store.acts_due_between(today, last, states=_WITH_DEADLINES, siren=siren)
        found = []
        for act in store.get_acts(ids):
            for deadline in due_within(assess(self.legal_facts(act)), today, within_days):
                found.append((act, deadline))
        return sorted(found, key=lambda pair: (pair[1].due or today, pair[0].id))

    def refresh_deadlines(self) -> int:
        """Compute the deadline rows of the acts whose legal facts changed; returns how many
        acts were brought up to date. A row is kept for each deadline the facts leave open
        and dated (whatever the day: the sweep asks for its window)."""
        store, done, after = self.ctx.store, 0, 0
        # one pass in id order: an act whose facts change meanwhile waits for the next sweep
        while batch := store.stale_deadline_acts(after=after):
            for act, version in batch:
                rows: list[tuple[str, dt.date]] = []
                if act.state in _WITH_DEADLINES:
                    rows = [
                        (d.kind.value, d.due)
                        for d in assess(self.legal_facts(act)).deadlines
                        if d.status is Status.OPEN and d.due is not None
                    ]
                done += store.replace_deadlines(act.id, rows, version=version)
            after = batch[-1][0].id
        return done


#: the acts whose deadlines are followed: transmitted and acknowledged
_WITH_DEADLINES = (ActState.ACKNOWLEDGED, ActState.CANCELLATION_REQUESTED)
