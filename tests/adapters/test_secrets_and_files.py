"""Secrets from files (the compose file's *_FILE settings) and durable document writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from workflow.adapters.notifiers import SmtpNotifier
from workflow.adapters.store.files import write_durably
from workflow.adapters.wiring import build_notifiers
from workflow.alerts import Digest
from workflow.interfaces.cli.supervisor import free_port
from workflow.settings import Settings


def test_database_password_comes_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("p@ss:w/rd\n")
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://actes@postgres:5432/actes",
        database_password_file=secret,
    )
    assert settings.database == "postgresql+psycopg://actes:p%40ss%3Aw%2Frd@postgres:5432/actes"
    bare = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://a@h/db")
    assert bare.database == "postgresql+psycopg://a@h/db"


def test_an_empty_variable_means_not_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACTES_SMTP_HOST", "")
    monkeypatch.setenv("ACTES_PLATFORM_CA", "")
    settings = Settings(data_dir=tmp_path)
    assert settings.smtp_host is None and settings.platform_ca is None


class _Accounts:
    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []
        self.messages: list[bytes] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"smtp-S3cret")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[int, _Accounts]]:
    accounts = _Accounts()
    port = free_port()
    controller = Controller(
        accounts,
        hostname="127.0.0.1",
        port=port,
        authenticator=accounts,
        auth_require_tls=False,
    )
    controller.start()
    yield port, accounts
    controller.stop()


def test_smtp_logs_in_with_the_password_from_its_file(
    relay: tuple[int, _Accounts], tmp_path: Path
) -> None:
    port, accounts = relay
    (tmp_path / "smtp_password").write_text("smtp-S3cret\n")
    settings = Settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_user="actes",
        smtp_password_file=tmp_path / "smtp_password",
    )
    (notifier,) = build_notifiers(settings)
    assert isinstance(notifier, SmtpNotifier)
    digest = Digest("212801344", "Dreux", ("greffe@dreux.fr",), dt.date(2026, 1, 5), ())
    notifier.send(digest)
    assert accounts.logins == [(b"actes", b"smtp-S3cret")]
    assert len(accounts.messages) == 1


class _Breaks(io.RawIOBase):
    """A source that fails after its first megabyte (a disk error, a killed upload)."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.sent >= 1 << 20:
            raise OSError("read error")
        buffer[: len(buffer)] = b"x" * len(buffer)
        self.sent += len(buffer)
        return len(buffer)


def test_a_document_is_whole_or_absent(tmp_path: Path) -> None:
    target = tmp_path / "ab" / "abcdef"
    with pytest.raises(OSError, match="read error"):
        write_durably(io.BufferedReader(_Breaks()), target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary file left behind
    sha, size = write_durably(io.BytesIO(b"whole"), target)
    assert target.read_bytes() == b"whole"
    assert (sha, size) == (hashlib.sha256(b"whole").hexdigest(), 5)


def test_an_empty_metrics_token_is_refused(tmp_path: Path) -> None:
    from workflow.errors import ConfigurationError
    from workflow.interfaces.cli.serve_commands import _metrics_token

    (tmp_path / "token").write_text("")
    with pytest.raises(ConfigurationError, match="empty"):
        _metrics_token(tmp_path / "token")
    (tmp_path / "token").write_text("s3cret\n")
    token = _metrics_token(tmp_path / "token")
    assert token is not None and token.reveal() == b"s3cret"
    assert _metrics_token(None) is None
