"""One typed settings object, built at each entry point (CLI, worker, beat) from the
environment (``ACTES_*``) and passed down. Secrets are never held here in clear: the signing
passphrase is read from a file when the signer is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflow.numbering import NumberProfile


class Settings(BaseSettings):
    # an empty variable (``ACTES_SMTP_HOST=`` in .env) means "not set", as in docker-compose.yml
    model_config = SettingsConfigDict(
        env_prefix="ACTES_", extra="forbid", frozen=True, env_ignore_empty=True
    )

    data_dir: Path = Path("actes-data")
    database_url: str | None = Field(default=None, description="default: SQLite in data_dir")
    database_password_file: Path | None = Field(
        default=None, description="the database password, put into database_url when read"
    )
    broker_url: str | None = Field(
        default=None, description="default: SQLite transport in data_dir"
    )
    platform_url: str | None = None
    platform_ca: Path | None = None
    platform_cert: Path | None = None
    platform_key: Path | None = None
    platform_mode: Literal["archive", "form"] = "form"  # archive: pre-6.0 S²LOW only
    #: HTTP Basic login, when several platform accounts share the client certificate
    platform_login: str | None = None
    platform_password_file: Path | None = None
    #: the collectivité the account above belongs to; each other collectivité's account is
    #: bound in the store (``actes collectivite platform-account``). Unset: the account serves
    #: an instance of one collectivité, and nobody once any account is bound.
    platform_siren: str | None = Field(default=None, pattern=r"^\d{9}$")
    signer_pkcs12: Path | None = None
    signer_passphrase_file: Path | None = None
    trigramme: str = "SLO"
    profile: NumberProfile = NumberProfile.S2LOW
    poll_seconds: float = 60.0
    sweep_seconds: float = 300.0
    stuck_after_seconds: float = 3600.0
    max_submit_retries: int = 8
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "actes-workflow@localhost"
    smtp_user: str | None = None
    smtp_password_file: Path | None = None
    webhook_url: str | None = None
    webhook_secret_file: Path | None = None
    alert_horizons: str = "15,7,2"
    #: the operators' addresses (comma-separated): faults of the service itself go there only
    operator_emails: str = ""
    #: an operational alert still open is sent to the operators again after this long
    operator_renotify_seconds: float = 86400.0
    alert_seconds: float = 3600.0
    nomenclature_max_age_days: int = 365
    metrics_token_file: Path | None = None  # /metrics asks for this bearer token when set
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    #: the clerks' pages: session cookies marked Secure (set false only for local http)
    web_secure_cookies: bool = True
    #: the key signing the session cookies (default: created once in data_dir, mode 600)
    web_secret_file: Path | None = None

    @property
    def horizons(self) -> tuple[int, ...]:
        return tuple(
            sorted({int(h) for h in self.alert_horizons.split(",") if h.strip()}, reverse=True)
        )

    @property
    def operators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.strip() for e in self.operator_emails.split(",") if e.strip()))

    @property
    def database(self) -> str:
        if not self.database_url:
            return f"sqlite:///{(self.data_dir / 'actes.sqlite3').resolve()}"
        if self.database_password_file is None:
            return self.database_url
        return with_password(self.database_url, _first_line(self.database_password_file))

    @property
    def broker(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{(self.data_dir / 'broker.sqlite3').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"


def _first_line(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.splitlines()[0] if text else ""


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` set (a secret from a ``*_FILE``, never in the environment)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=password).render_as_string(hide_password=False)
