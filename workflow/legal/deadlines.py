"""When an act became executory, and every deadline that runs from it (LEGAL.md).

:func:`assess` is pure: it takes the dated facts of one act and returns its executory state
and a tuple of :class:`Deadline` values, each with the rule, the start event and date, the
source and a one-line explanation a clerk understands (from the message catalogs, in the
service's locale: French by default, dates as « 19 décembre 2022 »). Ambiguities listed in LEGAL.md §F are
flagged on the deadline (``ambiguous`` + ``note``), never settled silently. The appeal and
Czabaj deadlines are in :mod:`workflow.legal.appeals`, the values in :mod:`workflow.legal.values`.

Each deadline has a status: ``ended`` (by an event: the act was received, the déféré filed…)
and ``suspended`` (waiting for an event before it can be dated) come from the facts; given
the day (``assess(facts, today=…)``, the caller's clock), an ``open`` deadline whose last day
is behind us becomes ``passed``, and an open one counts its days left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from workflow.i18n import _, long_date
from workflow.identifiers import ActNature
from workflow.legal.appeals import URBANISM_REFORM, third_party
from workflow.legal.calendar import Computed, add_months, last_day
from workflow.legal.values import (
    ALIASES,
    Deadline,
    DeadlineKind,
    Executory,
    LegalAssessment,
    LegalFacts,
    Residence,
    Status,
    flags,
)

__all__ = [
    "ALIASES",
    "URBANISM_REFORM",
    "Deadline",
    "DeadlineKind",
    "Executory",
    "LegalAssessment",
    "LegalFacts",
    "Residence",
    "Status",
    "assess",
    "due_within",
    "executory",
]

REFORM_2022 = dt.date(2022, 7, 1)
#: dispatches within this many days of the prefect's limit are flagged (LEGAL.md §F 5)
NEAR_LIMIT_DAYS = 5


# --------------------------------------------------------------------------- executory


def executory(facts: LegalFacts) -> Executory:
    """R1–R4, R33: publicity and (for L2131-2 acts) transmission."""
    publicity = min((d for d in (facts.publication, facts.notification) if d), default=None)
    if facts.must_transmit and facts.reception is None:
        return Executory(
            False,
            None,
            "R1",
            _("not executory: the act must be transmitted and no receipt is recorded"),
        )
    if publicity is None:
        return Executory(
            False,
            None,
            "R3",
            _("not executory: no publication, posting or notification is recorded"),
        )
    date = (
        max(publicity, facts.reception) if (facts.must_transmit and facts.reception) else publicity
    )
    rule = "R3" if date >= REFORM_2022 else "R4"
    regime = (
        _("rule since 1 July 2022 (L2131-1 I)")
        if rule == "R3"
        else _("rule before 1 July 2022 (publicity on paper)")
    )
    # the mention is written on the act itself: French whatever the reader's locale (R33)
    if facts.must_transmit and facts.reception:
        how = _(
            "received by the préfecture on {reception} and made public on {publicity}",
            reception=facts.reception,
            publicity=publicity,
        )
        mention = (
            f"Certifié exécutoire par le maire, compte tenu de la réception en préfecture le "
            f"{long_date(facts.reception, 'fr')} et de la publicité le "
            f"{long_date(publicity, 'fr')} (R33)"
        )
    else:
        how = _("made public on {publicity} (no transmission required)", publicity=publicity)
        mention = (
            "Certifié exécutoire par le maire, compte tenu de la publicité le "
            f"{long_date(publicity, 'fr')} (R33)"
        )
    explanation = _("executory on {day}: {how}; {regime}", day=date, how=how, regime=regime)
    return Executory(True, date, rule, explanation, mention)


# --------------------------------------------------------------------------- deadlines


def _transmission(facts: LegalFacts) -> Deadline | None:
    if facts.nature in {ActNature.AI, ActNature.CC} and facts.signed:
        due = facts.signed + dt.timedelta(days=15)
        rule, source = (
            ("R9", "CGCT L2131-2 II")
            if facts.nature is ActNature.AI
            else ("R11", "CGCT L2131-13, L1411-9")
        )
        explanation = (
            _(
                "an individual decision must reach the préfecture within 15 days of its "
                "signature ({day})",
                day=due,
            )
            if facts.nature is ActNature.AI
            else _(
                "a contract at or above the threshold must reach the préfecture within 15 days "
                "of its signature ({day})",
                day=due,
            )
        )
        return Deadline(
            DeadlineKind.TRANSMISSION,
            due,
            rule,
            _("signature"),
            facts.signed,
            source,
            explanation,
            ambiguous=True,
            note=_(
                "the texts read set no sanction and do not say whether the 15 days are franc "
                "(LEGAL.md R9 [VERIFY])"
            ),
            **_received_by(facts, due),
        )
    if facts.nature is ActNature.BF and facts.signed:
        year = facts.signed.year
        due = dt.date(year, 5, 15) if facts.renewal_year else dt.date(year, 4, 30)
        return Deadline(
            DeadlineKind.TRANSMISSION,
            due,
            "R12",
            _("statutory adoption deadline of the budget primitif"),
            dt.date(year, 4, 30) if facts.renewal_year else dt.date(year, 4, 15),
            "CGCT L1612-2, L1612-8",
            _(
                "a budget primitif is transmitted within 15 days of its adoption deadline ({day})",
                day=due,
            ),
            ambiguous=True,
            note=_(
                "only for the budget primitif; other dates apply after a budget set by the "
                "préfet, and L1612-8 was renumbered in 2026 (LEGAL.md R12 [VERIFY])"
            ),
            **_received_by(facts, due),
        )
    return None


def _received_by(facts: LegalFacts, due: dt.date) -> dict[str, Any]:
    """A transmission deadline is ended by a receipt on time; a late one stays to be seen."""
    if facts.reception is not None and facts.reception <= due:
        return {
            "status": Status.ENDED,
            "because": _("receipt by the préfecture on {day}", day=facts.reception),
        }
    return {}


def _waiting_for_documents(dpc: dt.date) -> Deadline:
    """R17: the préfet asked for documents; the delay waits for them (or for the refusal)."""
    return Deadline(
        DeadlineKind.PREFET_DEFERE,
        None,
        "R17",
        _("demande de pièces complémentaires"),
        dpc,
        "CE 29 Oct 2008 Cne de Sainte-Marie-aux-Mines",
        _(
            "the préfet asked for documents: a new 2 months will run from their receipt or "
            "from the refusal"
        ),
        status=Status.SUSPENDED,
        ambiguous=True,
        note=_(
            "only a request for documents really missing and necessary restarts the delay (R17)"
        ),
        because=_("waiting for the documents requested on {day}", day=dpc),
    )


@dataclass
class _Delay:
    """The préfet's delay as the events move it (R15, R17, R18), with what to tell the clerk."""

    current: Computed
    start_event: str
    start: dt.date
    rule: str
    source: str
    explanation: str
    notes: list[str] = field(default_factory=list)
    ambiguous: bool = False

    def near_limit(self, sent: dt.date, note: str) -> None:
        """§F5: a letter sent within a few days of the limit (sending or receipt date?)."""
        if (self.current.last_day - sent).days <= NEAR_LIMIT_DAYS:
            self.ambiguous = True
            self.notes.append(note)


def _interrupted(facts: LegalFacts, delay: _Delay, observations: dt.date) -> None:
    """R18: the lettre d'observations interrupts the delay once; 2 months from the answer or
    the implicit rejection."""
    delay.near_limit(
        observations,
        _("the lettre d'observations came close to the limit: sending or receipt date? (§F5)"),
    )
    if facts.observations_answer:
        restart = facts.observations_answer
        delay.start_event = _("the commune's answer to the observations")
    else:
        restart = add_months(observations, 2)
        delay.start_event = _("implicit rejection (2 months of silence after the observations)")
    delay.current = last_day(restart, 2, facts.departement)
    delay.start, delay.rule = restart, "R18"
    delay.source = "CE 18 Apr 1986 Commissaire de la République d'Ille-et-Vilaine; CE 4 Nov 1996"
    delay.explanation = _(
        "the lettre d'observations interrupted the delay: the préfet has until {day}",
        day=delay.current.last_day,
    )
    delay.notes.append(
        _("a lettre d'observations interrupts only once; a second one does not extend again (R18)")
    )


def _prefet(facts: LegalFacts) -> Deadline | None:
    """R15, R17, R18: 2 months franc from receipt, restarted or interrupted."""
    if facts.reception is None:
        return None
    dept = facts.departement
    first = last_day(facts.reception, 2, dept)
    delay = _Delay(
        first,
        _("receipt by the préfecture"),
        facts.reception,
        "R15",
        "CGCT L2131-6; CE 29 May 1987 Commune de Goult",
        _(
            "the préfet may refer the act to the court until {day} (2 months franc from receipt)",
            day=first.last_day,
        ),
    )
    delay.ambiguous, flag_note = flags(first)
    if flag_note:
        delay.notes.append(flag_note)
    if facts.dpc and facts.dpc <= delay.current.last_day:
        delay.near_limit(
            facts.dpc,
            _("the request for documents came close to the limit: sending or receipt date? (§F5)"),
        )
        if facts.dpc_answer is None:
            return _waiting_for_documents(facts.dpc)
        delay.current = last_day(facts.dpc_answer, 2, dept)
        delay.start_event = _("documents received (or refusal)")
        delay.start, delay.rule = facts.dpc_answer, "R17"
        delay.source = "CE 29 Oct 2008 Cne de Sainte-Marie-aux-Mines; CE 15 May 2013"
        delay.explanation = _(
            "after the request for documents, the préfet has until {day}",
            day=delay.current.last_day,
        )
        delay.notes.append(
            _("a vague request for 'useful explanations' would not restart the delay (R17)")
        )
    if facts.observations and facts.observations <= delay.current.last_day:
        _interrupted(facts, delay, facts.observations)
    more, more_note = flags(delay.current)
    if more_note and more_note not in delay.notes:
        delay.notes.append(more_note)
    dated = (delay.current.last_day, delay.rule, delay.start_event, delay.start, delay.source)
    if facts.defere:
        return Deadline(
            DeadlineKind.PREFET_DEFERE,
            *dated,
            _("ended: the préfet referred the act to the court on {day} (5-1)", day=facts.defere),
            status=Status.ENDED,
            because=_("the déféré of {day}", day=facts.defere),
        )
    return Deadline(
        DeadlineKind.PREFET_DEFERE,
        *dated,
        delay.explanation,
        ambiguous=delay.ambiguous or more,
        note="; ".join(delay.notes) or None,
    )


def assess(facts: LegalFacts, *, today: dt.date | None = None) -> LegalAssessment:
    """The executory state and every deadline of one act, each with its rule and reason —
    and, given ``today``, each deadline's status on that day."""
    found: list[Deadline | None] = [_transmission(facts), _prefet(facts)]
    found.extend(third_party(facts))
    assessment = LegalAssessment(executory(facts), tuple(d for d in found if d is not None))
    return assessment.on(today) if today else assessment


def due_within(assessment: LegalAssessment, today: dt.date, days: int) -> tuple[Deadline, ...]:
    """Deadlines open on ``today`` and falling in ``[today, today + days]`` (for alert
    sweeps): never a passed, ended or suspended one."""
    horizon = today + dt.timedelta(days=days)
    current = (d.on(today) for d in assessment.deadlines)
    return tuple(
        d for d in current if d.status is Status.OPEN and d.due is not None and d.due <= horizon
    )
