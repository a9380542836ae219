"""The operators' channel, wired: e-mail to ``ACTES_OPERATOR_EMAILS`` through the SMTP relay,
the faults the probes see (the signing certificate), and one sweep (workflow.operator)."""

from __future__ import annotations

import datetime as dt
import logging

from workflow.adapters.health import probe_signer
from workflow.adapters.wiring import build_smtp
from workflow.operator import OperatorChannel, OperatorDigest
from workflow.ops.findings import Finding, Severity
from workflow.settings import Settings
from workflow.usecases import Services

log = logging.getLogger(__name__)


def channel_problem(settings: Settings) -> str | None:
    """What keeps the operators' alerts from going out, or None."""
    if not settings.operators:
        return "ACTES_OPERATOR_EMAILS is not set"
    if not settings.smtp_host:
        return "ACTES_OPERATOR_EMAILS is set but ACTES_SMTP_HOST is not"
    return None


def build_operator_channels(settings: Settings) -> list[OperatorChannel]:
    """E-mail to the operators; none (and a warning in the log) when it cannot go out: the
    faults then stay open in the store, listed by ``actes incidents`` and ``actes doctor``."""
    problem = channel_problem(settings)
    if problem is not None or settings.smtp_host is None:
        log.warning("operator alerts are not sent: %s (they stay open: actes incidents)", problem)
        return []
    return [build_smtp(settings, settings.smtp_host)]


def sweep_operator_alerts(services: Services, settings: Settings) -> OperatorDigest | None:
    """One pass of the operators' channel (the hourly alert task, ``actes alerts``)."""
    return services.operator_alerts.sweep(
        recipients=settings.operators,
        channels=build_operator_channels(settings),
        findings=probe_signer(settings, services.clock()),
        renotify_after=dt.timedelta(seconds=settings.operator_renotify_seconds),
        unreachable_after=dt.timedelta(seconds=settings.stuck_after_seconds),
    )


def operator_findings(services: Services | None, settings: Settings) -> list[Finding]:
    """For ``actes doctor``: the channel itself, then each open operational alert (when the
    store can be read)."""
    problem = channel_problem(settings)
    found = [
        Finding(
            "operators.channel",
            Severity.WARNING,
            f"operational alerts reach nobody: {problem}; they stay open in actes incidents",
            "set ACTES_OPERATOR_EMAILS (the operators' addresses) and ACTES_SMTP_HOST",
        )
        if problem
        else Finding(
            "operators.channel",
            Severity.OK,
            f"operational alerts go to {len(settings.operators)} address(es)",
        )
    ]
    for alert in services.operator_alerts.open_alerts() if services else ():
        found.append(
            Finding("operators.alert", Severity.WARNING, alert.summary, alert.fix, alert.key)
        )
    return found
