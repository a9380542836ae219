"""The operators' channel: faults of the service itself (an expiring signing certificate, a
platform login refused, a platform unreachable for long, a quarantined message), raised once
to the people who run the service — never to a collectivité's clerks.

A *fault* is what the sweep sees now, named by a stable key (``config:signing_failed``,
``certificate.expiry:signer.p12``, ``incident:12``). The store keeps one *open* operational
alert per key: it is notified when opened, again at most every ``renotify_after`` while it
lasts, and a "resolved" notice goes out once when the fault is no longer seen. An incident
is a one-off: notified once, then closed.

Operators read English (technical docs and logs are English); the clerks see, on each act
the fault holds, that the operator was alerted (:mod:`workflow.problems`, French).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

#: re-notify an alert still open after this long (``ACTES_OPERATOR_RENOTIFY_SECONDS``)
DEFAULT_RENOTIFY = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """An operational alert: kept, listed by ``actes incidents``, never silently dropped."""

    id: int
    act_id: int | None
    kind: str  # recovery_ambiguous / inbound_quarantined / …
    detail: str
    at: dt.datetime
    payload_size: int  # bytes kept with it (a quarantined message), 0 when none

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "act_id": self.act_id,
            "kind": self.kind,
            "detail": self.detail,
            "at": self.at.isoformat(),
            "payload_size": self.payload_size,
        }


@dataclass(frozen=True, slots=True)
class Fault:
    key: str  # stable: one open alert per key
    kind: str  # configuration / certificate / platform_unreachable / incident
    summary: str  # one line for the operator: what is wrong, how many acts it holds
    fix: str = ""


@dataclass(frozen=True, slots=True)
class OperatorAlert:
    """An operational alert as the store keeps it."""

    id: int
    key: str
    kind: str
    summary: str
    fix: str
    opened_at: dt.datetime
    notified_at: dt.datetime | None
    notices: int
    resolved_at: dt.datetime | None
    resolution_notified_at: dt.datetime | None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "key": self.key,
            "kind": self.kind,
            "summary": self.summary,
            "fix": self.fix,
            "opened_at": iso(self.opened_at),
            "notified_at": iso(self.notified_at),
            "notices": self.notices,
            "resolved_at": iso(self.resolved_at),
        }


def due_for_notice(alert: OperatorAlert, now: dt.datetime, renotify_after: dt.timedelta) -> bool:
    """An open alert is (re)notified when never notified, or last notified that long ago."""
    if not alert.open:
        return False
    return alert.notified_at is None or now - alert.notified_at >= renotify_after


@dataclass(frozen=True, slots=True)
class OperatorDigest:
    """One message to the operators: alerts opened or still open, and alerts resolved."""

    recipients: tuple[str, ...]
    at: dt.datetime
    raised: tuple[OperatorAlert, ...]
    resolved: tuple[OperatorAlert, ...]

    @property
    def subject(self) -> str:
        parts = []
        if self.raised:
            parts.append(f"{len(self.raised)} operational alert(s)")
        if self.resolved:
            parts.append(f"{len(self.resolved)} resolved")
        return "[actes][operations] " + "; ".join(parts)

    def text(self) -> str:
        lines = [f"actes-workflow — operational alerts at {self.at:%Y-%m-%d %H:%M} UTC", ""]
        for alert in self.raised:
            again = f" (reminder {alert.notices + 1})" if alert.notified_at else ""
            lines.append(f"- OPEN since {alert.opened_at:%Y-%m-%d %H:%M}{again} [{alert.key}]")
            lines.append(f"  {alert.summary}")
            if alert.fix:
                lines.append(f"  fix: {alert.fix}")
        for alert in self.resolved:
            lines.append(f"- RESOLVED [{alert.key}] (open since {alert.opened_at:%Y-%m-%d %H:%M})")
            lines.append(f"  {alert.summary}")
        lines += ["", "actes incidents --json lists them; actes doctor says how to fix them."]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": "operational",
            "at": self.at.isoformat(),
            "raised": [a.as_dict() for a in self.raised],
            "resolved": [a.as_dict() for a in self.resolved],
        }


class OperatorChannel(Protocol):
    """Where the operators' digest goes (e-mail to ``ACTES_OPERATOR_EMAILS``)."""

    channel: str

    def send(self, digest: OperatorDigest) -> None: ...
