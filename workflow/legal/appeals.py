"""The appeal to the tribunal administratif (LEGAL.md R22–R27) and, when a notification did
not state the appeal routes, the Czabaj reasonable time (R23–R24)."""

from __future__ import annotations

import datetime as dt

from workflow.i18n import _
from workflow.identifiers import ActNature, Departement
from workflow.legal.calendar import (
    add_months,
    is_working_day,
    last_day,
    library_holiday,
    next_library_working_day,
    next_working_day,
)
from workflow.legal.values import (
    Deadline,
    DeadlineKind,
    LegalFacts,
    Residence,
    Status,
    flags,
)

URBANISM_REFORM = dt.date(2025, 11, 28)

#: CJA R421-7 as LEGAL.md R27 reads it: +1 month before a mainland TA for overseas residents,
#: +1 month before an overseas TA for those not living in that territory, +2 months from abroad
_DISTANCE_MONTHS = {Residence.SAME_TERRITORY: 0, Residence.OTHER_TERRITORY: 1, Residence.ABROAD: 2}


def third_party(facts: LegalFacts) -> list[Deadline]:
    """R22–R27 for the act's publicity (publication, or notification for individual acts),
    and R23–R24 when the notification did not state the appeal routes."""
    deadlines = []
    start, event = _appeal_start(facts)
    if start is not None:
        deadlines.extend(_appeal(facts, start, event))
    if facts.notification and not facts.notification_mentions_routes:
        deadlines.append(_czabaj(facts, facts.notification))
    return deadlines


def _appeal_start(facts: LegalFacts) -> tuple[dt.date | None, str]:
    """The publicity the 2 months run from; none from a notification without the mention of
    appeal routes (R23: they do not run; the Czabaj year applies instead, R24)."""
    individual = facts.nature is ActNature.AI and facts.notification is not None
    start = facts.notification if individual else (facts.publication or facts.notification)
    if start is None:
        return None, ""
    notified = start == facts.notification and (individual or not facts.publication)
    if notified and not facts.notification_mentions_routes:
        # third parties still have their 2 months from the publication (R22–R23)
        return (facts.publication, _("publication")) if facts.publication else (None, "")
    return start, _("notification") if notified else _("publication")


def _distance(facts: LegalFacts) -> tuple[int, str, str | None]:
    """R27 relative to the court of the act's territory: months, wording, and a note when an
    older residence value leaves a doubt."""
    relative = facts.residence.relative_to(facts.departement)
    extra = _DISTANCE_MONTHS[relative]
    court = _("an overseas TA") if facts.departement.is_overseas else _("a mainland TA")
    where = {
        Residence.SAME_TERRITORY: _("in the court's territory"),
        Residence.OTHER_TERRITORY: _("outside the court's territory"),
        Residence.ABROAD: _("abroad"),
    }[relative]
    text = ""
    if extra == 1:
        text = _(
            " (+1 month distance extension, R27: appellant living {where}, before {court})",
            where=where,
            court=court,
        )
    elif extra:
        text = _(
            " (+{months} months distance extension, R27: appellant living {where}, before {court})",
            months=extra,
            where=where,
            court=court,
        )
    note = None
    if facts.residence is Residence.OUTRE_MER and facts.departement.is_overseas:
        note = _(
            "'outre-mer' is read as an overseas territory other than the act's (+1 month, R27); "
            "a resident of the act's own territory has no extension (residence same-territory)"
        )
    return extra, text, note


def _appeal(facts: LegalFacts, start: dt.date, event: str) -> list[Deadline]:
    """R22, R25–R27: the appeal to the TA, restarted by a recours gracieux; R26's filing limit."""
    dept = facts.departement
    extra, distance, residence_note = _distance(facts)
    computed = last_day(start, 2 + extra, dept)
    appeal_rule, appeal_start, appeal_event, appeal = "R22", start, event, computed
    urbanism = facts.urbanism_decision and start >= URBANISM_REFORM
    if facts.gracieux and facts.gracieux <= computed.last_day and not urbanism:
        restart = facts.gracieux_answer or add_months(facts.gracieux, 2)
        appeal = last_day(restart, 2 + extra, dept)
        appeal_rule, appeal_start = "R25", restart
        appeal_event = (
            _("rejection of the recours gracieux")
            if facts.gracieux_answer
            else _("rejection of the recours gracieux (implicit, 2 months of silence)")
        )
    ambiguous, note = flags(appeal)
    if residence_note:
        ambiguous, note = True, "; ".join(n for n in (note, residence_note) if n)
    deadlines = [
        Deadline(
            DeadlineKind.THIRD_PARTY_APPEAL,
            appeal.last_day,
            appeal_rule,
            appeal_event,
            appeal_start,
            "CJA R421-1, R421-2, R421-7; CRPA L411-2",
            _(
                "an appeal to the tribunal administratif is possible until {day}{distance}",
                day=appeal.last_day,
                distance=distance,
            ),
            ambiguous=ambiguous,
            note=note,
        )
    ]
    if urbanism:
        deadlines.append(_urbanism_gracieux(facts, start, event))
    return deadlines


def _urbanism_gracieux(facts: LegalFacts, start: dt.date, event: str) -> Deadline:
    filing = last_day(start, 1, facts.departement)
    filed = facts.gracieux is not None and facts.gracieux <= filing.last_day
    return Deadline(
        DeadlineKind.GRACIEUX_FILING,
        filing.last_day,
        "R26",
        event,
        start,
        "C. urb. L600-12-2 (loi 2025-1129)",
        _(
            "a recours gracieux against this urbanism decision must be filed by {day} and does "
            "not extend the appeal delay",
            day=filing.last_day,
        ),
        status=Status.ENDED if filed else Status.OPEN,
        ambiguous=True,
        note=_(
            "whether the 1 month is franc, and whether it also binds the préfet's observations, "
            "is not settled (§F8)"
        ),
        because=_("the recours gracieux of {day}", day=facts.gracieux)
        if facts.gracieux and filed
        else None,
    )


_CZABAJ_SOURCE = "CE Ass. 13 Jul 2016 Czabaj n° 387763; CE avis 12 Jul 2023 n° 474865"


def _czabaj(facts: LegalFacts, notified: dt.date) -> Deadline:
    """R24: one year from the notification that lacked the appeal routes (judge-made, not
    franc), interrupted by a recours gracieux filed within it."""
    year_end = add_months(notified, 12)
    if facts.gracieux and notified <= facts.gracieux <= year_end:
        return _czabaj_interrupted(facts, facts.gracieux, year_end)
    notes = [
        _(
            "judge-made limit, not franc; interrupted by a recours administratif or a legal-aid "
            "request"
        )
    ]
    closed = _closed_day(year_end, facts.departement)
    if closed:
        what, later = closed
        notes.append(
            _(
                "the one-year date falls on a {what}; LEGAL.md does not say whether it moves to "
                "the next working day ({later}) as a délai franc would (R28): not settled, file "
                "by {day}",
                what=what,
                later=later,
                day=year_end,
            )
        )
    return Deadline(
        DeadlineKind.CZABAJ,
        year_end,
        "R24",
        _("notification without the mention of appeal routes"),
        notified,
        _CZABAJ_SOURCE,
        _(
            "the notification did not state the appeal routes: the 2 months do not run, but a "
            "reasonable time of one year applies, until {day}",
            day=year_end,
        ),
        ambiguous=True,
        note="; ".join(notes),
    )


def _czabaj_interrupted(facts: LegalFacts, gracieux: dt.date, year_end: dt.date) -> Deadline:
    """R24 (2023 opinion): a recours gracieux filed within the year interrupts it; LEGAL.md does
    not say from when it runs again, so no date is given, only a hint."""
    rejection = facts.gracieux_answer or add_months(gracieux, 2)
    new_end = add_months(rejection, 12)
    note = (
        _(
            "LEGAL.md (R24) says a recours administratif interrupts the year but not from "
            "when it runs again (a new year from the rejection of {rejection} would end "
            "{end}): not settled, no date is given",
            rejection=rejection,
            end=new_end,
        )
        if facts.gracieux_answer
        else _(
            "LEGAL.md (R24) says a recours administratif interrupts the year but not from "
            "when it runs again (a new year from the rejection of {rejection}, implicit "
            "after 2 months of silence, would end {end}): not settled, no date is given",
            rejection=rejection,
            end=new_end,
        )
    )
    return Deadline(
        DeadlineKind.CZABAJ,
        None,
        "R24",
        _("recours gracieux within the reasonable time"),
        gracieux,
        _CZABAJ_SOURCE,
        _(
            "the notification did not state the appeal routes, so the 2 months do not run "
            "(R23); the recours gracieux of {gracieux} interrupted the one-year reasonable "
            "time that ran until {end}",
            gracieux=gracieux,
            end=year_end,
        ),
        status=Status.SUSPENDED,
        ambiguous=True,
        note=note,
        because=_(
            "interrupted by the recours gracieux of {day}, restart not set",
            day=gracieux,
        ),
    )


def _closed_day(day: dt.date, departement: Departement) -> tuple[str, dt.date] | None:
    """What makes ``day`` a non-working day (R29, or only the holidays library), and the next
    working day by that calendar; None on a working day."""
    if not is_working_day(day, departement):
        what = {5: _("Saturday"), 6: _("Sunday")}.get(day.weekday(), _("public holiday"))
        return what, next_working_day(day, departement)
    other = library_holiday(day, departement)
    if other is None:
        return None
    what = _("day the holidays library counts as a holiday ({name}), not R29", name=other)
    return what, next_library_working_day(day, departement)
