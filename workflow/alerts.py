"""Alerts before a deadline passes: which to send today, and the notifier port.

A deadline due in ``d`` days triggers the smallest configured horizon ``h ≥ d`` (J-15, J-7,
J-2 by default); the store remembers each (act, deadline, horizon, channel) sent, so the
sweep can run as often as it likes and each alert still goes out once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from workflow.i18n import _

DEFAULT_HORIZONS = (15, 7, 2)


@dataclass(frozen=True, slots=True)
class Alert:
    act_id: int
    siren: str
    numero: str
    id_acte: str | None
    kind: str
    due: dt.date
    horizon_days: int
    rule: str
    explanation: str

    @property
    def key(self) -> tuple[int, str, dt.date, int]:
        return (self.act_id, self.kind, self.due, self.horizon_days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "act_id": self.act_id,
            "siren": self.siren,
            "numero": self.numero,
            "id_acte": self.id_acte,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "horizon_days": self.horizon_days,
            "rule": self.rule,
            "explanation": self.explanation,
        }


def horizon_for(due: dt.date, today: dt.date, horizons: tuple[int, ...]) -> int | None:
    """The smallest horizon the deadline has entered, or None when it is further away."""
    left = (due - today).days
    if left < 0:
        return None
    entered = [h for h in horizons if left <= h]
    return min(entered) if entered else None


#: alerts about an act that stopped, not about a deadline
_ABOUT_THE_ACT = ("stuck_", "problem_", "config_")


def deadline_label(kind: str) -> str:
    """A deadline's name for people (the stable ``kind`` stays in the JSON)."""
    labels = {
        "transmission": _("transmission to the préfecture"),
        "prefet_defere": _("the préfet's referral to the court"),
        "third_party_appeal": _("third-party appeal"),
        "gracieux_filing": _("recours gracieux"),
        "czabaj_reasonable_time": _("reasonable time to appeal (Czabaj)"),
    }
    return labels.get(kind, kind)


@dataclass(frozen=True, slots=True)
class Digest:
    """One message per collectivité and day, listing its alerts soonest first."""

    siren: str
    name: str
    recipients: tuple[str, ...]
    day: dt.date
    alerts: tuple[Alert, ...]

    @property
    def subject(self) -> str:
        deadlines = [a for a in self.alerts if not a.kind.startswith(_ABOUT_THE_ACT)]
        stuck = len(self.alerts) - len(deadlines)
        parts = []
        if deadlines:
            first = min(a.due for a in deadlines)
            parts.append(
                f"{len(deadlines)} échéance(s) à surveiller — la plus proche le {first:%d/%m/%Y}"
            )
        if stuck:
            parts.append(f"{stuck} acte(s) bloqué(s)")
        return "[actes] " + " ; ".join(parts)

    def text(self) -> str:
        lines = [f"{self.name} — échéances au {self.day:%d/%m/%Y}", ""]
        for alert in sorted(self.alerts, key=lambda a: (a.due, a.act_id)):
            if alert.kind.startswith("config_"):
                lines.append(f"- configuration [{alert.rule}] : {alert.explanation}")
                continue
            if alert.kind.startswith(_ABOUT_THE_ACT):
                lines.append(
                    f"- bloqué — acte {alert.id_acte or alert.numero} : {alert.explanation}"
                )
                continue
            lines.append(
                f"- {alert.due:%d/%m/%Y} (J-{(alert.due - self.day).days}) "
                f"{deadline_label(alert.kind)} — acte "
                f"{alert.id_acte or alert.numero} [{alert.rule}] : {alert.explanation}"
            )
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "siren": self.siren,
            "name": self.name,
            "day": self.day.isoformat(),
            "alerts": [a.as_dict() for a in self.alerts],
        }


class Notifier(Protocol):
    channel: str

    def send(self, digest: Digest) -> None: ...
