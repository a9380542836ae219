"""``actes demo``: the main job on the embedded default, with nothing to install or start.

What it runs today is the protocol core end to end: the three example deliberations (their
metadata as a clerk reads them from the fixtures) are turned into real PDFs, packaged as ACTES
1-1 archives (named, XSD-validated, deterministic), then read back with the safe archive
reader and the hardened parser, and a table shows what would be sent. The transmission to the
platform simulator and the wait for the accusés de réception join this command with the
workflow engine (issue 5).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from fpdf import FPDF

from workflow.collectivite import Collectivite
from workflow.identifiers import ActNature, Classification, normalise_number
from workflow.interfaces.cli.app import command, emit_json
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.protocol.inspection import inspect_file


@dataclass(frozen=True, slots=True)
class _Example:
    key: str
    collectivite: dict[str, object]
    numero_printed: str
    session_date: dt.date
    objet: str
    classification: str
    body: str


# Metadata as a clerk reads it from shared/fixtures/deliberations (expected.json). Dole's and
# Saint-Ambroix's SIRENs are not in the fixtures: the demo uses clearly fictitious numbers
# that pass the Luhn check (never real collectivités).
_EXAMPLES = (
    _Example(
        "dreux-2022-148",
        {
            "name": "Ville de Dreux",
            "siren": "212801344",
            "departement": "028",
            "emails": ["actes@demo.invalid.fr"],
        },
        "DEL2022-148",
        dt.date(2022, 10, 13),
        "Espace Numérique de Travail primOT",
        "8.1",
        "Conseil municipal du jeudi 13 octobre 2022. Délibération n°DEL2022-148.",
    ),
    _Example(
        "dole-15-09-03-35",
        {
            "name": "Ville de Dole (démo)",
            "siren": "000000018",
            "departement": "039",
            "emails": ["actes@demo.invalid.fr"],
        },
        "15.09.03.35",
        dt.date(2015, 3, 9),
        "Projet de plate-forme « Environnement Numérique de Travail » régionale pour les écoles",
        "8.1",
        "Conseil municipal du 9 mars 2015. Délibération n°15.09.03.35.",
    ),
    _Example(
        "saint-ambroix-2021-100",
        {
            "name": "Commune de Saint-Ambroix (démo)",
            "siren": "000000026",
            "departement": "030",
            "emails": ["actes@demo.invalid.fr"],
        },
        "2021-100",
        dt.date(2021, 10, 27),
        "SCOLAIRE : RENOUELEMENT CONVENTION ENT (ENVIRONNEMENT NUMERIQUE DE TRAVAIL) "
        "ECOLE/COMMUNE DE SAINT-AMBROIX",
        "8.1",
        "Conseil municipal du 27 octobre 2021. Délibération n°2021-100.",
    ),
)


def _pdf(example: _Example, path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(
        0, 8, f"{example.collectivite['name']}\n\n{example.body}\n\nObjet : {example.objet}"
    )
    path.write_bytes(bytes(pdf.output()))
    return path


def data_dir_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--data-dir``, else ``$ACTES_DATA_DIR``, else ``./actes-data``."""
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=lambda: os.environ.get("ACTES_DATA_DIR", "actes-data"),
        show_default="./actes-data or $ACTES_DATA_DIR",
        help="Where the embedded store and files live.",
    )(function)


@command("demo")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
def demo_command(data_dir: Path, as_json: bool) -> None:
    """Run the main job on the embedded example deliberations (no server needed)."""
    today = dt.date.today()
    documents = data_dir / "demo" / "documents"
    documents.mkdir(parents=True, exist_ok=True)
    rows = []
    for example in _EXAMPLES:
        collectivite = Collectivite.from_mapping(example.collectivite, where=example.key)
        numero = normalise_number(example.numero_printed)
        act = ActInput(
            collectivite=collectivite,
            numero=numero.numero,
            date=example.session_date,
            nature=ActNature.DE,
            classification=Classification.parse(example.classification),
            classification_date=example.session_date,
            objet=example.objet,
            document=DocumentInput(_pdf(example, documents / f"{example.key}.pdf")),
        )
        package = package_act(
            act, data_dir / "demo" / "outbox", PackagingOptions(generated_on=today)
        )
        read_back = inspect_file(package.archive.path)
        rows.append(
            {
                "act": example.key,
                "numero": {
                    "printed": example.numero_printed,
                    "sent": numero.numero.value,
                    "changes": list(numero.changes),
                },
                "expected_id_acte": str(package.id_acte),
                "archive": str(package.archive.path),
                "sha256": package.archive.sha256,
                "read_back": read_back["code"],
                "state": "packaged",
            }
        )
        if not as_json:
            click.echo(f"packaged {example.key}: {package.archive_name}", err=True)
    if as_json:
        emit_json({"data_dir": str(data_dir), "acts": rows})
        return
    click.echo(f"\n{'act':<24} {'number sent':<14} {'expected IDActe':<44} state")
    for row in rows:
        click.echo(
            f"{row['act']:<24} {row['numero']['sent']:<14} "
            f"{row['expected_id_acte']:<44} {row['state']}"
        )
