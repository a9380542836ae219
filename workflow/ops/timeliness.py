"""How late is late: working days elapsed since an act reached the platform.

The préfecture's accusé de réception normally comes within minutes; two working days without
one means something is wrong (the platform, the préfecture's side, or our polling). Working
days follow the act's département (weekends and public holidays, :mod:`workflow.legal.calendar`).
"""

from __future__ import annotations

import datetime as dt

from workflow.identifiers import Departement
from workflow.legal.calendar import is_working_day

AR_OVERDUE_WORKING_DAYS = 2


def working_days_since(start: dt.date, today: dt.date, departement: Departement | None) -> int:
    """Working days after ``start`` up to and including ``today``."""
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= today:
        if is_working_day(day, departement):
            count += 1
        day += dt.timedelta(days=1)
    return count


def ar_overdue(
    submitted_on: dt.date,
    today: dt.date,
    departement: Departement | None,
    *,
    working_days: int = AR_OVERDUE_WORKING_DAYS,
) -> bool:
    return working_days_since(submitted_on, today, departement) >= working_days
