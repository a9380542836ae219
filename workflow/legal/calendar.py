"""Counting legal deadlines (LEGAL.md R28–R29): délai franc, months "de quantième à
quantième", weekends and public holidays by département.

``last_day(E, months, dept)``: the échéance is E + months (same day number, clamped to the
month's end); the last day is the day after; a Saturday, Sunday or public holiday moves it
to the next working day (art. 642 CPC as the administrative judge applies it).

The public holidays are R29's: the 11 fêtes légales of C. trav. L3133-1, plus 26 December and
Good Friday in Alsace-Moselle (L3134-13) and the abolition-of-slavery day overseas (loi 83-550,
décret 83-1003, L3422-2; dates in LEGAL.md §D). The ``holidays`` library counts more days in
some territories (Good Friday and Mi-Carême in Guadeloupe, 21 July in Guadeloupe and
Martinique): its date is computed as a second opinion and flagged when it differs, never
shown instead of R29's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import holidays
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from workflow.identifiers import Departement

ALSACE_MOSELLE = frozenset({"057", "067", "068"})
#: abolition of slavery (LEGAL.md §D; décret 83-1003 as amended): (month, day) by département
_ABOLITION = {"971": (5, 27), "972": (5, 22), "973": (6, 10), "974": (12, 20), "976": (4, 27)}

# The library's subdivisions for the départements where it knows local holidays.
_SUBDIVISIONS = {
    "057": "57",
    "067": "6AE",
    "068": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
}


@functools.cache
def _national(year: int) -> dict[dt.date, str]:
    """The 11 fêtes légales of C. trav. L3133-1 (R29); Whit Monday stays one (LEGAL.md §C)."""
    sunday = easter(year)
    return {
        dt.date(year, 1, 1): "jour de l'an",
        sunday + dt.timedelta(days=1): "lundi de Pâques",
        dt.date(year, 5, 1): "1er mai",
        dt.date(year, 5, 8): "8 mai",
        sunday + dt.timedelta(days=39): "Ascension",
        sunday + dt.timedelta(days=50): "lundi de Pentecôte",
        dt.date(year, 7, 14): "14 juillet",
        dt.date(year, 8, 15): "Assomption",
        dt.date(year, 11, 1): "Toussaint",
        dt.date(year, 11, 11): "11 novembre",
        dt.date(year, 12, 25): "Noël",
    }


@functools.cache
def _r29(code: str | None, year: int) -> dict[dt.date, str]:
    """R29's holidays of one département (national ones only when ``code`` is None)."""
    days = dict(_national(year))
    if code in ALSACE_MOSELLE:
        days[easter(year) - dt.timedelta(days=2)] = "Vendredi saint"
        days[dt.date(year, 12, 26)] = "Saint-Étienne"
    if code in _ABOLITION:
        month, day = _ABOLITION[code]
        days[dt.date(year, month, day)] = "abolition de l'esclavage"
    return days


@functools.cache
def _library(subdivision: str | None, year: int) -> dict[dt.date, str]:
    calendar = holidays.country_holidays("FR", subdiv=subdivision, years=year, language="fr")
    return dict(calendar.items())


def _code(departement: Departement | None, local: bool) -> str | None:
    return departement.value if (departement and local) else None


def is_holiday(day: dt.date, departement: Departement | None, *, local: bool = True) -> bool:
    """An R29 public holiday in that département (national ones only when ``local`` is False)."""
    return day in _r29(_code(departement, local), day.year)


def library_holiday(day: dt.date, departement: Departement | None) -> str | None:
    """The name the ``holidays`` library gives ``day`` in that département, if a holiday."""
    subdivision = _SUBDIVISIONS.get(departement.value) if departement else None
    return _library(subdivision, day.year).get(day)


def is_working_day(day: dt.date, departement: Departement | None, *, local: bool = True) -> bool:
    return day.weekday() < 5 and not is_holiday(day, departement, local=local)


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day number ``months`` later; the month's last day when that day does not exist."""
    result: dt.date = start + relativedelta(months=months)
    return result


def _next(day: dt.date, working: Callable[[dt.date], bool]) -> dt.date:
    while not working(day):
        day += dt.timedelta(days=1)
    return day


def next_working_day(
    day: dt.date, departement: Departement | None, *, local: bool = True
) -> dt.date:
    return _next(day, lambda d: is_working_day(d, departement, local=local))


def next_library_working_day(day: dt.date, departement: Departement | None) -> dt.date:
    """The next working day by the ``holidays`` library's calendar (the second opinion)."""
    return _next(day, lambda d: d.weekday() < 5 and library_holiday(d, departement) is None)


#: the mark of a holiday only R29 counts, in :func:`differences`' names
R29_ONLY = " (R29 only)"


@dataclass(frozen=True, slots=True)
class Computed:
    """A last day, with what the computation met on the way (for the ambiguity flags)."""

    last_day: dt.date
    echeance: dt.date
    clamped_to_month_end: bool
    moved_by_local_holiday: bool
    national_only: dt.date
    #: the last day by the ``holidays`` library's calendar (differs when it counts other days)
    library_last_day: dt.date | None = None
    #: the days that made the difference: (day, name), named by whichever calendar has them
    library_differences: tuple[tuple[dt.date, str], ...] = ()


def differences(
    start: dt.date, end: dt.date, departement: Departement | None
) -> tuple[tuple[dt.date, str], ...]:
    """Days in ``[start, end]`` that one calendar (R29 or the library) counts and not the other."""
    found = []
    day = start
    while day <= end:
        ours = _r29(_code(departement, True), day.year).get(day)
        theirs = library_holiday(day, departement)
        if (ours is None) != (theirs is None):
            found.append((day, theirs or f"{ours}{R29_ONLY}"))
        day += dt.timedelta(days=1)
    return tuple(found)


def last_day(start: dt.date, months: int, departement: Departement | None) -> Computed:
    """The last day to act for a délai franc of ``months`` months from ``start`` (R28)."""
    echeance = add_months(start, months)
    clamped = echeance.day != start.day
    day_after = echeance + dt.timedelta(days=1)
    with_local = next_working_day(day_after, departement)
    national = next_working_day(day_after, departement, local=False)
    library = next_library_working_day(day_after, departement)
    diff = (
        ()
        if library == with_local
        else differences(day_after, max(library, with_local), departement)
    )
    return Computed(
        with_local,
        echeance,
        clamped,
        with_local != national,
        national,
        library if library != with_local else None,
        diff,
    )
