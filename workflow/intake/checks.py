"""Consistency rules applied before anything is sent, each a pure function returning problems.

A problem names the field, the rule and the value. ``error`` problems keep the act as a draft
for a person to correct; ``warning`` problems are shown and recorded but do not stop it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    rule: str
    message: str
    value: Any = None
    severity: Severity = "error"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity,
        }
        if self.value is not None:
            data["value"] = (
                self.value.isoformat() if isinstance(self.value, dt.date) else self.value
            )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            data["field"], data["rule"], data["message"], data.get("value"), data["severity"]
        )


def check_counts(
    *,
    members_in_office: int | None,
    present: int | None,
    proxies: int | None,
    voters: int | None,
) -> list[Problem]:
    """Attendance: present + proxies = voters where the three are stated; nobody beyond the
    members in office; quorum (warning only)."""
    problems: list[Problem] = []
    stated = present is not None and proxies is not None and voters is not None
    if stated and present + proxies != voters:  # type: ignore[operator]
        problems.append(
            Problem(
                "voters",
                "present + proxies = voters",
                f"{present} present + {proxies} proxies = {(present or 0) + (proxies or 0)}, "
                f"but {voters} voters are stated",
                voters,
            )
        )
    if members_in_office is not None:
        for name, value in (("present", present), ("voters", voters)):
            if value is not None and value > members_in_office:
                problems.append(
                    Problem(
                        name,
                        f"{name} ≤ members in office",
                        f"{value} {name} but only {members_in_office} members in office",
                        value,
                    )
                )
        if present is not None and present * 2 <= members_in_office:
            problems.append(
                Problem(
                    "present",
                    "quorum: more than half of the members in office present (CGCT L2121-17)",
                    f"{present} present of {members_in_office} members in office: the quorum "
                    "is not reached unless this is a session after a second convocation "
                    "(or a period with a special quorum rule) — check before sending",
                    present,
                    "warning",
                )
            )
    return problems


def check_vote(vote: dict[str, Any] | None, voters: int | None) -> list[Problem]:
    """Vote totals against voters; a unanimous vote has nobody against."""
    if not vote:
        return []
    problems: list[Problem] = []
    against = vote.get("against") or 0
    if vote.get("unanimous") and against:
        problems.append(
            Problem(
                "vote",
                "unanimous means nobody against",
                f"unanimous with {against} against",
                against,
            )
        )
    counted = [vote.get(k) for k in ("for", "against", "abstentions")]
    if voters is not None and vote.get("for") is not None:
        total = sum(c or 0 for c in counted)
        if total != voters:
            problems.append(
                Problem(
                    "vote",
                    "for + against + abstentions = voters",
                    f"{vote.get('for')} for + {against} against + {vote.get('abstentions') or 0} "
                    f"abstentions = {total}, but {voters} voters",
                    total,
                )
            )
    return problems


def check_dates(
    *, act_date: dt.date | None, convocation_date: dt.date | None, today: dt.date
) -> list[Problem]:
    """The decision is not in the future; the council was convened before it sat."""
    problems: list[Problem] = []
    if act_date is not None and act_date > today:
        problems.append(
            Problem(
                "date",
                "decision date not in the future",
                f"the decision date {act_date} is after today ({today})",
                act_date,
            )
        )
    if act_date is not None and convocation_date is not None and convocation_date > act_date:
        problems.append(
            Problem(
                "convocation_date",
                "convocation before the session",
                f"convened on {convocation_date}, after the session of {act_date}",
                convocation_date,
            )
        )
    return problems
