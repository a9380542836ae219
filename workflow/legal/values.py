"""The values the law speaks in: an act's dated facts, the appellant's residence, and the
deadlines and executory state computed from them (LEGAL.md), with their wording helpers."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from workflow.i18n import _
from workflow.identifiers import ActNature, Departement
from workflow.legal.calendar import R29_ONLY, Computed


class DeadlineKind(enum.StrEnum):
    TRANSMISSION = "transmission"
    PREFET_DEFERE = "prefet_defere"
    THIRD_PARTY_APPEAL = "third_party_appeal"
    GRACIEUX_FILING = "gracieux_filing"
    CZABAJ = "czabaj_reasonable_time"


class Status(enum.StrEnum):
    OPEN = "open"
    PASSED = "passed"
    ENDED = "ended"
    SUSPENDED = "suspended"


class Residence(enum.StrEnum):
    """Where the appellant lives, relative to the court of the act's territory (R27).

    The court is the TA of the act's territory: mainland France (Corsica included), or the
    overseas département itself. The first three values say it directly; the last three are
    the older, absolute values kept as aliases (see :data:`ALIASES`)."""

    SAME_TERRITORY = "same-territory"
    OTHER_TERRITORY = "other-territory"
    ABROAD = "abroad"
    METROPOLE = "metropole"
    OUTRE_MER = "outre-mer"
    ETRANGER = "etranger"

    def relative_to(self, departement: Departement) -> Residence:
        """The residence relative to the court of ``departement``'s territory."""
        if self is Residence.METROPOLE:
            return (
                Residence.OTHER_TERRITORY if departement.is_overseas else Residence.SAME_TERRITORY
            )
        if self is Residence.OUTRE_MER:
            return Residence.OTHER_TERRITORY
        if self is Residence.ETRANGER:
            return Residence.ABROAD
        return self


#: what the older values mean (shown by ``actes legal --help``)
ALIASES = {
    Residence.METROPOLE: "lives in mainland France: same-territory for a mainland act, "
    "other-territory for an overseas act",
    Residence.OUTRE_MER: "lives in an overseas territory other than the act's: other-territory "
    "(a resident of the act's own overseas territory is same-territory)",
    Residence.ETRANGER: "lives abroad: abroad",
}


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
    residence: Residence = Residence.SAME_TERRITORY
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
    status: Status = Status.OPEN
    ambiguous: bool = False
    note: str | None = None
    #: what ended or suspends it, for the clerk (catalog text: « le déféré du 01/02/2024 »)
    because: str | None = None
    #: days from the day of the assessment to the last day (open and dated deadlines only)
    days_left: int | None = None

    def on(self, today: dt.date) -> Deadline:
        """This deadline as it stands on ``today``: open, passed, ended or suspended."""
        if self.status is not Status.OPEN or self.due is None:
            return self
        if self.due < today:
            return replace(self, status=Status.PASSED, days_left=None)
        return replace(self, days_left=(self.due - today).days)

    @property
    def status_text(self) -> str:
        """The status in the clerk's words (message catalogs, French by default: « ouvert,
        J-12 », « échu le … », « clos par … », « suspendu : … »)."""
        if self.status is Status.ENDED:
            return _("ended by {what}", what=self.because) if self.because else _("ended")
        if self.status is Status.SUSPENDED:
            return _("suspended: {why}", why=self.because) if self.because else _("suspended")
        if self.status is Status.PASSED:
            return _("passed on {day}", day=self.due) if self.due else _("passed")
        if self.due is None:
            return _("open, date not set")
        if self.days_left is None:
            return _("open")
        return _("open, D-{days}", days=self.days_left)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "due": self.due.isoformat() if self.due else None,
            "rule": self.rule,
            "start_event": self.start_event,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "source": self.source,
            "explanation": self.explanation,
            "status": self.status.value,
            "status_text": self.status_text,
            "days_left": self.days_left,
            "because": self.because,
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
    #: the day the statuses are given for (None: not resolved against a day)
    today: dt.date | None = None

    def on(self, today: dt.date) -> LegalAssessment:
        return LegalAssessment(self.executory, tuple(d.on(today) for d in self.deadlines), today)

    def as_dict(self) -> dict[str, Any]:
        return {
            "executory": self.executory.as_dict(),
            "today": self.today.isoformat() if self.today else None,
            "deadlines": [d.as_dict() for d in self.deadlines],
        }


def _holiday(day: dt.date, name: str) -> str:
    """A holiday the two calendars disagree on, in the note (« Saint-Étienne (R29 seul) … »)."""
    if name.endswith(R29_ONLY):
        return _("{name} (R29 only) {day}", name=name.removesuffix(R29_ONLY), day=day)
    return _("{name} {day}", name=name, day=day)


def flags(computed: Computed) -> tuple[bool, str | None]:
    """§F1 (month end), §F2 (local holidays) and the holidays beyond R29 as a flag and a note
    (catalog text, dates in the reader's locale)."""
    notes = []
    if computed.clamped_to_month_end:
        notes.append(
            _(
                "month-end case (LEGAL.md §F1): some practitioners stop at {day}; file by the "
                "earlier date, call the act safe only after the later one",
                day=computed.echeance,
            )
        )
    if computed.moved_by_local_holiday:
        notes.append(
            _(
                "a local holiday moved the date (LEGAL.md §F2); with national holidays only it "
                "would be {day}",
                day=computed.national_only,
            )
        )
    if computed.library_last_day:
        days = ", ".join(_holiday(day, name) for day, name in computed.library_differences)
        notes.append(
            _(
                "the date shown follows R29 (LEGAL.md §D); the holidays library's calendar "
                "differs ({days}) and would give {day}: not settled, file by the earlier date",
                days=days,
                day=computed.library_last_day,
            )
        )
    return bool(notes), "; ".join(notes) or None
