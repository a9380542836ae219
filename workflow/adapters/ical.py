"""The iCalendar feed of a collectivité's open deadlines (RFC 5545, via ``icalendar``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from workflow.legal.deadlines import Deadline
from workflow.store import ActRecord


def deadlines_calendar(
    name: str, items: Sequence[tuple[ActRecord, Deadline]], *, now: dt.datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//actes-workflow//échéances//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Échéances — {name}")
    for act, deadline in items:
        if deadline.due is None:
            continue
        event = Event()
        event.add("uid", f"{act.id}-{deadline.kind.value}-{deadline.due:%Y%m%d}@actes-workflow")
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + dt.timedelta(days=1))
        event.add("summary", f"{deadline.kind.value} — {act.id_acte or act.numero}")
        event.add("description", f"{deadline.explanation} [{deadline.rule}; {deadline.source}]")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
