"""``actes worker``, ``actes beat``, ``actes status``, ``actes incidents``: running and reading
the engine.

Every command finds the store through ``--data-dir DIR`` / ``ACTES_DATA_DIR`` (default
``./actes-data``), or ``ACTES_DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workflow.adapters.store.repository import SqlStore
from workflow.adapters.wiring import build_store
from workflow.errors import InvalidInput
from workflow.i18n import _
from workflow.interfaces.cli.app import command, emit_json
from workflow.problems import ProblemCode
from workflow.settings import Settings
from workflow.store import ActFilter, ActRecord, EventRecord
from workflow.timeline import event_label


def data_dir_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--data-dir``, else ``$ACTES_DATA_DIR``, else ``./actes-data``."""
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=lambda: os.environ.get("ACTES_DATA_DIR", "actes-data"),
        show_default="./actes-data or $ACTES_DATA_DIR",
        help="Where the embedded store, broker and files live.",
    )(function)


def settings_for(data_dir: Path) -> Settings:
    os.environ["ACTES_DATA_DIR"] = str(data_dir)  # children (worker, beat) see the same store
    return Settings()


def store_settings(data_dir: Path) -> Settings:
    """The settings of a command that reads an existing store: a data directory that does not
    exist is an error (a typo must not create an empty store and show nothing)."""
    settings = settings_for(data_dir)
    if settings.database_url is None and not data_dir.is_dir():
        raise InvalidInput(
            f"no store in {data_dir}: give the --data-dir (or ACTES_DATA_DIR) that "
            "actes demo, actes serve or actes submit used",
            field="data-dir",
            rule="an existing data directory",
            value=str(data_dir),
        )
    return settings


@command("worker")
@data_dir_option
@click.option("--queues", default="packaging,platform,poll,sweeps", show_default=True)
@click.option("--concurrency", type=int, default=2, show_default=True)
@click.option(
    "--hostname",
    default=None,
    help="The worker's node name (default celery@HOST); `actes ping-workers` asks for it.",
)
def worker_command(data_dir: Path, queues: str, concurrency: int, hostname: str | None) -> None:
    """Run a Celery worker (packaging, signing, submission, polling)."""
    settings = settings_for(data_dir)
    from workers.app import app_from_environment
    from workers.logs import install

    install(settings)
    app = app_from_environment()
    app.worker_main(
        [
            *(["--quiet"] if settings.log_format == "json" else []),  # no banner amid JSON lines
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            "-Q",
            queues,
            f"--loglevel={settings.log_level}",
            "--without-gossip",
            "--without-mingle",
            *([f"--hostname={hostname}"] if hostname else []),
        ]
    )


@command("beat")
@data_dir_option
def beat_command(data_dir: Path) -> None:
    """Run the periodic sweeps (platform polling, unfinished work)."""
    settings = settings_for(data_dir)
    from workers.app import app_from_environment
    from workers.logs import install

    install(settings)
    app = app_from_environment()
    schedule = settings.data_dir / "beat-schedule"
    quiet = ["--quiet"] if settings.log_format == "json" else []
    app.start([*quiet, "beat", "-s", str(schedule), f"--loglevel={settings.log_level}"])


@command("status")
@click.argument("act", required=False)
@data_dir_option
@click.option("--numero", help="The act with this number (the collectivité's own).")
@click.option("--id-acte", help="The act with this IDActe (from the accusé de réception).")
@click.option(
    "--state", "states", multiple=True, help="Only acts in this state (repeat or comma-separate)."
)
@click.option("--older-than", help="Only acts in their state for longer than this (2d, 12h).")
@click.option("--json", "as_json", is_flag=True)
def status_command(
    act: str | None,
    data_dir: Path,
    numero: str | None,
    id_acte: str | None,
    states: tuple[str, ...],
    older_than: str | None,
    as_json: bool,
) -> None:
    """Show the acts (or one act, by id, IDActe or number, with its history): state, IDActe,
    and for an act that is not moving, why, since when and what to do."""
    from workflow.usecases.lookup import find_act, parse_age, parse_states

    store = build_store(store_settings(data_dir))
    ref = act or numero or id_acte
    if ref is not None:
        _show_act(store, find_act(store, ref), as_json)
        return
    before = None
    if older_than is not None:
        before = dt.datetime.now(dt.UTC) - parse_age(older_than)
    acts = store.list_acts(where=ActFilter(states=parse_states(states), state_before=before))
    if as_json:
        emit_json({"data_dir": str(data_dir), "acts": [a.as_dict() for a in acts]})
        return
    if not acts:
        click.echo(_("no act matches") if states or older_than else _("no act recorded yet"))
        return
    click.echo(f"{'id':>4} {'number':<15} {'state':<14} {'IDActe':<44} {'received':<10} problem")
    for a in acts:
        problem = a.problem.code.value if a.problem else ""
        click.echo(
            f"{a.id:>4} {a.numero:<15} {a.state.value:<14} {a.id_acte or '-':<44} "
            f"{a.date_reception or '-'!s:<10} {problem}".rstrip()
        )
        if a.problem is not None and a.problem.code is ProblemCode.PARKED_ON_PLATFORM:
            click.echo(f"{'':>4} ! {a.problem.message()}")  # waiting on the platform (17/18)


def _show_act(store: SqlStore, record: ActRecord, as_json: bool) -> None:
    events = store.events(record.id)
    if as_json:
        emit_json({**record.as_dict(), "events": [event_dict(e) for e in events]})
        return
    click.echo(
        f"act {record.id} ({record.numero}) {record.state.value}  IDActe {record.id_acte or '-'}"
    )
    if record.problem is not None:
        problem = record.problem
        click.echo(
            "  "
            + _("problem [{code}] since {since}: {message}").format(
                code=problem.code.value,
                since=f"{problem.since:%Y-%m-%d %H:%M} UTC",
                message=problem.message(),
            )
        )
        click.echo("  " + _("to do: {action}").format(action=problem.action()))
    if record.replaces is not None:
        click.echo("  " + _("replaces act {id}").format(id=record.replaces))
    if record.replaced_by is not None:
        click.echo("  " + _("replaced by act {id}").format(id=record.replaced_by))
    for e in events:
        click.echo(
            f"  {e.at:%Y-%m-%d %H:%M:%S} {e.from_state or '':>12} → {e.to_state:<14} "
            f"{e.actor}: {event_label(e.event)} — {e.reason_text()}"
        )


def event_dict(e: EventRecord) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "actor": e.actor,
        "event": e.event,
        "label": event_label(e.event),
        "from": e.from_state,
        "to": e.to_state,
        "reason": e.reason_text(),
    }


@command("cancel")
@click.argument("act", type=int)
@click.option("--reason", required=True, help="Why the act is withdrawn (kept in its history).")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def cancel_command(act: int, reason: str, data_dir: Path, as_json: bool) -> None:
    """Withdraw an acknowledged act (6-1); the next poll records the ARAnnulation (6-2)."""
    from workflow.adapters.wiring import build_services

    record = build_services(store_settings(data_dir), actor="cli").exchanges.cancel(
        act, reason=reason
    )
    if as_json:
        emit_json(record.as_dict())
        return
    click.echo(f"act {record.id} ({record.numero}) {record.state.value}")


@command("documents")
@click.argument("act", type=int)
@click.option(
    "--stamped",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the act with the préfecture's stamp here.",
)
@click.option("--published-on", help="The publication date to print on the stamp (YYYY-MM-DD).")
@click.option(
    "--bordereau",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the bordereau d'acquittement here.",
)
@data_dir_option
def documents_command(
    act: int, stamped: Path | None, published_on: str | None, bordereau: Path | None, data_dir: Path
) -> None:
    """Fetch what the platform issues for an acknowledged act: the stamped PDF, the bordereau."""
    from workflow.adapters.wiring import build_services
    from workflow.interfaces.cli.values import parse_date

    services = build_services(store_settings(data_dir), actor="cli")
    if stamped is None and bordereau is None:
        raise click.UsageError("give --stamped FILE and/or --bordereau FILE")
    if stamped is not None:
        day = parse_date(published_on, field="published-on") if published_on else None
        stamped.write_bytes(services.documents.stamped_act(act, published_on=day))
        click.echo(f"stamped act: {stamped}")
    if bordereau is not None:
        bordereau.write_bytes(services.documents.bordereau(act))
        click.echo(f"bordereau: {bordereau}")


@command("incidents")
@click.option("--act", type=int, default=None, help="Only this act's incidents.")
@click.option(
    "--payload",
    type=int,
    default=None,
    help="Write the bytes kept with this incident (a quarantined message) to standard output.",
)
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def incidents_command(act: int | None, payload: int | None, data_dir: Path, as_json: bool) -> None:
    """Operational incidents: ambiguous recoveries, quarantined préfecture messages.

    Then the operational alerts open now (faults of the service, for ACTES_OPERATOR_EMAILS).
    """
    store = build_store(settings_for(data_dir))
    try:
        if payload is not None:
            click.echo(store.incident_payload(payload) or b"", nl=False)
            return
        incidents = store.incidents(act_id=act)
        alerts = store.operator_alerts() if act is None else []
    finally:
        store.close()
    if as_json:
        emit_json(
            {
                "incidents": [i.as_dict() for i in incidents],
                "operator_alerts": [a.as_dict() for a in alerts],
            }
        )
        return
    for i in incidents:
        click.echo(f"{i.id:>4} {i.at:%Y-%m-%d %H:%M} act {i.act_id or '-'} {i.kind}: {i.detail}")
    for a in alerts:
        told = f"notified {a.notified_at:%Y-%m-%d %H:%M}" if a.notified_at else "NOT NOTIFIED"
        click.echo(f"open since {a.opened_at:%Y-%m-%d %H:%M} ({told}) [{a.key}] {a.summary}")
