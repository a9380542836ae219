"""Can this instance reach the transmission platform: ``test-connexion`` answers OK with a
client certificate of ours (``/ready``, ``actes doctor``).

The certificate is the global account's (``ACTES_PLATFORM_CERT``/``KEY``) or, on an instance
whose collectivités each have their own account and that has no global one, the first bound
account's (``actes collectivites platform-account``): such an instance is configured, not
missing its certificate. Each bound account is checked on its own by ``actes doctor``
(``platform.account``, ``platform.identity``) and by every poll."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from workflow.adapters.health import PROBE_TIMEOUT, Now, safe_url
from workflow.adapters.pki import read_passphrase_file
from workflow.adapters.wiring import global_account
from workflow.ops.findings import Finding, Severity, clock_finding, ok
from workflow.platform import PlatformAccount
from workflow.settings import Settings


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class _Identity:
    """The client certificate (and HTTP Basic login) the probe presents, and whose it is."""

    cert: tuple[str, str] | str | None
    auth: tuple[str, str] | None
    whose: str  # what to fix, in the operator's words


def probe_platform(
    settings: Settings,
    now: Now = _utc_now,
    *,
    clock: bool = False,
    accounts: Sequence[PlatformAccount] = (),
) -> list[Finding]:
    """``test-connexion`` answers OK with our client certificate (the global account's, or
    without one a bound account's of ``accounts``); with ``clock``, our clock against the
    ``Date`` header of that reply."""
    if not settings.platform_url:
        return [
            Finding(
                "platform.reachable",
                Severity.WARNING,
                "no transmission platform is configured: nothing is sent",
                "set ACTES_PLATFORM_URL (and ACTES_PLATFORM_CA/CERT/KEY for mutual TLS)",
            )
        ]
    where = safe_url(settings.platform_url)
    bound = None if settings.platform_cert else _presentable(accounts)
    problems = _tls_problems(settings, where, bound)
    if problems:
        return problems
    identity = (
        _identity(global_account(settings), "ACTES_PLATFORM_CERT/KEY (and LOGIN, if shared)")
        if bound is None
        else _identity(
            bound, f"the platform account of {bound.siren} (actes collectivites platform-account)"
        )
    )
    try:
        response = requests.get(
            settings.platform_url.rstrip("/") + "/api/test-connexion.php",
            params={"api": "1"},
            timeout=PROBE_TIMEOUT,
            verify=str(settings.platform_ca) if settings.platform_ca else True,
            cert=identity.cert,
            auth=identity.auth,
        )
    except (requests.exceptions.SSLError, OSError) as exc:
        # a server certificate our CA does not vouch for is a configuration error
        severity = (
            Severity.INVALID
            if isinstance(exc, requests.exceptions.SSLError)
            else Severity.TRANSIENT
        )
        return [
            Finding(
                "platform.reachable",
                severity,
                f"cannot reach the platform {where} ({type(exc).__name__})",
                f"check ACTES_PLATFORM_URL, the network, ACTES_PLATFORM_CA and {identity.whose} "
                "(the CA that signed the platform's server certificate, our client certificate)",
                where,
            )
        ]
    received = now()
    found = [_test_connexion_finding(response, where, identity.whose)]
    if clock:
        found.append(clock_finding(received, _http_date(response), platform=where))
    return found


def _presentable(accounts: Sequence[PlatformAccount]) -> PlatformAccount | None:
    """A bound account with a certificate, one whose files are readable first: one broken
    account does not make the whole instance unready (``actes doctor`` names it)."""
    with_cert = [a for a in accounts if a.cert is not None]
    usable = [
        a
        for a in with_cert
        if all(path is None or path.is_file() for path in (a.cert, a.key, a.password_file))
    ]
    chosen = usable or with_cert
    return chosen[0] if chosen else None


def _identity(account: PlatformAccount, whose: str) -> _Identity:
    """What ``account`` presents: its certificate (with its key), and its HTTP Basic login
    when accounts share the certificate (the password file was checked readable)."""
    cert: tuple[str, str] | str | None = None
    if account.cert:
        cert = (str(account.cert), str(account.key)) if account.key else str(account.cert)
    auth = None
    if account.login and account.password_file:
        auth = account.login, read_passphrase_file(account.password_file)
    return _Identity(cert, auth, whose)


def _tls_problems(settings: Settings, where: str, bound: PlatformAccount | None) -> list[Finding]:
    """The TLS files exist, and a client certificate is set: S²LOW identifies the account by
    it and refuses a connection without one (PROTOCOL.md §6.6, "Authentication")."""
    found = []
    password = settings.platform_password_file if settings.platform_login else None
    files = [
        ("ACTES_PLATFORM_CA", settings.platform_ca),
        ("ACTES_PLATFORM_CERT", settings.platform_cert),
        ("ACTES_PLATFORM_KEY", settings.platform_key),
        ("ACTES_PLATFORM_PASSWORD_FILE", password),
    ]
    if bound is not None:  # the account the probe presents
        label = f"the platform account of {bound.siren}:"
        files += [
            (f"{label} --cert", bound.cert),
            (f"{label} --key", bound.key),
            (f"{label} --password-file", bound.password_file if bound.login else None),
        ]
    for name, path in files:
        if path is not None and not path.is_file():
            found.append(
                Finding(
                    "platform.tls_files",
                    Severity.INVALID,
                    f"{name} names {path.name}, which is not a readable file",
                    f"check {name}'s path and permissions",
                    where,
                )
            )
    https = bool(settings.platform_url and settings.platform_url.startswith("https"))
    if https and not settings.platform_cert and bound is None:
        found.append(
            Finding(
                "platform.client_certificate",
                Severity.INVALID,
                "no client certificate: the platform identifies the account by it and "
                "closes connections without one",
                "set ACTES_PLATFORM_CERT and ACTES_PLATFORM_KEY to the certificate the "
                "platform registered for this account, or bind each collectivité to its own "
                "(actes collectivites platform-account)",
                where,
            )
        )
    return found


def _test_connexion_finding(response: requests.Response, where: str, whose: str) -> Finding:
    if response.status_code >= 500:
        return Finding(
            "platform.reachable",
            Severity.TRANSIENT,
            f"the platform answered HTTP {response.status_code}",
            "the platform is down or overloaded: try again later",
            where,
        )
    if response.status_code >= 400 or not response.content.strip().startswith(b"OK"):
        return Finding(
            "platform.reachable",
            Severity.INVALID,
            f"the platform refused test-connexion (HTTP {response.status_code})",
            f"check that the client certificate ({whose}) is the one the platform registered "
            "for this account",
            where,
        )
    return ok("platform.reachable", "test-connexion answered OK", subject=where)


def _http_date(response: requests.Response) -> dt.datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
