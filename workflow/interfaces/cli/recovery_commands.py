"""``actes retry`` and ``actes resend``: the way forward for an act that did not get through.

``retry`` starts a failed act again once its cause was fixed (certificate renewed, platform
back); ``resend`` records a corrected act that replaces a rejected or failed one, under a
number derived from the old one unless ``--numero`` gives another, and says which.
"""

from __future__ import annotations

from pathlib import Path

import click

from workflow.adapters.wiring import build_services
from workflow.errors import InvalidInput
from workflow.i18n import _
from workflow.interfaces.cli.app import command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, store_settings
from workflow.usecases.lookup import find_act
from workflow.usecases.resend import SETTABLE, Correction


def _enqueue(act_id: int, data_dir: Path, enabled: bool) -> None:
    if not enabled:
        return
    from workers.app import build_enqueue  # Celery only when an act is queued

    try:
        build_enqueue(store_settings(data_dir))(act_id)
    except Exception as exc:  # noqa: BLE001 - the act is stored; the sweep re-enqueues it
        click.echo(
            f"actes: warning: act {act_id} recorded but not queued ({exc}); "
            "the next sweep will queue it",
            err=True,
        )


def _changes(pairs: tuple[str, ...]) -> dict[str, str]:
    changes = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(
                f"--set takes field=value, got {pair!r}",
                field="set",
                rule="field=value, field one of " + ", ".join(SETTABLE),
                value=pair,
            )
        changes[name.strip()] = value
    return changes


@command("retry")
@click.argument("act")
@click.option("--no-enqueue", is_flag=True, help="Record only; the sweep will pick it up.")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def retry_command(act: str, no_enqueue: bool, data_dir: Path, as_json: bool) -> None:
    """Send a failed act again, once the cause of the failure is fixed (by id, IDActe or number)."""
    services = build_services(store_settings(data_dir), actor="cli")
    record = services.resending.retry(find_act(services.store, act).id, actor="cli")
    _enqueue(record.id, data_dir, not no_enqueue)
    if as_json:
        emit_json(record.as_dict())
        return
    click.echo(
        _("act {id} ({numero}) will be sent again").format(id=record.id, numero=record.numero)
    )


@command("resend")
@click.argument("act")
@click.option(
    "--document",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The corrected act (PDF); default: the old one.",
)
@click.option(
    "--annexe",
    "annexes",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="An annex of the corrected act (repeat); given once or more, replaces the old annexes.",
)
@click.option("--no-annexes", is_flag=True, help="The corrected act has no annex.")
@click.option("--numero", help="The new act's number; default: derived from the old one (…A).")
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Correct one field: " + ", ".join(SETTABLE) + " (repeat).",
)
@click.option("--no-enqueue", is_flag=True, help="Record only; the sweep will pick it up.")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def resend_command(
    act: str,
    document: Path | None,
    annexes: tuple[Path, ...],
    no_annexes: bool,
    numero: str | None,
    pairs: tuple[str, ...],
    no_enqueue: bool,
    data_dir: Path,
    as_json: bool,
) -> None:
    """Correct a rejected or failed act and send it again as a new act that replaces it."""
    services = build_services(store_settings(data_dir), actor="cli")
    old = find_act(services.store, act)
    correction = Correction(
        document=document,
        annexes=annexes if annexes else (() if no_annexes else None),
        numero=numero,
        changes=_changes(pairs),
    )
    result = services.resending.resend(old.id, correction, actor="cli")
    _enqueue(result.act.id, data_dir, not no_enqueue)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(
        _("act {new} ({numero}) replaces act {old} ({old_numero})").format(
            new=result.act.id,
            numero=result.act.numero,
            old=result.replaced.id,
            old_numero=result.replaced.numero,
        )
    )
    if result.numero_derived:
        click.echo(
            _(
                "the platform refuses a number it has already seen: the new act is numbered "
                "{numero} (choose another with --numero)"
            ).format(numero=result.act.numero)
        )
