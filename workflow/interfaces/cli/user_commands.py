"""``actes user add|list|disable``: the people who log in to the clerks' pages; and the options
the pages are served with (session key, cookie flags) for ``actes serve``."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import click

from workflow.adapters.wiring import build_store, build_users
from workflow.errors import InvalidInput
from workflow.interfaces.cli.app import cli, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for
from workflow.interfaces.web.security import WebOptions
from workflow.settings import Settings
from workflow.users import MIN_PASSWORD, Role, create_user


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def session_secret(settings: Settings) -> str:
    """The key signing session cookies: ACTES_WEB_SECRET_FILE, else a key created once in
    the data directory (readable by its owner only)."""
    path = settings.web_secret_file or settings.data_dir / "web-session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 32:
        raise InvalidInput(
            f"the session key in {path} is too short", field="web_secret_file", rule="32+ chars"
        )
    return secret


def web_options(settings: Settings) -> WebOptions:
    return WebOptions(
        users_factory=lambda: build_users(settings),
        secret_key=session_secret(settings),
        secure_cookies=settings.web_secure_cookies,
    )


@cli.group("user")
def user_group() -> None:
    """People who log in to the clerks' pages (role and collectivités)."""


@user_group.command("add")
@click.option("--login", required=True)
@click.option("--name", required=True, help="The person's name, as shown on the pages.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="agent: sees and acts; juriste: sees, records publicity, answers; admin: users, tokens.",
)
@click.option(
    "--siren", "sirens", multiple=True, required=True, help="A collectivité (repeatable)."
)
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help=f"Read the password ({MIN_PASSWORD}+ characters) from this file instead of asking.",
)
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def user_add_command(
    login: str,
    name: str,
    role: str,
    sirens: tuple[str, ...],
    password_file: Path | None,
    as_json: bool,
    data_dir: Path,
) -> None:
    """Add a user (only an argon2 hash of the password is kept)."""
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    settings = settings_for(data_dir)
    user = create_user(
        build_users(settings),
        build_store(settings),
        login=login,
        name=name,
        role=role,
        sirens=list(sirens),
        password=password,
        at=_now(),
    )
    if as_json:
        emit_json(user.as_dict())
    else:
        click.echo(f"user {user.login} ({user.role.value}) for {', '.join(sorted(user.sirens))}")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def user_list_command(as_json: bool, data_dir: Path) -> None:
    users = build_users(settings_for(data_dir)).list_users()
    if as_json:
        emit_json({"users": [u.as_dict() for u in users]})
        return
    for u in users:
        status = f"disabled {u.disabled_at:%Y-%m-%d}" if u.disabled_at else "active"
        click.echo(
            f"{u.login:<20} {u.role.value:<8} {','.join(sorted(u.sirens)):<30} {status}  {u.name}"
        )


@user_group.command("disable")
@click.argument("login")
@data_dir_option
def user_disable_command(login: str, data_dir: Path) -> None:
    """Disable a user: they can no longer log in (the record stays)."""
    user = build_users(settings_for(data_dir)).disable_user(login.strip().lower(), at=_now())
    click.echo(f"user {user.login} disabled")
