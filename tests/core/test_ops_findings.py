"""The pure judgements behind /ready, doctor and the metrics: severities and exit codes,
certificates, the clock, the nomenclature's age, working days without an AR."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.identifiers import Departement
from workflow.ops.findings import (
    Finding,
    Severity,
    certificate_findings,
    clock_finding,
    exit_code,
    nomenclature_finding,
)
from workflow.ops.timeliness import ar_overdue, working_days_since
from workflow.signing import CertificateInfo

NOW = dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC)


def info(
    before: int, after: int, usages: tuple[str, ...] = ("digital_signature",)
) -> CertificateInfo:
    return CertificateInfo(
        "CN=TEST",
        "CN=CA",
        "1",
        NOW + dt.timedelta(days=before),
        NOW + dt.timedelta(days=after),
        "00",
        usages,
    )


def by_check(findings: list[Finding]) -> dict[str, Severity]:
    return {f.check: f.severity for f in findings}


@pytest.mark.parametrize(
    ("severities", "code"),
    [
        ((), 0),
        ((Severity.OK, Severity.WARNING), 0),
        ((Severity.OK, Severity.TRANSIENT), 3),
        ((Severity.TRANSIENT, Severity.INVALID), 2),
    ],
)
def test_exit_codes_follow_the_readme(severities: tuple[Severity, ...], code: int) -> None:
    assert exit_code([Finding("x", s, "m") for s in severities]) == code


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (-400, -1, Severity.INVALID),  # expired
        (1, 400, Severity.INVALID),  # not yet valid
        (-300, 10, Severity.WARNING),  # expires within 30 days
        (-1, 400, Severity.OK),
    ],
)
def test_certificate_expiry(before: int, after: int, expected: Severity) -> None:
    found = certificate_findings(info(before, after), NOW, subject="s.p12", signing_allowed=True)
    assert by_check(found)["certificate.expiry"] is expected


def test_certificate_key_usage() -> None:
    refused = certificate_findings(
        info(-1, 400, ("key_encipherment",)), NOW, subject="s", signing_allowed=False
    )
    assert by_check(refused)["certificate.key_usage"] is Severity.INVALID
    assert "key_encipherment" in next(f.message for f in refused if f.check.endswith("usage"))


def test_clock_against_the_platform() -> None:
    assert clock_finding(NOW, NOW + dt.timedelta(seconds=30), platform="p").severity is Severity.OK
    late = clock_finding(NOW, NOW - dt.timedelta(minutes=3), platform="p")
    assert late.severity is Severity.INVALID and "+180 s" in late.message
    assert clock_finding(NOW, None, platform="p").severity is Severity.WARNING


def test_nomenclature_age() -> None:
    assert (
        nomenclature_finding("212801344", None, NOW, max_age_days=365).severity is Severity.WARNING
    )
    fresh = nomenclature_finding("212801344", NOW - dt.timedelta(days=10), NOW, max_age_days=365)
    assert fresh.severity is Severity.OK
    old = nomenclature_finding("212801344", NOW - dt.timedelta(days=400), NOW, max_age_days=365)
    assert old.severity is Severity.WARNING and old.fix.endswith("--siren 212801344")


def test_working_days_without_an_ar() -> None:
    eure_et_loir, moselle = Departement.parse("028"), Departement.parse("057")
    friday = dt.date(2026, 12, 18)
    assert working_days_since(friday, dt.date(2026, 12, 21), eure_et_loir) == 1  # the weekend
    assert not ar_overdue(friday, dt.date(2026, 12, 21), eure_et_loir)
    assert ar_overdue(friday, dt.date(2026, 12, 22), eure_et_loir)
    # 2025: 25 December (Thursday) is a holiday everywhere, 26 December (Friday) is one in
    # Alsace-Moselle only
    christmas_eve = dt.date(2025, 12, 24)
    monday = dt.date(2025, 12, 29)
    assert working_days_since(christmas_eve, monday, eure_et_loir) == 2
    assert working_days_since(christmas_eve, monday, moselle) == 1
    assert ar_overdue(christmas_eve, monday, eure_et_loir)
    assert not ar_overdue(christmas_eve, monday, moselle)
