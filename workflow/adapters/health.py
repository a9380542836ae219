"""Probes: read the world (the store, the certificate, the platform, the alert channels) and
turn what they find into :class:`~workflow.ops.findings.Finding` values.

Used by ``/ready`` (store, certificate, platform) and ``actes doctor`` (everything). Each probe
is bounded in time and catches its foreign errors here, at the boundary; no message carries a
secret (URLs lose their user information, passphrases are never echoed). The broker is probed
on the Celery side (:mod:`workers.health`).
"""

from __future__ import annotations

import datetime as dt
import functools
import smtplib
import socket
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from workflow.adapters.pki import read_passphrase_file
from workflow.adapters.software_signer import certificate_info
from workflow.adapters.store.engine import MIGRATIONS, make_engine
from workflow.adapters.store.models import CollectiviteRow, NomenclatureRow
from workflow.ops.findings import (
    Finding,
    Severity,
    certificate_findings,
    nomenclature_finding,
    ok,
)
from workflow.settings import Settings

PROBE_TIMEOUT = 5.0
Now = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def safe_url(url: str) -> str:
    """The URL without its user information (a password must never reach a message)."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None:
        return f"{parts.scheme}://…" if parts.password else url
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


@functools.cache
def migration_head() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


# --------------------------------------------------------------------------- the store


def probe_store(url: str) -> list[Finding]:
    """Reachable, and migrated to the head revision this code expects."""
    where = safe_url(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        cause = type(getattr(exc, "orig", None) or exc).__name__
        if url.startswith("sqlite"):  # a file that cannot be opened: no server to wait for
            return [
                Finding(
                    "store.reachable",
                    Severity.INVALID,
                    f"cannot open the store {where} ({cause})",
                    "check that the data directory (ACTES_DATA_DIR or --data-dir) exists and "
                    "the service may write there, then run `actes migrate`",
                    where,
                )
            ]
        return [
            Finding(
                "store.reachable",
                Severity.TRANSIENT,
                f"cannot reach the store {where} ({cause})",
                "check ACTES_DATABASE_URL (or ACTES_DATABASE_PASSWORD_FILE) and that the "
                "database server runs and accepts this host",
                where,
            )
        ]
    finally:
        engine.dispose()
    head = migration_head()
    found = [ok("store.reachable", "the store answers", subject=where)]
    if current != head:
        found.append(
            Finding(
                "store.migrated",
                Severity.INVALID,
                f"the store is at revision {current or 'none (empty)'}, this version needs {head}",
                "run `actes migrate` (the compose `migrate` service) before the other processes",
                where,
            )
        )
    else:
        found.append(ok("store.migrated", f"at revision {head}", subject=where))
    return found


def probe_nomenclatures(engine: Engine, now: dt.datetime, *, max_age_days: int) -> list[Finding]:
    """Each collectivité's classification (7-2): present and recent."""
    with engine.connect() as connection:
        sirens = list(connection.scalars(select(CollectiviteRow.siren)))
        recorded = dict(
            connection.execute(select(NomenclatureRow.siren, NomenclatureRow.recorded_at)).all()
        )
    found = []
    for siren in sorted(sirens):
        at = recorded.get(siren)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)  # SQLite keeps naive UTC
        found.append(nomenclature_finding(siren, at, now, max_age_days=max_age_days))
    return found


# --------------------------------------------------------------------------- the certificate


def probe_signer(settings: Settings, now: dt.datetime) -> list[Finding]:
    """The signing PKCS#12: readable with its passphrase, valid now, allowed to sign."""
    if settings.signer_pkcs12 is None:
        return [
            Finding(
                "certificate.readable",
                Severity.WARNING,
                "no signing certificate is configured: acts are sent unsigned",
                "set ACTES_SIGNER_PKCS12 and ACTES_SIGNER_PASSPHRASE_FILE if the préfecture "
                "expects signed acts",
            )
        ]
    name = settings.signer_pkcs12.name
    try:
        passphrase = (
            read_passphrase_file(settings.signer_passphrase_file).encode("utf-8")
            if settings.signer_passphrase_file
            else None
        )
        data = settings.signer_pkcs12.read_bytes()
    except OSError as exc:
        return [
            Finding(
                "certificate.readable",
                Severity.INVALID,
                f"cannot read {exc.filename}: {exc.strerror}",
                "check the path and that the service's user may read it (mode 0400/0440)",
                name,
            )
        ]
    try:
        bundle = pkcs12.load_pkcs12(data, passphrase)
    except (ValueError, TypeError):
        return [
            Finding(
                "certificate.readable",
                Severity.INVALID,
                "the PKCS#12 does not open: wrong passphrase, or not a PKCS#12 file",
                "check ACTES_SIGNER_PASSPHRASE_FILE holds the passphrase on its first line",
                name,
            )
        ]
    if bundle.cert is None or bundle.key is None:
        return [
            Finding(
                "certificate.readable",
                Severity.INVALID,
                "the PKCS#12 holds no key and certificate pair",
                "export the PKCS#12 again with its private key",
                name,
            )
        ]
    certificate = bundle.cert.certificate
    readable = ok("certificate.readable", "the PKCS#12 opens", subject=name)
    return [
        readable,
        *certificate_findings(
            certificate_info(certificate),
            now,
            subject=name,
            signing_allowed=signing_allowed(certificate),
        ),
    ]


def signing_allowed(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no restriction stated (RFC 5280 §4.2.1.3)
    return bool(usage.digital_signature or usage.content_commitment)


def signer_days_left(settings: Settings, now: dt.datetime) -> float | None:
    """Days until the signing certificate expires (``None`` when none can be read)."""
    if settings.signer_pkcs12 is None:
        return None
    try:
        passphrase = (
            read_passphrase_file(settings.signer_passphrase_file).encode("utf-8")
            if settings.signer_passphrase_file
            else None
        )
        bundle = pkcs12.load_pkcs12(settings.signer_pkcs12.read_bytes(), passphrase)
    except (OSError, ValueError, TypeError):
        return None
    if bundle.cert is None:
        return None
    after = bundle.cert.certificate.not_valid_after_utc
    return (after - now).total_seconds() / 86400


# --------------------------------------------------------------------------- alert channels


def probe_alert_channels(settings: Settings) -> list[Finding]:
    """SMTP answers NOOP; the webhook's key is readable and its host reachable."""
    found: list[Finding] = []
    if not settings.smtp_host and not settings.webhook_url:
        found.append(
            Finding(
                "alerts.configured",
                Severity.WARNING,
                "no alert channel: deadlines and stuck acts are reported to nobody",
                "set ACTES_SMTP_HOST (e-mail) and/or ACTES_WEBHOOK_URL + ACTES_WEBHOOK_SECRET_FILE",
            )
        )
    if settings.smtp_host:
        found.append(_probe_smtp(settings.smtp_host, settings.smtp_port))
    if settings.webhook_url:
        found.extend(_probe_webhook(settings.webhook_url, settings.webhook_secret_file))
    return found


def _probe_smtp(host: str, port: int) -> Finding:
    where = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=PROBE_TIMEOUT) as smtp:
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return Finding(
            "alerts.smtp",
            Severity.TRANSIENT,
            f"the SMTP server {where} does not answer ({type(exc).__name__})",
            "check ACTES_SMTP_HOST / ACTES_SMTP_PORT and that the relay accepts this host",
            where,
        )
    if code != 250:
        return Finding(
            "alerts.smtp",
            Severity.INVALID,
            f"the SMTP server {where} answered {code} to NOOP",
            "check the relay's configuration",
            where,
        )
    return ok("alerts.smtp", "the SMTP server answers", subject=where)


def _probe_webhook(url: str, secret_file: Path | None) -> list[Finding]:
    where = safe_url(url)
    found: list[Finding] = []
    if secret_file is None:
        found.append(
            Finding(
                "alerts.webhook_key",
                Severity.INVALID,
                "ACTES_WEBHOOK_URL is set without ACTES_WEBHOOK_SECRET_FILE (webhooks are signed)",
                "write the HMAC key to a file the service may read; set ACTES_WEBHOOK_SECRET_FILE",
                where,
            )
        )
    else:
        try:
            key = read_passphrase_file(secret_file)
        except OSError as exc:
            key = None
            found.append(
                Finding(
                    "alerts.webhook_key",
                    Severity.INVALID,
                    f"cannot read {secret_file.name}: {exc.strerror}",
                    "check ACTES_WEBHOOK_SECRET_FILE's path and permissions",
                    where,
                )
            )
        if key == "":
            found.append(
                Finding(
                    "alerts.webhook_key",
                    Severity.INVALID,
                    f"{secret_file.name} is empty: the webhook would be signed with no key",
                    "write the HMAC key on the file's first line",
                    where,
                )
            )
        elif key is not None:
            found.append(ok("alerts.webhook_key", "the HMAC key is readable", subject=where))
    found.append(_probe_tcp(url, where))
    return found


def _probe_tcp(url: str, where: str) -> Finding:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=PROBE_TIMEOUT):
            pass
    except OSError as exc:
        return Finding(
            "alerts.webhook",
            Severity.TRANSIENT,
            f"cannot connect to the webhook {where} ({type(exc).__name__})",
            "check ACTES_WEBHOOK_URL and that the receiver runs",
            where,
        )
    return ok("alerts.webhook", "the webhook's host accepts connections", subject=where)
