"""Intake from the command line: ``actes submit``, ``actes watch`` and the drafts
(``actes extract`` is in :mod:`.extract_commands`: it stores nothing, and loads no store).

``actes submit`` and ``actes watch`` act as the local operator (every registered
collectivité); the REST API acts for a token's collectivités only. An act that is ready is
recorded and handed to the workers; one that is not is kept as a draft with its problems
(exit code 2), and nothing is sent.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import click

from workflow.adapters.wiring import build_intake
from workflow.errors import ActesError, InvalidInput
from workflow.i18n import _
from workflow.identifiers import ascii_digits
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import LOCAL, IntakeResult, Principal, Upload
from workflow.intake.service import Intake
from workflow.interfaces.cli.app import EXIT_USER_ERROR, cli, command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for, store_settings
from workflow.interfaces.cli.values import annex_signatures

FOLDER = Principal("folder")


# --------------------------------------------------------------------------- submit


def _report(result: IntakeResult, as_json: bool) -> None:
    """Print the outcome; a draft ends with exit code 2 and its first problem on stderr."""
    if as_json:
        emit_json(result.as_dict())
    elif result.act is not None:
        act = result.act
        verb = "recorded" if result.created else "already recorded"
        click.echo(f"act {act.id} {verb}: {act.numero} « {act.objet[:60]} » ({act.state.value})")
    else:
        click.echo(
            f"draft {result.draft.id} held (nothing sent); settle these, then `actes draft complete {result.draft.id}`:"
        )
    problems = result.as_dict()["problems"]
    if not as_json:
        for p in problems:
            click.echo(f"  {p['severity']:<7} {p['field']}: {p['message']}")
    if result.act is None:
        first = next((p for p in problems if p["severity"] == "error"), None)
        if first:
            click.echo(
                f"actes: error: draft {result.draft.id}: {first['field']}: {first['message']}",
                err=True,
            )
        raise SystemExit(EXIT_USER_ERROR)


def _enqueue_new(result: IntakeResult, data_dir: Path, enabled: bool) -> None:
    if enabled and result.to_send and result.act is not None:
        from workers.app import build_enqueue  # Celery only when an act is queued

        try:
            build_enqueue(settings_for(data_dir))(result.act.id)
        except Exception as exc:  # noqa: BLE001 - the act is stored; the sweep re-enqueues it
            click.echo(
                f"actes: warning: act {result.act.id} recorded but not queued ({exc}); the next sweep will queue it",
                err=True,
            )


@command("submit")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--metadata",
    "metadata_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON: what is known of the act (each field wins over the document).",
)
@click.option(
    "--annexe",
    "annexes",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
)
@click.option(
    "--signature",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The act's detached CMS/PKCS#7 signature (DER or PEM), checked before anything is sent.",
)
@click.option(
    "--annexe-signature",
    "annexe_signatures",
    multiple=True,
    metavar="N=FILE",
    help="The detached signature of the N-th --annexe (from 1; repeatable).",
)
@click.option(
    "--idempotency-key", help="Default: derived from the documents' and the metadata's content."
)
@click.option(
    "--no-enqueue", is_flag=True, help="Record only; the workers' sweep will pick the act up."
)
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def submit_command(
    file: Path,
    metadata_file: Path | None,
    annexes: tuple[Path, ...],
    signature: Path | None,
    annexe_signatures: tuple[str, ...],
    idempotency_key: str | None,
    no_enqueue: bool,
    as_json: bool,
    data_dir: Path,
) -> None:
    """Submit FILE.pdf (and annexes, and their signatures): read, check, record; send if
    nothing needs a person."""
    metadata = parse_metadata(
        metadata_file.read_bytes() if metadata_file else None,
        where=str(metadata_file or "metadata"),
    )
    intake = build_intake(settings_for(data_dir), actor="cli")
    signatures = (signature, *annex_signatures(annexe_signatures, len(annexes)))
    uploads = [
        Upload(path, path.name, signature=signed)
        for path, signed in zip((file, *annexes), signatures, strict=True)
    ]
    result = intake.submit(LOCAL, uploads, metadata, idempotency_key)
    _enqueue_new(result, data_dir, not no_enqueue)
    _report(result, as_json)


# --------------------------------------------------------------------------- watched folder


def process_folder(
    intake: Intake, folder: Path, *, settle_seconds: float = 2.0, now: float | None = None
) -> list[tuple[Path, IntakeResult | ActesError]]:
    """Submit each settled PDF of ``folder`` (with ``NAME.json`` beside it as metadata, and
    ``NAME.pdf.p7s`` as its detached signature); move them to ``done/``, ``drafts/`` (with
    ``NAME.problems.json``) or ``failed/``.

    A file is taken once its size and time have not changed for ``settle_seconds`` (an
    export still being written is left alone). The idempotency key is the file's content:
    the same PDF dropped twice is recorded once.
    """
    moment = time.time() if now is None else now
    outcomes: list[tuple[Path, IntakeResult | ActesError]] = []
    for pdf in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".pdf"):
        if moment - pdf.stat().st_mtime < settle_seconds:
            continue
        sidecar = pdf.with_suffix(".json")
        signature = pdf.with_name(pdf.name + ".p7s")
        signed = signature if signature.is_file() else None
        outcome: IntakeResult | ActesError
        try:
            metadata = parse_metadata(
                sidecar.read_bytes() if sidecar.exists() else None, where=sidecar.name
            )
            outcome = intake.submit(
                FOLDER, [Upload(pdf, pdf.name, signature=signed)], metadata, None
            )
        except ActesError as error:
            outcome = error
        if isinstance(outcome, ActesError):
            target = folder / "failed"
            note: dict[str, Any] = outcome.as_dict()
        elif outcome.act is not None:
            target, note = folder / "done", outcome.as_dict()
        else:
            target, note = folder / "drafts", outcome.as_dict()
        target.mkdir(exist_ok=True)
        (target / f"{pdf.stem}.result.json").write_text(
            json.dumps(note, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        shutil.move(str(pdf), target / pdf.name)
        for beside in (sidecar, signature):
            if beside.exists():
                shutil.move(str(beside), target / beside.name)
        outcomes.append((pdf, outcome))
    return outcomes


@command("watch")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between scans."
)
@click.option("--once", is_flag=True, help="Scan once and exit.")
@click.option("--no-enqueue", is_flag=True)
@data_dir_option
def watch_command(
    folder: Path, interval: float, once: bool, no_enqueue: bool, data_dir: Path
) -> None:
    """Submit the PDFs an office exports to FOLDER (NAME.json beside a PDF is its metadata,
    NAME.pdf.p7s its detached signature)."""
    intake = build_intake(settings_for(data_dir), actor="folder")
    while True:
        for pdf, outcome in process_folder(intake, folder):
            if isinstance(outcome, ActesError):
                click.echo(f"{pdf.name}: failed: {outcome.one_line()}")
                continue
            _enqueue_new(outcome, data_dir, not no_enqueue)
            if outcome.act is not None:
                click.echo(f"{pdf.name}: act {outcome.act.id} ({outcome.act.state.value})")
            else:
                errors = [p for p in outcome.as_dict()["problems"] if p["severity"] == "error"]
                click.echo(
                    f"{pdf.name}: draft {outcome.draft.id}: "
                    + "; ".join(f"{p['field']}: {p['message']}" for p in errors)
                )
        if once:
            return
        time.sleep(interval)


# --------------------------------------------------------------------------- drafts


@command("drafts")
@click.option("--all", "show_all", is_flag=True, help="Also submitted and discarded drafts.")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def drafts_command(show_all: bool, as_json: bool, data_dir: Path) -> None:
    """The acts held back at intake, and why."""
    intake = build_intake(store_settings(data_dir))
    drafts = intake.drafts(LOCAL, status=None if show_all else "open")
    if as_json:
        emit_json({"drafts": [d.as_dict() for d in drafts]})
        return
    if not drafts:
        click.echo(
            _("no draft") if show_all else _("no open draft: every submission became an act")
        )
        return
    for d in drafts:
        errors = [p for p in d.report.get("problems", []) if p["severity"] == "error"]
        name = d.documents[0].file_name if d.documents else "-"
        click.echo(
            f"{d.id:>4} {d.status:<9} {name:<32} "
            + "; ".join(f"{p['field']}: {p['message']}" for p in errors)[:160]
        )


@cli.group("draft")
def draft_group() -> None:
    """Look at, complete or discard one draft."""


@draft_group.command("show")
@click.argument("draft_id", type=int)
@data_dir_option
def draft_show_command(draft_id: int, data_dir: Path) -> None:
    emit_json(build_intake(store_settings(data_dir)).draft(LOCAL, draft_id).as_dict())


@draft_group.command("complete")
@click.argument("draft_id", type=int)
@click.option(
    "--metadata", "metadata_file", type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="e.g. --set siren=212801344 --set classification=8.1",
)
@click.option("--no-enqueue", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
def draft_complete_command(
    draft_id: int,
    metadata_file: Path | None,
    assignments: tuple[str, ...],
    no_enqueue: bool,
    as_json: bool,
    data_dir: Path,
) -> None:
    """Add what a person settled and try again; the act is sent when nothing is left."""
    data: dict[str, Any] = (
        json.loads(metadata_file.read_text(encoding="utf-8")) if metadata_file else {}
    )
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep:
            raise InvalidInput(
                f"--set {assignment!r}: expected FIELD=VALUE",
                field="set",
                rule="FIELD=VALUE",
                value=assignment,
            )
        data[key.strip()] = (
            int(value)
            if ascii_digits(value)
            and len(value) <= 9
            and key.strip() in {"members_in_office", "present", "proxies", "voters"}
            else value
        )
    intake = build_intake(store_settings(data_dir), actor="cli")
    result = intake.complete(LOCAL, draft_id, parse_metadata(data))
    _enqueue_new(result, data_dir, not no_enqueue)
    _report(result, as_json)


@draft_group.command("discard")
@click.argument("draft_id", type=int)
@data_dir_option
def draft_discard_command(draft_id: int, data_dir: Path) -> None:
    draft = build_intake(store_settings(data_dir), actor="cli").discard(LOCAL, draft_id)
    click.echo(f"draft {draft.id} {draft.status}")


# --------------------------------------------------------------------------- collectivités
