"""``actes demo``: the main job, end to end, on the embedded default (no server to install).

It creates a development PKI, starts the platform simulator (HTTPS, client certificates), a
Celery worker and beat on the embedded SQLite broker, submits the three example
deliberations (their metadata as a clerk reads them from the fixtures, as generated PDFs),
shows progress as the acts are packaged, signed, sent and acknowledged, and prints a table:
act, IDActe, sent, received, state. Its child processes are stopped on exit and on Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from fpdf import FPDF

from workflow.adapters.pki import create_dev_pki
from workflow.adapters.wiring import build_services
from workflow.collectivite import Collectivite
from workflow.errors import TransientError
from workflow.identifiers import normalise_number
from workflow.interfaces.cli.app import command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option
from workflow.interfaces.cli.supervisor import (
    Supervisor,
    actes_argv,
    free_port,
    port_open,
    wait_until,
)
from workflow.lifecycle import ActState
from workflow.protocol.nomenclature import NATIONAL_VERSION
from workflow.services import Services
from workflow.settings import Settings
from workflow.store import ActRecord, NewAct


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
    text = f"{example.collectivite['name']}\n\n{example.body}\n\nObjet : {example.objet}"
    pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))
    return path


_DONE = {ActState.ACKNOWLEDGED, ActState.REJECTED, ActState.FAILED, ActState.CANCELLED}


@command("demo")
@data_dir_option
@click.option(
    "--timeout",
    type=float,
    default=180.0,
    show_default=True,
    help="Seconds to wait for the accusés de réception.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
def demo_command(data_dir: Path, timeout: float, as_json: bool) -> None:
    """Run the main job end to end on the example deliberations (no server needed)."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pki_dir = data_dir / "pki"
    pki = create_dev_pki(pki_dir) if not (pki_dir / "ca.pem").exists() else None
    port = free_port()
    os.environ.update(
        {
            "ACTES_DATA_DIR": str(data_dir),
            "ACTES_PLATFORM_URL": f"https://127.0.0.1:{port}",
            "ACTES_PLATFORM_CA": str(pki_dir / "ca.pem"),
            "ACTES_PLATFORM_CERT": str(pki_dir / "client.pem"),
            "ACTES_PLATFORM_KEY": str(pki_dir / "client.key"),
            "ACTES_SIGNER_PKCS12": str(pki_dir / "collectivite.p12"),
            "ACTES_SIGNER_PASSPHRASE_FILE": str(pki_dir / "collectivite.passphrase"),
            "ACTES_POLL_SECONDS": "1",
            "ACTES_SWEEP_SECONDS": "10",
        }
    )
    say = (lambda text: click.echo(text, err=True)) if as_json else click.echo
    if pki is not None:
        say(f"created a TEST PKI in {pki_dir}")
    services = build_services(Settings(), actor="demo")
    with Supervisor(data_dir / "logs") as supervisor:
        supervisor.start(
            "simulator",
            actes_argv(
                "simulator",
                "--tls-dir",
                str(pki_dir),
                "--port",
                str(port),
                "--state",
                str(data_dir / "simulator.sqlite3"),
                "--delay",
                "1",
            ),
        )
        wait_until(
            lambda: port_open(port), timeout=30, what="platform simulator", supervisor=supervisor
        )
        say(f"platform simulator on https://127.0.0.1:{port} (mutual TLS)")
        supervisor.start("worker", actes_argv("worker", "--data-dir", str(data_dir)))
        supervisor.start("beat", actes_argv("beat", "--data-dir", str(data_dir)))
        ids = _submit_examples(services, data_dir, say)
        _watch(services, ids, supervisor, timeout, say)
    rows = [_row(services, services.get_act(act_id), key) for key, act_id in ids.items()]
    if as_json:
        emit_json({"data_dir": str(data_dir), "acts": rows})
        return
    click.echo(f"\n{'act':<24} {'IDActe':<42} {'sent':<11} {'received':<11} state")
    for row in rows:
        click.echo(
            f"{row['act']:<24} {row['id_acte'] or '-':<42} {row['sent'] or '-':<11} {row['received'] or '-':<11} {row['state']}"
        )
    click.echo(f"\nstore: {data_dir} (try: actes status --data-dir {data_dir})")


def _submit_examples(
    services: Services, data_dir: Path, say: Callable[[str], None]
) -> dict[str, int]:
    from workers.app import app_from_environment

    app = app_from_environment()
    documents = data_dir / "demo"
    documents.mkdir(parents=True, exist_ok=True)
    ids: dict[str, int] = {}
    for example in _EXAMPLES:
        collectivite = Collectivite.from_mapping(example.collectivite, where=example.key)
        services.store.add_collectivite(collectivite)
        numero = normalise_number(example.numero_printed)
        act, created = services.submit(
            NewAct(
                siren=collectivite.siren.value,
                idempotency_key=f"demo:{example.key}",
                numero=numero.numero.value,
                numero_printed=example.numero_printed,
                act_date=example.session_date,
                nature="DE",
                classification=example.classification,
                classification_date=NATIONAL_VERSION,
                objet=example.objet,
                documents=((_pdf(example, documents / f"{example.key}.pdf"), None),),
            )
        )
        ids[example.key] = act.id
        note = (
            f" (number {example.numero_printed!r} sent as {numero.numero.value!r})"
            if numero.changed
            else ""
        )
        say(f"{'submitted' if created else 'already known'}: {example.key} → act {act.id}{note}")
        if act.state is ActState.RECEIVED:
            app.send_task("workers.tasks.package_act", args=[act.id], queue="packaging")
    return ids


def _watch(
    services: Services,
    ids: dict[str, int],
    supervisor: Supervisor,
    timeout: float,
    say: Callable[[str], None],
) -> None:
    seen: dict[int, ActState] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.check_alive()
        for key, act_id in ids.items():
            act = services.get_act(act_id)
            if seen.get(act_id) is not act.state:
                seen[act_id] = act.state
                extra = (
                    f" {act.id_acte}"
                    if act.id_acte
                    else (f" ({act.last_error})" if act.last_error else "")
                )
                say(f"  {key:<24} {act.state.value}{extra}")
        if all(state in _DONE for state in seen.values()) and len(seen) == len(ids):
            return
        time.sleep(0.5)
    raise TransientError(
        f"the accusés de réception did not arrive within {timeout:.0f} s", rule="demo timeout"
    )


def _row(services: Services, act: ActRecord, key: str) -> dict[str, object]:
    sent = next(
        (e.at for e in services.store.events(act.id) if e.to_state == ActState.SUBMITTED.value),
        None,
    )
    return {
        "act": key,
        "id": act.id,
        "numero": act.numero,
        "id_acte": act.id_acte,
        "sent": sent.date().isoformat() if sent else None,
        "received": act.date_reception.isoformat() if act.date_reception else None,
        "state": act.state.value,
        "platform_ref": act.platform_ref,
    }
