"""``actes extract``: what a document says about its act, without storing anything — so it
imports no store, queue or web framework (it starts in a fraction of a second)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workflow.errors import InvalidInput
from workflow.intake.classify import suggest
from workflow.intake.extract import extract
from workflow.intake.text import read_document_text
from workflow.interfaces.cli.app import command, emit_json
from workflow.protocol import xml_in
from workflow.protocol.messages import RetourClassification
from workflow.protocol.nomenclature import national_classification


@command("extract")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object: fields, sources, review.")
@click.option(
    "--nomenclature",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The préfecture's 7-2 classification (XML) to suggest from; default: national levels.",
)
def extract_command(file: Path, as_json: bool, nomenclature: Path | None) -> None:
    """Show what FILE (PDF or text) says about the act, without storing anything."""
    extraction = extract(read_document_text(file))
    classification = _nomenclature(nomenclature)
    objet = extraction.value("objet")
    theme = extraction.value("theme")
    suggestions = suggest(objet, classification, *([theme] if theme else [])) if objet else None
    if as_json:
        emit_json(
            {
                "file": str(file),
                **extraction.as_dict(),
                "classification": suggestions.as_dict() if suggestions else None,
            }
        )
        return
    click.echo(f"{file}: {extraction.pages} page(s), {extraction.lines} lines")
    for name, found in extraction.fields.items():
        where = f"p{found.where.page} l{found.where.line}" if found.where else "-"
        value = json.dumps(found.as_dict()["value"], ensure_ascii=False)
        click.echo(f"  {name:<18} {value[:70]:<70} {found.confidence:4.2f}  {where:<9} {found.how}")
    if suggestions is not None:
        click.echo(f"  {'classification':<18} {suggestions.explain()}")
        if suggestions.chosen is None:
            for s in suggestions.top3:
                click.echo(
                    f"      candidate {s.code} {s.label} (score {s.score:g}: {', '.join(s.words)})"
                )
    if extraction.review:
        click.echo("needs review:")
        for item in extraction.review:
            click.echo(f"  {item.field}: {item.reason}")


def _nomenclature(path: Path | None) -> RetourClassification:
    if path is None:
        return national_classification()
    message = xml_in.parse_message(path.read_bytes())
    if not isinstance(message, RetourClassification):
        raise InvalidInput(
            f"{path} is not a 7-2 RetourClassification message",
            field="nomenclature",
            rule="7-2 XML",
            value=str(path),
        )
    return message
