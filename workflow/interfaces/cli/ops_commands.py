"""Operators' commands: ``actes doctor``, ``actes migrate``, ``actes ping-workers``,
``actes backup`` and ``actes restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workflow.errors import ConfigurationError
from workflow.interfaces.cli.app import EXIT_TRANSIENT, command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for
from workflow.ops.findings import Severity, exit_code, summary

_MARKS = {
    Severity.OK: "ok  ",
    Severity.WARNING: "warn",
    Severity.INVALID: "FAIL",
    Severity.TRANSIENT: "DOWN",
}


@command("doctor")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def doctor_command(data_dir: Path, as_json: bool) -> None:
    """Check the configuration and say what is wrong and how to fix it.

    Exit 0 when everything works (warnings included), 2 for a misconfiguration, 3 when
    something is only unreachable now.
    """
    from workers.app import create_celery
    from workers.health import probe_broker
    from workflow.adapters.checkup import doctor

    settings = settings_for(data_dir)
    app = create_celery(settings.broker)
    findings = doctor(settings, lambda: probe_broker(app))
    if as_json:
        emit_json(summary(findings))
    else:
        for finding in findings:
            subject = f" [{finding.subject}]" if finding.subject else ""
            click.echo(f"{_MARKS[finding.severity]} {finding.check}{subject}: {finding.message}")
            if finding.fix and finding.severity is not Severity.OK:
                click.echo(f"     fix: {finding.fix}")
    sys.exit(exit_code(findings))


@command("migrate")
@data_dir_option
def migrate_command(data_dir: Path) -> None:
    """Bring the store to the latest schema (run once, before the other processes start)."""
    from workflow.adapters.health import migration_head, safe_url
    from workflow.adapters.store.engine import make_engine, upgrade_to_head

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    click.echo(f"store {safe_url(settings.database)} at revision {migration_head()}")


@command("ping-workers")
@data_dir_option
@click.option(
    "--destination", multiple=True, help="A worker's node name (celery@host); default: any."
)
@click.option("--timeout", type=float, default=5.0, show_default=True)
def ping_workers_command(data_dir: Path, destination: tuple[str, ...], timeout: float) -> None:
    """Celery's inspect ping: exit 0 when a worker answered (the workers' healthcheck), 3 if not."""
    from workers.app import create_celery
    from workers.health import ping_workers, probe_broker

    settings = settings_for(data_dir)
    if settings.broker.startswith("sqla"):
        raise ConfigurationError(
            "the embedded SQLite broker carries no broadcast: workers cannot be pinged through "
            "it (watch the worker process instead, or use Redis)",
            field="broker_url",
            rule="inspect ping needs a broker with broadcast (Redis)",
        )
    app = create_celery(settings.broker)
    reachable = probe_broker(app)
    if not reachable.ok:
        click.echo(f"actes: error: {reachable.message}", err=True)
        sys.exit(EXIT_TRANSIENT)
    answered = ping_workers(app, destination=list(destination) or None, timeout=timeout)
    for name in answered:
        click.echo(f"{name}: pong")
    if not answered:
        click.echo("actes: error: no worker answered the ping", err=True)
        sys.exit(EXIT_TRANSIENT)


@command("backup")
@click.argument("destination", type=click.Path(path_type=Path, file_okay=False))
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def backup_command(destination: Path, data_dir: Path, as_json: bool) -> None:
    """Back the store and its documents up into a new directory (safe while the service runs)."""
    from workflow.adapters.backup import backup

    settings = settings_for(data_dir)
    manifest = backup(settings.database, settings.files_dir, settings.outbox, destination)
    if as_json:
        emit_json({"backup": str(destination), **manifest.as_dict()})
        return
    rows = sum(int(t["rows"]) for t in manifest.tables.values())
    click.echo(
        f"backup {destination}: revision {manifest.revision}, {rows} rows in "
        f"{len(manifest.tables)} tables, {len(manifest.files)} files"
    )


@command("restore")
@click.argument("source", type=click.Path(path_type=Path, file_okay=False, exists=True))
@data_dir_option
def restore_command(source: Path, data_dir: Path) -> None:
    """Restore a backup into an empty store, then check every table and file against it.

    The store is ACTES_DATABASE_URL, else the data directory's SQLite file.
    """
    from workflow.adapters.backup import restore

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    manifest = restore(source, settings.database, settings.files_dir, settings.outbox)
    acts = manifest.tables.get("acts", {}).get("rows", 0)
    click.echo(
        f"restored {source}: {acts} acts, {len(manifest.files)} files, "
        f"every table and file checked against the manifest"
    )
