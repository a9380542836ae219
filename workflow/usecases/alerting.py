"""Telling people before it is too late: digests of the deadlines entering a horizon and of
the acts that stopped moving, sent once per alert and channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.alerts import DEFAULT_HORIZONS, Alert, Digest, Notifier, horizon_for
from workflow.i18n import _, long_moment
from workflow.lifecycle import ActState, state_label
from workflow.problems import CurrentProblem
from workflow.store import ActFilter, ActRecord
from workflow.usecases.context import PARIS, Context
from workflow.usecases.law import Law


@dataclass
class Alerting:
    ctx: Context

    def send_alerts(
        self,
        *,
        today: dt.date,
        notifiers: Sequence[Notifier],
        horizons: tuple[int, ...] = DEFAULT_HORIZONS,
        stuck_after: dt.timedelta | None = None,
    ) -> list[Digest]:
        """Send each collectivité one digest of the deadlines that entered a horizon, once —
        and, with ``stuck_after``, of the acts waiting in one state longer than that (once per
        act and state).

        An alert is recorded as sent per channel only after that channel accepted it, so a
        failing channel is tried again by the next sweep while the others are not repeated.
        """
        due = self._deadline_alerts(today, horizons)
        if stuck_after is not None:
            for act in self.stuck(stuck_after):
                due.setdefault(act.siren, []).append(_stuck_alert(act, stuck_after))
        for alert in self.problem_alerts():
            due.setdefault(alert.siren, []).append(alert)
        return self._send(due, today, notifiers)

    def problem_alerts(self) -> list[Alert]:
        """Acts that stopped for good and wait for a person (failed, rejected, not replaced):
        one alert per act and problem. A fault of the service's configuration (certificate,
        platform login) is not the clerks' to fix: it goes to the operators, once for all the
        acts it stops (:mod:`workflow.usecases.operator_alerting`), and each act's problem
        says they were alerted."""
        return [
            _problem_alert(a, a.problem)
            for a in self.ctx.store.list_acts(where=ActFilter(states=_STOPPED))
            if a.problem is not None and a.replaced_by is None and not a.problem.configuration
        ]

    def _deadline_alerts(self, today: dt.date, horizons: tuple[int, ...]) -> dict[str, list[Alert]]:
        due: dict[str, list[Alert]] = {}
        for act, deadline in Law(self.ctx).deadlines(today=today, within_days=max(horizons)):
            horizon = horizon_for(deadline.due or today, today, horizons)
            if horizon is None or deadline.due is None:
                continue
            alert = Alert(
                act.id,
                act.siren,
                act.numero,
                act.id_acte,
                deadline.kind.value,
                deadline.due,
                horizon,
                deadline.rule,
                deadline.explanation,
            )
            due.setdefault(act.siren, []).append(alert)
        return due

    def _send(
        self, due: dict[str, list[Alert]], today: dt.date, notifiers: Sequence[Notifier]
    ) -> list[Digest]:
        store = self.ctx.store
        sent = []
        for siren, alerts in sorted(due.items()):
            collectivite = store.get_collectivite(siren)
            for notifier in notifiers:
                fresh = tuple(a for a in alerts if not store.alert_sent(a.key, notifier.channel))
                if not fresh:
                    continue
                digest = Digest(
                    siren,
                    collectivite.name,
                    tuple(e.value for e in collectivite.emails),
                    today,
                    fresh,
                )
                notifier.send(digest)
                for alert in fresh:
                    store.record_alert(alert.key, notifier.channel, at=self.ctx.clock())
                sent.append(digest)
        return sent

    def stuck(self, longer_than: dt.timedelta) -> list[ActRecord]:
        """Acts the service still works on that have not moved for ``longer_than``."""
        return self.ctx.store.acts_needing_work(idle_since=self.ctx.clock() - longer_than)

    def unfinished(self, *, idle_seconds: float) -> list[ActRecord]:
        return self.stuck(dt.timedelta(seconds=idle_seconds))

    def claim_unfinished(self, *, idle_seconds: float, lease_seconds: float) -> list[ActRecord]:
        """The idle unfinished acts nobody holds, each now held for ``lease_seconds``: the
        sweep enqueues an act once per lease, however long the platform keeps failing."""
        now = self.ctx.clock()
        until = now + dt.timedelta(seconds=lease_seconds)
        return [
            act
            for act in self.unfinished(idle_seconds=idle_seconds)
            if self.ctx.store.claim(act.id, until=until, now=now)
        ]


_STOPPED = (ActState.FAILED, ActState.REJECTED)


def _problem_alert(act: ActRecord, problem: CurrentProblem) -> Alert:
    return Alert(
        act.id,
        act.siren,
        act.numero,
        act.id_acte,
        f"problem_{problem.code.value}",
        problem.since.astimezone(PARIS).date(),
        0,
        problem.code.value,
        f"{problem.message()} — {problem.action()}",
    )


def _stuck_alert(act: ActRecord, stuck_after: dt.timedelta) -> Alert:
    since = act.state_since.astimezone(PARIS)
    hours = f"{stuck_after.total_seconds() / 3600:g}"
    return Alert(
        act.id,
        act.siren,
        act.numero,
        act.id_acte,
        f"stuck_{act.state.value}",
        since.date(),
        0,
        "no progress",
        _(
            "the act has been « {state} » since {since} (more than {hours} h): check the "
            "workers and the platform (actes status)",
            state=state_label(act.state),
            since=long_moment(act.state_since),
            hours=hours,
        )
        + (
            _(" — last error: {error}", error=act.problem.message())
            if act.problem
            else (_(" — last error: {error}", error=act.last_error) if act.last_error else "")
        ),
    )
