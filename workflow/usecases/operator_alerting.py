"""Telling the operators, once, about faults of the service itself (workflow.operator): a
configuration fault stopping acts, a signing certificate expiring or expired, the platform
unreachable for long, a quarantined message or an ambiguous recovery (incidents).

Nothing here goes to a collectivité: the clerks see, on each act a configuration fault holds,
that the operators were alerted (its current problem)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workflow.errors import ActesError
from workflow.lifecycle import ActState
from workflow.operator import (
    DEFAULT_RENOTIFY,
    Fault,
    OperatorAlert,
    OperatorChannel,
    OperatorDigest,
    due_for_notice,
)
from workflow.ops.findings import Finding, Severity
from workflow.problems import ProblemCode
from workflow.store import ActFilter, ActRecord
from workflow.usecases.context import Context

#: the platform failing for this long on an act waiting to be sent is the operators' concern
DEFAULT_UNREACHABLE_AFTER = dt.timedelta(hours=1)
_INCIDENT = "incident"
#: raised by the poll the moment the platform refuses the login, closed by the next poll that
#: gets through (the sweep neither sees nor resolves it)
POLL_REFUSED = "platform_access:poll"
_RAISED_ELSEWHERE = frozenset({_INCIDENT, "platform_access"})


@dataclass
class OperatorAlerting:
    ctx: Context

    def faults(
        self,
        *,
        findings: Iterable[Finding] = (),
        unreachable_after: dt.timedelta = DEFAULT_UNREACHABLE_AFTER,
    ) -> list[Fault]:
        """What is wrong with the service now, one fault per key."""
        return [
            *self._configuration_faults(),
            *self._unreachable_fault(unreachable_after),
            *(finding_fault(f) for f in findings if is_fault(f)),
            *self._incident_faults(),
        ]

    def sweep(
        self,
        *,
        recipients: Sequence[str],
        channels: Sequence[OperatorChannel],
        findings: Iterable[Finding] = (),
        renotify_after: dt.timedelta = DEFAULT_RENOTIFY,
        unreachable_after: dt.timedelta = DEFAULT_UNREACHABLE_AFTER,
    ) -> OperatorDigest | None:
        """Open an alert per new fault, resolve those no longer seen, and send the operators
        one digest of what is new, due again, or resolved. Without recipients or channels the
        alerts stay open and un-notified (``actes doctor`` and ``actes incidents`` show them);
        a channel that fails records nothing, so the next sweep sends it again."""
        store, now = self.ctx.store, self.ctx.clock()
        raised, seen = [], set()
        for fault in self.faults(findings=findings, unreachable_after=unreachable_after):
            alert = store.raise_operator_alert(fault, at=now)
            seen.add(alert.id)
            if due_for_notice(alert, now, renotify_after):
                raised.append(alert)
        for alert in store.operator_alerts():
            if alert.id in seen:
                continue
            if alert.kind not in _RAISED_ELSEWHERE:
                store.resolve_operator_alert(alert.id, at=now)  # the fault is gone
            elif due_for_notice(alert, now, renotify_after):
                raised.append(alert)  # raised by the poll: it closes it, too
        resolved = store.operator_alerts(unsent_resolutions=True)
        digest = None
        if (raised or resolved) and recipients and channels:
            digest = OperatorDigest(tuple(recipients), now, tuple(raised), tuple(resolved))
            for channel in channels:
                channel.send(digest)
            for alert in (*raised, *resolved):
                store.operator_alert_notified(alert.id, at=now)
                if alert.kind == _INCIDENT:
                    store.resolve_operator_alert(alert.id, at=now, quiet=True)
        self._mark_held_acts()  # acts stopped since the notice, too
        return digest

    def poll_refused(self, error: ActesError) -> None:
        """The platform refused the service's login while polling: no act records it, so it
        is raised here, at once (the next sweep sends it)."""
        self.ctx.store.raise_operator_alert(
            Fault(
                POLL_REFUSED,
                "platform_access",
                f"the platform refused the service's login while polling: {error.one_line()}",
                "check the platform certificate and login (actes platform check, actes doctor)",
            ),
            at=self.ctx.clock(),
        )

    def poll_answered(self) -> None:
        """A poll got through: a refused login is over (its "resolved" notice follows)."""
        self.ctx.store.resolve_operator_alert_key(POLL_REFUSED, at=self.ctx.clock())

    def open_alerts(self) -> list[OperatorAlert]:
        return self.ctx.store.operator_alerts()

    def _mark_held_acts(self) -> None:
        """Each act a notified configuration fault holds says the operators were alerted."""
        for alert in self.ctx.store.operator_alerts():
            if alert.kind == "configuration" and alert.notified_at is not None:
                code = alert.key.removeprefix("config:")
                self.ctx.store.mark_problem_alerted(code, at=alert.notified_at)

    def _configuration_faults(self) -> list[Fault]:
        held: dict[ProblemCode, list[ActRecord]] = {}
        for act in self.ctx.store.list_acts(where=ActFilter(states=(ActState.FAILED,))):
            if act.problem is not None and act.problem.configuration and act.replaced_by is None:
                held.setdefault(act.problem.code, []).append(act)
        faults = []
        for code, acts in sorted(held.items()):
            first = min(acts, key=lambda a: a.problem.since if a.problem else a.state_since)
            assert first.problem is not None  # noqa: S101 - only acts with a problem here
            problem = dataclasses.replace(first.problem, operator_alerted=None)
            faults.append(
                Fault(
                    f"config:{code.value}",
                    "configuration",
                    f"{len(acts)} act(s) stopped by the service's configuration "
                    f"({_sirens(acts)}): {problem.message('en')}",
                    problem.action("en"),
                )
            )
        return faults

    def _unreachable_fault(self, longer_than: dt.timedelta) -> list[Fault]:
        since = self.ctx.clock() - longer_than
        waiting = [
            act
            for act in self.ctx.store.list_acts(
                where=ActFilter(states=(ActState.PACKAGED, ActState.SUBMITTING))
            )
            if act.problem is not None
            and act.problem.code is ProblemCode.PLATFORM_UNREACHABLE
            and act.problem.since <= since
        ]
        if not waiting:
            return []
        oldest = min(a.problem.since for a in waiting if a.problem)
        hours = f"{longer_than.total_seconds() / 3600:g}"
        return [
            Fault(
                "platform_unreachable",
                "platform_unreachable",
                f"the platform has failed for more than {hours} h on {len(waiting)} act(s) "
                f"waiting to be sent (since {oldest:%Y-%m-%d %H:%M} UTC)",
                "check the platform's status and the network; actes doctor tests the connection",
            )
        ]

    def _incident_faults(self) -> list[Fault]:
        closed = self.ctx.store.closed_operator_alert_keys(f"{_INCIDENT}:")
        return [
            Fault(
                f"{_INCIDENT}:{i.id}",
                _INCIDENT,
                f"incident {i.id} ({i.kind})"
                + (f" on act {i.act_id}" if i.act_id else "")
                + f": {i.detail}",
                f"actes incidents --act {i.act_id} --json" if i.act_id else "actes incidents",
            )
            for i in self.ctx.store.incidents()
            if f"{_INCIDENT}:{i.id}" not in closed
        ]


def is_fault(finding: Finding) -> bool:
    """A finding the operators must act on: a misconfiguration, or a certificate expiring."""
    return finding.severity is Severity.INVALID or (
        finding.severity is Severity.WARNING and finding.check.endswith(".expiry")
    )


def finding_fault(finding: Finding) -> Fault:
    kind = finding.check.split(".", 1)[0]
    key = f"{finding.check}:{finding.subject}" if finding.subject else finding.check
    return Fault(key, kind, finding.message, finding.fix)


def _sirens(acts: Sequence[ActRecord]) -> str:
    sirens = sorted({a.siren for a in acts})
    shown = ", ".join(sirens[:5])
    return f"collectivités {shown}" + (f" and {len(sirens) - 5} more" if len(sirens) > 5 else "")
