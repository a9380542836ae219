"""Each collectivité's classification: ``actes nomenclature import|fetch|request|show``."""

from __future__ import annotations

from pathlib import Path

import click

from workflow.adapters.wiring import build_services
from workflow.interfaces.cli.app import cli, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for


@cli.group("nomenclature")
def nomenclature_group() -> None:
    """A collectivité's classification (7-2), which classification suggestions use."""


@nomenclature_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--siren", required=True)
@data_dir_option
def nomenclature_import_command(file: Path, siren: str, data_dir: Path) -> None:
    """Keep the 7-2 RetourClassification in FILE for SIREN."""
    message = build_services(settings_for(data_dir), actor="cli").nomenclature.record(
        siren, file.read_bytes()
    )
    click.echo(
        f"{siren}: classification of {message.date_classification} ({len(message.flatten())} codes)"
    )


@nomenclature_group.command("fetch")
@click.option("--siren", required=True)
@data_dir_option
def nomenclature_fetch_command(siren: str, data_dir: Path) -> None:
    """Ask the platform (through SIREN's account) for the current classification and keep it."""
    message = build_services(settings_for(data_dir), actor="cli").nomenclature.fetch(siren)
    click.echo(
        f"{siren}: classification of {message.date_classification} ({len(message.flatten())} codes)"
    )


@nomenclature_group.command("request")
@click.option("--siren", default=None, help="through this collectivité's platform account")
@data_dir_option
def nomenclature_request_command(siren: str | None, data_dir: Path) -> None:
    """Ask the préfecture for its current classification (7-1); fetch it once the 7-2 is in."""
    services = build_services(settings_for(data_dir), actor="cli")
    transaction = services.nomenclature.request(siren)
    click.echo(
        f"classification requested (transaction {transaction}); then: actes nomenclature fetch --siren S"
    )


@nomenclature_group.command("show")
@click.option("--siren", required=True)
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def nomenclature_show_command(siren: str, as_json: bool, data_dir: Path) -> None:
    """The classification the suggestions use for SIREN (national levels when none is kept)."""
    message = build_services(settings_for(data_dir)).nomenclature.current(siren)
    codes = message.flatten()
    if as_json:
        emit_json(
            {"siren": siren, "version": message.date_classification.isoformat(), "codes": codes}
        )
        return
    click.echo(f"version {message.date_classification}")
    for code, label in codes.items():
        click.echo(f"  {code:<10} {label}")
