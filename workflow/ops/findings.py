"""Findings: what a check found, how bad it is, and how an operator fixes it.

A finding is ``ok``, a ``warning`` (works today, act soon), ``invalid`` (a misconfiguration:
a person must change something; ``actes doctor`` exits 2) or ``transient`` (something is
unreachable right now; exit 3). The evaluators below are pure: the probes of
:mod:`workflow.adapters.health` read the world and hand them the facts.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.signing import CertificateInfo

#: a certificate expiring sooner than this is a warning (order the renewal)
CERTIFICATE_WARN_DAYS = 30
#: the platform's clock and ours may differ by this much before it matters (signing time,
#: the legal day of a transmission near midnight)
CLOCK_SKEW_LIMIT = dt.timedelta(seconds=60)


class Severity(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    INVALID = "invalid"
    TRANSIENT = "transient"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # dotted name: store.migrated, broker.reachable, certificate.expiry…
    severity: Severity
    message: str
    fix: str = ""
    subject: str = ""  # what was checked (a SIREN, a file name), never a secret

    @property
    def ok(self) -> bool:
        return self.severity in (Severity.OK, Severity.WARNING)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


def ok(check: str, message: str, *, subject: str = "") -> Finding:
    return Finding(check, Severity.OK, message, subject=subject)


def exit_code(findings: Iterable[Finding]) -> int:
    """0 when everything works (warnings included), 2 for a misconfiguration, else 3 when
    something is only unreachable now (the README's exit codes)."""
    severities = {f.severity for f in findings}
    if Severity.INVALID in severities:
        return 2
    if Severity.TRANSIENT in severities:
        return 3
    return 0


def certificate_findings(
    info: CertificateInfo,
    now: dt.datetime,
    *,
    subject: str,
    signing_allowed: bool,
    check: str = "certificate",
) -> list[Finding]:
    """Expiry (expired, not yet valid, expiring within 30 days) and key usage of a signing
    certificate (``signing_allowed``: no keyUsage extension, or one with digitalSignature or
    nonRepudiation)."""
    found: list[Finding] = []
    left = info.not_after - now
    if left < dt.timedelta(0):
        found.append(
            Finding(
                f"{check}.expiry",
                Severity.INVALID,
                f"the certificate {info.subject} expired on {info.not_after:%Y-%m-%d}",
                "install the renewed PKCS#12 and point ACTES_SIGNER_PKCS12 at it",
                subject,
            )
        )
    elif now < info.not_before:
        found.append(
            Finding(
                f"{check}.expiry",
                Severity.INVALID,
                f"the certificate {info.subject} is valid only from "
                f"{info.not_before:%Y-%m-%d %H:%M} UTC",
                "check the machine's clock, or wait until the certificate's start date",
                subject,
            )
        )
    elif left < dt.timedelta(days=CERTIFICATE_WARN_DAYS):
        found.append(
            Finding(
                f"{check}.expiry",
                Severity.WARNING,
                f"the certificate {info.subject} expires on {info.not_after:%Y-%m-%d} "
                f"(in {left.days} days)",
                "order its renewal from the certification authority now",
                subject,
            )
        )
    else:
        found.append(
            ok(f"{check}.expiry", f"valid until {info.not_after:%Y-%m-%d}", subject=subject)
        )
    found.append(_usage_finding(info, signing_allowed, subject=subject, check=check))
    return found


def _usage_finding(
    info: CertificateInfo, signing_allowed: bool, *, subject: str, check: str
) -> Finding:
    if not signing_allowed:
        usages = ", ".join(info.key_usage) or "none of the signing usages"
        return Finding(
            f"{check}.key_usage",
            Severity.INVALID,
            f"the certificate's key usage ({usages}) allows neither "
            "digital signature nor non-repudiation",
            "ask the certification authority for a signing certificate (RGS, signature usage)",
            subject,
        )
    return ok(f"{check}.key_usage", "allows signing", subject=subject)


def days_left(info: CertificateInfo, now: dt.datetime) -> float:
    return (info.not_after - now).total_seconds() / 86400


def nomenclature_finding(
    siren: str, recorded_at: dt.datetime | None, now: dt.datetime, *, max_age_days: int
) -> Finding:
    """A collectivité's 7-2: present, and fetched within ``max_age_days``."""
    fix = f"actes nomenclature fetch --siren {siren}"
    if recorded_at is None:
        return Finding(
            "nomenclature.fresh",
            Severity.WARNING,
            "no classification (7-2) recorded: suggestions use the national levels only",
            fix,
            siren,
        )
    age = (now - recorded_at).days
    if age > max_age_days:
        return Finding(
            "nomenclature.fresh",
            Severity.WARNING,
            f"the classification (7-2) was recorded {age} days ago (limit {max_age_days})",
            fix,
            siren,
        )
    return ok("nomenclature.fresh", f"recorded {age} days ago", subject=siren)


def clock_finding(ours: dt.datetime, theirs: dt.datetime | None, *, platform: str) -> Finding:
    """Our clock against the platform's ``Date`` header."""
    if theirs is None:
        return Finding(
            "clock.sync",
            Severity.WARNING,
            "the platform's reply has no Date header: the clock could not be compared",
            "",
            platform,
        )
    skew = ours - theirs
    if abs(skew) > CLOCK_SKEW_LIMIT:
        return Finding(
            "clock.sync",
            Severity.INVALID,
            f"this machine's clock is {skew.total_seconds():+.0f} s off the platform's",
            "synchronise the clock (systemd-timesyncd, chrony or ntpd)",
            platform,
        )
    return ok("clock.sync", f"{skew.total_seconds():+.1f} s from the platform", subject=platform)


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    return {
        "ok": exit_code(findings) == 0,
        "exit_code": exit_code(findings),
        "findings": [f.as_dict() for f in findings],
    }
