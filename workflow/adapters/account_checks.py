"""What ``actes doctor`` says about the platform accounts per collectivité: each bound account's
files readable and its certificate valid, and every collectivité with acts that no account may
carry (its acts are held back, never sent with another collectivité's account)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from sqlalchemy import Engine, select

from workflow.adapters.store.models import ActRow
from workflow.errors import NoPlatformAccount
from workflow.ops.findings import Finding, Severity, ok
from workflow.platform import PlatformAccount
from workflow.usecases.context import Context

#: an account certificate expiring within this many days is reported ahead
EXPIRY_WARNING = dt.timedelta(days=30)
#: a PEM certificate is a few kilobytes: a larger file is not one
MAX_PEM = 1 << 20


def sirens_with_acts(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(ActRow.siren).distinct()))


def probe_unbound(ctx: Context, sirens: list[str]) -> list[Finding]:
    """Each collectivité with acts must have an account that may carry them."""
    found = []
    for siren in sirens:
        try:
            ctx.platform_for(siren)
        except NoPlatformAccount:
            found.append(
                Finding(
                    "platform.account",
                    Severity.INVALID,
                    f"the collectivité {siren} has acts but no platform account: they are "
                    "not sent (another collectivité's account would file them as its own)",
                    f"bind its account: actes collectivites platform-account {siren} "
                    "--cert FILE --key FILE [--login L --password-file FILE]",
                    siren,
                )
            )
    return found


def probe_account_files(accounts: list[PlatformAccount], now: dt.datetime) -> list[Finding]:
    """Each bound account: its files readable, its certificate valid now and for a while."""
    found = []
    for account in accounts:
        problems = [
            _unreadable(account.siren, label, path)
            for label, path in (
                ("--cert", account.cert),
                ("--key", account.key),
                ("--password-file", account.password_file),
            )
            if path is not None and not path.is_file()
        ]
        if not problems and account.cert is not None:
            problems = _certificate(account.siren, account.cert, now)
        found.extend(
            problems or [ok("platform.account", "account files usable", subject=account.siren)]
        )
    return found


def _unreadable(siren: str, label: str, path: Path) -> Finding:
    return Finding(
        "platform.account",
        Severity.INVALID,
        f"the platform account of {siren}: {label} {path.name} is not a readable file",
        f"fix the path (actes collectivites platform-account {siren} {label} FILE)",
        siren,
    )


def _certificate(siren: str, path: Path, now: dt.datetime) -> list[Finding]:
    try:
        with path.open("rb") as handle:
            certificate = x509.load_pem_x509_certificate(handle.read(MAX_PEM))
    except (OSError, ValueError):
        return [
            Finding(
                "platform.account",
                Severity.INVALID,
                f"the platform account of {siren}: {path.name} is not a PEM certificate",
                f"bind the certificate the platform registered for {siren} "
                f"(actes collectivites platform-account {siren} --cert FILE --key FILE)",
                siren,
            )
        ]
    until = certificate.not_valid_after_utc
    if until < now:
        severity, what = Severity.INVALID, f"expired on {until:%Y-%m-%d}: the platform refuses it"
    elif until - now < EXPIRY_WARNING:
        severity, what = Severity.WARNING, f"expires on {until:%Y-%m-%d}"
    else:
        return []
    return [
        Finding(
            "platform.account_certificate",
            severity,
            f"the platform certificate of {siren} ({path.name}) {what}",
            f"renew it with the platform, then bind the new one "
            f"(actes collectivites platform-account {siren} --cert FILE --key FILE)",
            siren,
        )
    ]
