"""The registry of collectivités, their platform accounts and the API tokens:
``actes collectivites import|list|platform-account|platform-accounts`` and
``actes token issue|list|revoke``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from workflow.adapters.wiring import build_store
from workflow.collectivite import load_registry
from workflow.i18n import _
from workflow.interfaces.cli.app import cli, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for, store_settings
from workflow.platform import PlatformAccount
from workflow.tokens import issue_token


@cli.group("collectivites")
def collectivites_group() -> None:
    """The collectivités the service sends for."""


@collectivites_group.command("import")
@click.argument("registry", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
def collectivites_import_command(registry: Path, data_dir: Path) -> None:
    """Add or update the collectivités of a TOML registry (see workflow/collectivite.py)."""
    store = build_store(settings_for(data_dir))
    for collectivite in load_registry(registry).collectivites:
        store.add_collectivite(collectivite)
        click.echo(f"{collectivite.siren} {collectivite.name}")


@collectivites_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def collectivites_list_command(as_json: bool, data_dir: Path) -> None:
    collectivites = build_store(store_settings(data_dir)).list_collectivites()
    if as_json:
        emit_json(
            {
                "collectivites": [
                    {"siren": c.siren.value, "name": c.name, "departement": c.departement.value}
                    for c in collectivites
                ]
            }
        )
        return
    if not collectivites:
        click.echo(_("no collectivité registered yet (actes collectivites import FILE)"))
    for c in collectivites:
        click.echo(f"{c.siren} {c.departement} {c.name}")


@collectivites_group.command("platform-account")
@click.argument("siren")
@click.option(
    "--cert",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The account's client certificate (PEM).",
)
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Its private key (PEM).",
)
@click.option("--login", help="HTTP Basic login, when several accounts share the certificate.")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The file holding that login's password.",
)
@click.option("--remove", is_flag=True, help="Unbind the collectivité's account.")
@data_dir_option
def collectivites_platform_account_command(
    siren: str,
    cert: Path | None,
    key: Path | None,
    login: str | None,
    password_file: Path | None,
    remove: bool,
    data_dir: Path,
) -> None:
    """Bind SIREN to its own platform account (the platform's URL and CA are
    ACTES_PLATFORM_URL and ACTES_PLATFORM_CA). Its acts are then sent, followed and answered
    with this account only; the paths are kept, never the secrets."""
    from workflow.errors import InvalidInput

    store = build_store(settings_for(data_dir))
    if remove:
        removed = store.unbind_platform_account(siren)
        click.echo(f"{siren}: platform account {'removed' if removed else 'was not bound'}")
        return
    if cert is None and login is None:
        raise InvalidInput(
            "an account is a certificate (--cert and --key), a login (--login and "
            "--password-file), or both",
            field="cert",
        )
    if (cert is None) != (key is None):
        raise InvalidInput("--cert and --key go together", field="key")
    if (login is None) != (password_file is None):
        raise InvalidInput("--login needs --password-file (and back)", field="password_file")
    account = PlatformAccount(
        siren,
        cert.resolve() if cert else None,
        key.resolve() if key else None,
        login,
        password_file.resolve() if password_file else None,
    )
    store.bind_platform_account(account, at=dt.datetime.now(dt.UTC))
    click.echo(f"{siren}: platform account bound ({_describe(account)})")


@collectivites_group.command("platform-accounts")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def collectivites_platform_accounts_command(as_json: bool, data_dir: Path) -> None:
    """The platform account bound to each collectivité."""
    accounts = build_store(store_settings(data_dir)).platform_accounts()
    if as_json:
        emit_json(
            {
                "accounts": [
                    {
                        "siren": a.siren,
                        "cert": str(a.cert) if a.cert else None,
                        "key": str(a.key) if a.key else None,
                        "login": a.login,
                        "password_file": str(a.password_file) if a.password_file else None,
                    }
                    for a in accounts
                ]
            }
        )
        return
    if not accounts:
        click.echo(_("no platform account bound (actes collectivites platform-account SIREN)"))
    for a in accounts:
        click.echo(f"{a.siren} {_describe(a)}")


def _describe(account: PlatformAccount) -> str:
    parts = [f"certificate {account.cert}"] if account.cert else []
    parts += [f"login {account.login}"] if account.login else []
    return ", ".join(parts)


# --------------------------------------------------------------------------- API tokens


@cli.group("token")
def token_group() -> None:
    """API tokens for the deliberation software (one per caller, for its collectivités)."""


@token_group.command("issue")
@click.option("--name", required=True, help="Who uses it, e.g. 'web-delib Dreux'.")
@click.option(
    "--siren",
    "sirens",
    multiple=True,
    required=True,
    help="A collectivité it submits for (repeatable).",
)
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def token_issue_command(name: str, sirens: tuple[str, ...], as_json: bool, data_dir: Path) -> None:
    """Print a new token once (only its hash is kept)."""
    token_id, token = issue_token(
        build_store(settings_for(data_dir)), name, list(sirens), at=dt.datetime.now(dt.UTC)
    )
    if as_json:
        emit_json({"id": token_id, "name": name, "sirens": sorted(set(sirens)), "token": token})
    else:
        click.echo(token)
        click.echo(
            f"token {token_id} for {', '.join(sorted(set(sirens)))}: shown once, keep it secret",
            err=True,
        )


@token_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def token_list_command(as_json: bool, data_dir: Path) -> None:
    tokens = build_store(store_settings(data_dir)).list_tokens()
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "sirens": sorted(t.sirens),
            "created_at": t.created_at.isoformat(),
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens
    ]
    if as_json:
        emit_json({"tokens": rows})
        return
    if not tokens:
        click.echo(_("no API token issued yet (actes token issue)"))
    for t in tokens:
        status = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.id:>4} {t.name:<30} {','.join(sorted(t.sirens)):<30} {status}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@data_dir_option
def token_revoke_command(token_id: int, data_dir: Path) -> None:
    record = build_store(store_settings(data_dir)).revoke_token(
        token_id, at=dt.datetime.now(dt.UTC)
    )
    click.echo(f"token {record.id} ({record.name}) revoked")


# --------------------------------------------------------------------------- the REST API
