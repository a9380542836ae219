"""The operators' channel, pure parts: when an alert is due again, which findings are faults."""

from __future__ import annotations

import datetime as dt

from workflow.operator import OperatorAlert, due_for_notice
from workflow.ops.findings import Finding, Severity
from workflow.usecases.operator_alerting import finding_fault, is_fault

OPENED = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _alert(notified: dt.datetime | None, resolved: dt.datetime | None = None) -> OperatorAlert:
    return OperatorAlert(1, "k", "configuration", "s", "", OPENED, notified, 1, resolved, None)


def test_an_open_alert_is_due_when_never_sent_or_sent_that_long_ago() -> None:
    assert due_for_notice(_alert(None), OPENED, DAY)
    assert not due_for_notice(_alert(OPENED), OPENED + DAY - dt.timedelta(seconds=1), DAY)
    assert due_for_notice(_alert(OPENED), OPENED + DAY, DAY)
    assert not due_for_notice(_alert(None, resolved=OPENED), OPENED + DAY, DAY)


def test_which_findings_are_the_operators_faults() -> None:
    expiring = Finding("certificate.expiry", Severity.WARNING, "expires soon", "renew", "a.p12")
    unsigned = Finding("certificate.readable", Severity.WARNING, "no signing certificate")
    broken = Finding("certificate.readable", Severity.INVALID, "cannot read", "fix", "a.p12")
    assert [is_fault(f) for f in (expiring, unsigned, broken)] == [True, False, True]
    fault = finding_fault(expiring)
    assert (fault.key, fault.kind, fault.fix) == (
        "certificate.expiry:a.p12",
        "certificate",
        "renew",
    )
