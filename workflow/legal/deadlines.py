"""When an act became executory, and every deadline that runs from it (LEGAL.md).

:func:`assess` is pure: it takes the dated facts of one act and returns its executory state
and a tuple of :class:`Deadline` values, each with the rule, the start event and date, the
source and a one-line explanation a clerk understands. Ambiguities listed in LEGAL.md §F are
flagged on the deadline (``ambiguous`` + ``note``), never settled silently.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from workflow.identifiers import ActNature, Departement
from workflow.legal.calendar import Computed, add_months, last_day

REFORM_2022 = dt.date(2022, 7, 1)
#: dispatches within this many days of the prefect's limit are flagged (LEGAL.md §F 5)
NEAR_LIMIT_DAYS = 5
URBANISM_REFORM = dt.date(2025, 11, 28)


class DeadlineKind(enum.StrEnum):
    TRANSMISSION = "transmission"
    PREFET_DEFERE = "prefet_defere"
    THIRD_PARTY_APPEAL = "third_party_appeal"
    GRACIEUX_FILING = "gracieux_filing"
    CZABAJ = "czabaj_reasonable_time"


class Residence(enum.StrEnum):
    METROPOLE = "metropole"
    OUTRE_MER = "outre-mer"
    ETRANGER = "etranger"


_DISTANCE_MONTHS = {Residence.METROPOLE: 0, Residence.OUTRE_MER: 1, Residence.ETRANGER: 2}


@dataclass(frozen=True, slots=True)
class LegalFacts:
    """What is known of one act; every date is optional (what-if calculations)."""

    nature: ActNature
    departement: Departement
    signed: dt.date | None = None
    reception: dt.date | None = None  # prefecture receipt (ARActe DateReception)
    publication: dt.date | None = None  # publication / posting (first day)
    notification: dt.date | None = None  # notification to the person concerned
    notification_mentions_routes: bool = True  # R421-5 mention of appeal routes
    dpc: dt.date | None = None  # demande de pièces complémentaires, sent
    dpc_answer: dt.date | None = None  # documents received, or refusal
    observations: dt.date | None = None  # lettre d'observations (recours gracieux du préfet)
    observations_answer: dt.date | None = None
    gracieux: dt.date | None = None  # a third party's recours gracieux, filed
    gracieux_answer: dt.date | None = None
    defere: dt.date | None = None  # déféré filed (5-1)
    residence: Residence = Residence.METROPOLE
    must_transmit: bool = True  # L2131-2 (R1); False for acts under R2
    urbanism_decision: bool = False  # permit-type decision (R26 from 28 Nov 2025)
    renewal_year: bool = False  # budget adopted in a council-renewal year (R12)


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    due: dt.date | None  # None: running but not dated yet (e.g. waiting for documents)
    rule: str
    start_event: str
    start_date: dt.date | None
    source: str
    explanation: str
    status: str = "open"  # open / ended
    ambiguous: bool = False
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "due": self.due.isoformat() if self.due else None,
            "rule": self.rule,
            "start_event": self.start_event,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "source": self.source,
            "explanation": self.explanation,
            "status": self.status,
            "ambiguous": self.ambiguous,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Executory:
    executory: bool
    date: dt.date | None
    rule: str
    explanation: str
    mention: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "executory": self.executory,
            "date": self.date.isoformat() if self.date else None,
            "rule": self.rule,
            "explanation": self.explanation,
            "certifie_executoire": self.mention,
        }


@dataclass(frozen=True, slots=True)
class LegalAssessment:
    executory: Executory
    deadlines: tuple[Deadline, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "executory": self.executory.as_dict(),
            "deadlines": [d.as_dict() for d in self.deadlines],
        }


def _fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _flags(computed: Computed) -> tuple[bool, str | None]:
    """§F 1 (month end) and §F 2 (local holidays) as a flag and a note."""
    notes = []
    if computed.clamped_to_month_end:
        notes.append(
            f"month-end case (LEGAL.md §F1): some practitioners stop at {_fr(computed.echeance)}; "
            "file by the earlier date, call the act safe only after the later one"
        )
    if computed.moved_by_local_holiday:
        notes.append(
            f"a local holiday moved the date (LEGAL.md §F2); with national holidays only it "
            f"would be {_fr(computed.national_only)}"
        )
    return bool(notes), "; ".join(notes) or None


# --------------------------------------------------------------------------- executory


def executory(facts: LegalFacts) -> Executory:
    """R1–R4, R33: publicity and (for L2131-2 acts) transmission."""
    publicity = min((d for d in (facts.publication, facts.notification) if d), default=None)
    if facts.must_transmit and facts.reception is None:
        return Executory(
            False,
            None,
            "R1",
            "not executory: the act must be transmitted and no receipt is recorded",
        )
    if publicity is None:
        return Executory(
            False, None, "R3", "not executory: no publication, posting or notification is recorded"
        )
    date = (
        max(publicity, facts.reception) if (facts.must_transmit and facts.reception) else publicity
    )
    rule = "R3" if date >= REFORM_2022 else "R4"
    regime = (
        "since 1 July 2022 (L2131-1 I)"
        if rule == "R3"
        else "before 1 July 2022 (publicity on paper)"
    )
    if facts.must_transmit and facts.reception:
        how = f"received by the préfecture on {_fr(facts.reception)} and made public on {_fr(publicity)}"
        mention = (
            f"Certifié exécutoire par le maire, compte tenu de la réception en préfecture le "
            f"{_fr(facts.reception)} et de la publicité le {_fr(publicity)} (R33)"
        )
    else:
        how = f"made public on {_fr(publicity)} (no transmission required)"
        mention = f"Certifié exécutoire par le maire, compte tenu de la publicité le {_fr(publicity)} (R33)"
    return Executory(True, date, rule, f"executory on {_fr(date)}: {how}; rule {regime}", mention)


# --------------------------------------------------------------------------- deadlines


def _transmission(facts: LegalFacts) -> Deadline | None:
    if facts.nature in {ActNature.AI, ActNature.CC} and facts.signed:
        due = facts.signed + dt.timedelta(days=15)
        rule, source = (
            ("R9", "CGCT L2131-2 II")
            if facts.nature is ActNature.AI
            else ("R11", "CGCT L2131-13, L1411-9")
        )
        what = (
            "individual decision"
            if facts.nature is ActNature.AI
            else "contract at or above the threshold"
        )
        done = facts.reception is not None and facts.reception <= due
        return Deadline(
            DeadlineKind.TRANSMISSION,
            due,
            rule,
            "signature",
            facts.signed,
            source,
            f"an {what} must reach the préfecture within 15 days of its signature ({_fr(due)})",
            status="ended" if done else "open",
            ambiguous=True,
            note="the texts read set no sanction and do not say whether the 15 days are franc (LEGAL.md R9 [VERIFY])",
        )
    if facts.nature is ActNature.BF and facts.signed:
        year = facts.signed.year
        due = dt.date(year, 5, 15) if facts.renewal_year else dt.date(year, 4, 30)
        return Deadline(
            DeadlineKind.TRANSMISSION,
            due,
            "R12",
            "statutory adoption deadline of the budget primitif",
            dt.date(year, 4, 30) if facts.renewal_year else dt.date(year, 4, 15),
            "CGCT L1612-2, L1612-8",
            f"a budget primitif is transmitted within 15 days of its adoption deadline ({_fr(due)})",
            ambiguous=True,
            note="only for the budget primitif; other dates apply after a budget set by the préfet, "
            "and L1612-8 was renumbered in 2026 (LEGAL.md R12 [VERIFY])",
        )
    return None


def _prefet(facts: LegalFacts) -> Deadline | None:
    """R15, R17, R18: 2 months franc from receipt, restarted or interrupted."""
    if facts.reception is None:
        return None
    dept = facts.departement
    current = last_day(facts.reception, 2, dept)
    start_event, start = "receipt by the préfecture", facts.reception
    explanation = f"the préfet may refer the act to the court until {_fr(current.last_day)} (2 months franc from receipt)"
    rule, source = "R15", "CGCT L2131-6; CE 29 May 1987 Commune de Goult"
    notes: list[str] = []
    ambiguous, flag_note = _flags(current)
    if flag_note:
        notes.append(flag_note)
    if facts.dpc and facts.dpc <= current.last_day:
        if (current.last_day - facts.dpc).days <= NEAR_LIMIT_DAYS:
            ambiguous = True
            notes.append(
                "the request for documents came close to the limit: sending or receipt date? (§F5)"
            )
        if facts.dpc_answer is None:
            return Deadline(
                DeadlineKind.PREFET_DEFERE,
                None,
                "R17",
                "demande de pièces complémentaires",
                facts.dpc,
                "CE 29 Oct 2008 Cne de Sainte-Marie-aux-Mines",
                "the préfet asked for documents: a new 2 months will run from their receipt or from the refusal",
                ambiguous=True,
                note="only a request for documents really missing and necessary restarts the delay (R17)",
            )
        current = last_day(facts.dpc_answer, 2, dept)
        start_event, start, rule = "documents received (or refusal)", facts.dpc_answer, "R17"
        source = "CE 29 Oct 2008 Cne de Sainte-Marie-aux-Mines; CE 15 May 2013"
        explanation = (
            f"after the request for documents, the préfet has until {_fr(current.last_day)}"
        )
        notes.append("a vague request for 'useful explanations' would not restart the delay (R17)")
    if facts.observations and facts.observations <= current.last_day:
        if (current.last_day - facts.observations).days <= NEAR_LIMIT_DAYS:
            ambiguous = True
            notes.append(
                "the lettre d'observations came close to the limit: sending or receipt date? (§F5)"
            )
        if facts.observations_answer:
            restart, start_event = (
                facts.observations_answer,
                "the commune's answer to the observations",
            )
        else:
            restart = add_months(facts.observations, 2)
            start_event = "implicit rejection (2 months of silence after the observations)"
        current = last_day(restart, 2, dept)
        start, rule = restart, "R18"
        source = "CE 18 Apr 1986 Commissaire de la République d'Ille-et-Vilaine; CE 4 Nov 1996"
        explanation = f"the lettre d'observations interrupted the delay: the préfet has until {_fr(current.last_day)}"
        notes.append(
            "a lettre d'observations interrupts only once; a second one does not extend again (R18)"
        )
    more, more_note = _flags(current)
    if more_note and more_note not in notes:
        notes.append(more_note)
    if facts.defere:
        return Deadline(
            DeadlineKind.PREFET_DEFERE,
            current.last_day,
            rule,
            start_event,
            start,
            source,
            f"ended: the préfet referred the act to the court on {_fr(facts.defere)} (5-1)",
            status="ended",
        )
    return Deadline(
        DeadlineKind.PREFET_DEFERE,
        current.last_day,
        rule,
        start_event,
        start,
        source,
        explanation,
        ambiguous=ambiguous or more,
        note="; ".join(notes) or None,
    )


def _third_party(facts: LegalFacts) -> list[Deadline]:
    """R22–R27 for the act's publicity (publication, or notification for individual acts)."""
    individual = facts.nature is ActNature.AI and facts.notification is not None
    start = facts.notification if individual else (facts.publication or facts.notification)
    if start is None:
        return []
    event = (
        "notification"
        if start == facts.notification and (individual or not facts.publication)
        else "publication"
    )
    dept = facts.departement
    extra = _DISTANCE_MONTHS[facts.residence]
    computed = last_day(start, 2 + extra, dept)
    ambiguous, note = _flags(computed)
    distance = (
        f" (+{extra} month{'s' if extra > 1 else ''} distance extension, R27)" if extra else ""
    )
    deadlines: list[Deadline] = []
    appeal_rule, appeal_start, appeal_event, appeal = "R22", start, event, computed
    urbanism = facts.urbanism_decision and start >= URBANISM_REFORM
    if facts.gracieux and facts.gracieux <= computed.last_day and not urbanism:
        restart = facts.gracieux_answer or add_months(facts.gracieux, 2)
        appeal = last_day(restart, 2 + extra, dept)
        appeal_rule, appeal_start = "R25", restart
        appeal_event = "rejection of the recours gracieux" + (
            "" if facts.gracieux_answer else " (implicit, 2 months of silence)"
        )
        ambiguous, note = _flags(appeal)
    deadlines.append(
        Deadline(
            DeadlineKind.THIRD_PARTY_APPEAL,
            appeal.last_day,
            appeal_rule,
            appeal_event,
            appeal_start,
            "CJA R421-1, R421-2, R421-7; CRPA L411-2",
            f"an appeal to the tribunal administratif is possible until {_fr(appeal.last_day)}{distance}",
            ambiguous=ambiguous,
            note=note,
        )
    )
    if urbanism:
        filing = last_day(start, 1, dept)
        deadlines.append(
            Deadline(
                DeadlineKind.GRACIEUX_FILING,
                filing.last_day,
                "R26",
                event,
                start,
                "C. urb. L600-12-2 (loi 2025-1129)",
                f"a recours gracieux against this urbanism decision must be filed by {_fr(filing.last_day)} "
                "and does not extend the appeal delay",
                ambiguous=True,
                note="whether the 1 month is franc, and whether it also binds the préfet's observations, is not settled (§F8)",
            )
        )
    if facts.notification and not facts.notification_mentions_routes:
        due = add_months(facts.notification, 12)
        deadlines.append(
            Deadline(
                DeadlineKind.CZABAJ,
                due,
                "R24",
                "notification without the mention of appeal routes",
                facts.notification,
                "CE Ass. 13 Jul 2016 Czabaj n° 387763",
                f"the notification did not state the appeal routes: the 2 months do not run, but a reasonable "
                f"time of one year applies, until {_fr(due)}",
                ambiguous=True,
                note="judge-made limit, not franc; interrupted by a recours administratif or a legal-aid request",
            )
        )
    return deadlines


def assess(facts: LegalFacts) -> LegalAssessment:
    """The executory state and every deadline of one act, each with its rule and reason."""
    found: list[Deadline | None] = [_transmission(facts), _prefet(facts)]
    found.extend(_third_party(facts))
    return LegalAssessment(executory(facts), tuple(d for d in found if d is not None))


def due_within(assessment: LegalAssessment, today: dt.date, days: int) -> tuple[Deadline, ...]:
    """Open, dated deadlines falling in ``[today, today + days]`` (for alert sweeps)."""
    horizon = today + dt.timedelta(days=days)
    return tuple(
        d
        for d in assessment.deadlines
        if d.status == "open" and d.due is not None and today <= d.due <= horizon
    )
