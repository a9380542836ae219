"""Build the services from the settings: the one place where adapters meet the core."""

from __future__ import annotations

import functools
import threading

from workflow.adapters.cms_verify import CmsVerifier, load_trust_dir
from workflow.adapters.notifiers import SmtpNotifier, WebhookNotifier
from workflow.adapters.pki import read_passphrase_file
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.software_signer import load_signer
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.store.users import SqlUsers
from workflow.alerts import Notifier
from workflow.errors import ConfigurationError
from workflow.intake.service import Intake
from workflow.platform import PlatformAccount, PlatformConfig, SubmitMode
from workflow.settings import Settings
from workflow.signing import Secret
from workflow.usecases import Services

_MIGRATION_LOCK = threading.Lock()


@functools.cache
def _migrated(url: str) -> bool:
    with _MIGRATION_LOCK:  # Alembic's context is global: one migration at a time per process
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
        finally:
            engine.dispose()
    return True


def build_store(settings: Settings) -> SqlStore:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _migrated(settings.database)
    return SqlStore(make_engine(settings.database), settings.files_dir)


def build_users(settings: Settings) -> SqlUsers:
    """The users of the clerks' pages (same database as the store)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _migrated(settings.database)
    return SqlUsers(make_engine(settings.database))


def global_account(settings: Settings) -> PlatformAccount:
    """The global account (ACTES_PLATFORM_CERT/KEY/LOGIN/PASSWORD_FILE, ACTES_PLATFORM_SIREN)."""
    return PlatformAccount(
        siren=settings.platform_siren or "",
        cert=settings.platform_cert,
        key=settings.platform_key,
        login=settings.platform_login,
        password_file=settings.platform_password_file,
    )


def build_platform(settings: Settings) -> HttpPlatform | None:
    """The global account's client (ACTES_PLATFORM_*)."""
    if not settings.platform_url:
        return None
    return build_account_platform(settings, global_account(settings))


def build_account_platform(settings: Settings, account: PlatformAccount) -> HttpPlatform:
    """One account's client: its certificate, key and login; the platform's URL, CA and mode."""
    if not settings.platform_url:
        raise ConfigurationError(
            "no transmission platform is configured (ACTES_PLATFORM_URL)", field="platform_url"
        )
    password = None
    if account.login:
        if account.password_file is None:
            raise ConfigurationError(
                "ACTES_PLATFORM_LOGIN needs ACTES_PLATFORM_PASSWORD_FILE",
                field="platform_password_file",
                rule="a login comes with its password (HTTP Basic, shared certificate)",
            )
        try:
            password = Secret(read_passphrase_file(account.password_file))
        except OSError as error:
            whose = f" of the account of {account.siren}" if account.siren else ""
            raise ConfigurationError(
                f"cannot read the platform password file{whose} "
                f"({account.password_file.name}: {error.strerror})",
                field="platform_password_file",
                rule="a readable password file",
            ) from None
    return HttpPlatform(
        PlatformConfig(
            base_url=settings.platform_url,
            mode=SubmitMode(settings.platform_mode),
            ca_file=settings.platform_ca,
            client_cert=account.cert,
            client_key=account.key,
            login=account.login,
            password=password,
        )
    )


def build_smtp(settings: Settings, host: str) -> SmtpNotifier:
    login = None
    if settings.smtp_user and settings.smtp_password_file:
        login = (settings.smtp_user, Secret(read_passphrase_file(settings.smtp_password_file)))
    return SmtpNotifier(host, settings.smtp_port, settings.smtp_sender, login=login)


def build_notifiers(settings: Settings) -> list[Notifier]:
    notifiers: list[Notifier] = []
    if settings.smtp_host:
        notifiers.append(build_smtp(settings, settings.smtp_host))
    if settings.webhook_url:
        if settings.webhook_secret_file is None:
            raise ConfigurationError(
                "ACTES_WEBHOOK_URL needs ACTES_WEBHOOK_SECRET_FILE (the HMAC key)",
                field="webhook_secret_file",
                rule="webhooks are signed",
            )
        secret = Secret(read_passphrase_file(settings.webhook_secret_file))
        notifiers.append(WebhookNotifier(settings.webhook_url, secret))
    return notifiers


def build_verifier(settings: Settings) -> CmsVerifier:
    """The intake's signature checks, against ACTES_SIGNATURE_TRUST_DIR when set."""
    if settings.signature_trust_dir is None:
        return CmsVerifier()
    return CmsVerifier(load_trust_dir(settings.signature_trust_dir))


def build_services(settings: Settings, *, actor: str = "service") -> Services:
    signer = None
    if settings.signer_pkcs12 is not None:
        passphrase = (
            Secret(read_passphrase_file(settings.signer_passphrase_file))
            if settings.signer_passphrase_file
            else None
        )
        signer = load_signer(settings.signer_pkcs12, passphrase)
    return Services(
        store=build_store(settings),
        outbox=settings.outbox,
        platform=build_platform(settings),
        signer=signer,
        verifier=build_verifier(settings),
        trigramme=settings.trigramme,
        profile=settings.profile,
        actor=actor,
        submit_mode=settings.platform_mode,
        platform_siren=settings.platform_siren,
        account_client=(
            functools.partial(build_account_platform, settings) if settings.platform_url else None
        ),
    )


def build_intake(settings: Settings, *, actor: str = "intake") -> Intake:
    return Intake(build_services(settings, actor=actor))
