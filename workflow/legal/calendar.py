"""Counting legal deadlines (LEGAL.md R28–R29): délai franc, months "de quantième à
quantième", weekends and public holidays by département, from the ``holidays`` library.

``last_day(E, months, dept)``: the échéance is E + months (same day number, clamped to the
month's end); the last day is the day after; a Saturday, Sunday or public holiday moves it
to the next working day (art. 642 CPC as the administrative judge applies it).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays
from dateutil.relativedelta import relativedelta

from workflow.identifiers import Departement

# The library's subdivisions for the départements with local holidays (LEGAL.md §D).
_SUBDIVISIONS = {
    "057": "57",
    "067": "6AE",
    "068": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@functools.cache
def _holidays(subdivision: str | None, year: int) -> frozenset[dt.date]:
    calendar = holidays.country_holidays("FR", subdiv=subdivision, years=year)
    return frozenset(calendar.keys())


def is_holiday(day: dt.date, departement: Departement | None, *, local: bool = True) -> bool:
    """A public holiday in that département (national ones only when ``local`` is False)."""
    subdivision = _SUBDIVISIONS.get(departement.value) if (departement and local) else None
    return day in _holidays(subdivision, day.year)


def is_working_day(day: dt.date, departement: Departement | None, *, local: bool = True) -> bool:
    return day.weekday() < 5 and not is_holiday(day, departement, local=local)


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day number ``months`` later; the month's last day when that day does not exist."""
    result: dt.date = start + relativedelta(months=months)
    return result


def next_working_day(
    day: dt.date, departement: Departement | None, *, local: bool = True
) -> dt.date:
    while not is_working_day(day, departement, local=local):
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Computed:
    """A last day, with what the computation met on the way (for the ambiguity flags)."""

    last_day: dt.date
    echeance: dt.date
    clamped_to_month_end: bool
    moved_by_local_holiday: bool
    national_only: dt.date


def last_day(start: dt.date, months: int, departement: Departement | None) -> Computed:
    """The last day to act for a délai franc of ``months`` months from ``start`` (R28)."""
    echeance = add_months(start, months)
    clamped = echeance.day != start.day
    day_after = echeance + dt.timedelta(days=1)
    with_local = next_working_day(day_after, departement)
    national = next_working_day(day_after, departement, local=False)
    return Computed(with_local, echeance, clamped, with_local != national, national)
