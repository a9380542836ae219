"""The registry of collectivités and the API tokens: ``actes collectivites import|list`` and
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
