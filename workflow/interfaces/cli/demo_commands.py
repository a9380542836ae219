"""``actes demo``: the main job, end to end, on the embedded default (no server to install).

It creates a development PKI, starts the platform simulator (HTTPS, client certificates), a
Celery worker and beat on the embedded SQLite broker and the REST API, then does what the
deliberation software does after a vote: it posts each of three example deliberations (PDFs
generated from ``demo_texts/``, written after real ones) to ``POST /api/acts`` with a
token — the document only, no metadata: number, date, objet, nature, collectivité and
classification are read from the document. It shows progress as the acts are packaged,
signed, sent and acknowledged, and prints a table: act, IDActe, sent, received, state. Its
child processes are stopped on exit and on Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

import click
import requests

from workflow.adapters.pki import create_dev_pki
from workflow.adapters.textpdf import text_pdf
from workflow.adapters.wiring import build_services, build_users
from workflow.collectivite import Collectivite
from workflow.errors import TransientError
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
from workflow.settings import Settings
from workflow.store import ActRecord
from workflow.tokens import issue_token
from workflow.usecases import Services
from workflow.users import create_user

# The collectivités of the examples. Dole's and Saint-Ambroix's SIRENs are not in the
# reference material: the demo uses clearly fictitious numbers that pass the Luhn check.
_COLLECTIVITES = (
    {
        "name": "Ville de Dreux",
        "siren": "212801344",
        "departement": "028",
        "emails": ["actes@demo.invalid.fr"],
    },
    {
        "name": "Ville de Dole (démo)",
        "siren": "000000018",
        "departement": "039",
        "emails": ["actes@demo.invalid.fr"],
    },
    {
        "name": "Commune de Saint-Ambroix (démo)",
        "siren": "000000026",
        "departement": "030",
        "emails": ["actes@demo.invalid.fr"],
    },
)
_EXAMPLES = ("dreux-2022-148", "dole-15-09-03-35", "saint-ambroix-2021-100")
_TEXTS = Path(__file__).with_name("demo_texts")


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
@click.option(
    "--keep-running",
    is_flag=True,
    help="Leave the pages, the API, the workers and the simulator up until Ctrl-C.",
)
def demo_command(data_dir: Path, timeout: float, as_json: bool, keep_running: bool) -> None:
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
            "ACTES_WEB_SECURE_COOKIES": "false",  # the demo serves the pages over plain http
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
                "--registry",
                str(_simulator_registry(data_dir)),
            ),
        )
        wait_until(
            lambda: port_open(port), timeout=30, what="platform simulator", supervisor=supervisor
        )
        say(f"platform simulator on https://127.0.0.1:{port} (mutual TLS)")
        supervisor.start("worker", actes_argv("worker", "--data-dir", str(data_dir)))
        supervisor.start("beat", actes_argv("beat", "--data-dir", str(data_dir)))
        api_port = free_port()
        supervisor.start(
            "api", actes_argv("serve", "--data-dir", str(data_dir), "--port", str(api_port))
        )
        wait_until(lambda: port_open(api_port), timeout=30, what="REST API", supervisor=supervisor)
        say(f"REST API on http://127.0.0.1:{api_port}/api")
        ids = _post_examples(services, data_dir, f"http://127.0.0.1:{api_port}", say)
        _watch(services, ids, supervisor, timeout, say)
        password = _demo_user(services, Settings())
        _report(services, ids, data_dir, as_json)
        say(
            f"\nclerks' pages: http://127.0.0.1:{api_port}/  "
            f"(login: {DEMO_LOGIN}, password: {password})"
        )
        if keep_running:
            say("the pages, the API, the workers and the simulator stay up: Ctrl-C to stop")
            while True:
                supervisor.check_alive()
                time.sleep(1)


DEMO_LOGIN = "demo"
_DEMO_PASSWORD = "demo-actes-2022"  # noqa: S105 - a TEST login on the local demo store only


def _demo_user(services: Services, settings: Settings) -> str:
    """A demo agent for the three collectivités (created once; the password is printed)."""
    users = build_users(settings)
    if users.user_by_login(DEMO_LOGIN) is None:
        create_user(
            users,
            services.store,
            login=DEMO_LOGIN,
            name="Agent de démonstration",
            role="agent",
            sirens=[str(c["siren"]) for c in _COLLECTIVITES],
            password=_DEMO_PASSWORD,
            at=dt.datetime.now(dt.UTC),
        )
    return _DEMO_PASSWORD


def _report(services: Services, ids: dict[str, int], data_dir: Path, as_json: bool) -> None:
    rows = [_row(services, services.store.get_act(act_id), key) for key, act_id in ids.items()]
    if as_json:
        emit_json({"data_dir": str(data_dir), "acts": rows})
        return
    click.echo(f"\n{'act':<24} {'IDActe':<42} {'sent':<11} {'received':<11} state")
    for row in rows:
        click.echo(
            f"{row['act']:<24} {row['id_acte'] or '-':<42} {row['sent'] or '-':<11} {row['received'] or '-':<11} {row['state']}"
        )
    click.echo(f"\nstore: {data_dir} (try: actes status --data-dir {data_dir})")


def _simulator_registry(data_dir: Path) -> Path:
    """The collectivités the simulated platform has accounts for (form mode: S²LOW knows the
    collectivité from the account, not from the form)."""
    path = data_dir / "simulator-collectivites.toml"
    lines = []
    for data in _COLLECTIVITES:
        emails = ", ".join(f'"{e}"' for e in data["emails"])
        lines += [
            "[[collectivite]]",
            f'name = "{data["name"]}"',
            f'siren = "{data["siren"]}"',
            f'departement = "{data["departement"]}"',
            f"emails = [{emails}]",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _post_examples(
    services: Services, data_dir: Path, api: str, say: Callable[[str], None]
) -> dict[str, int]:
    """Post each example PDF as the deliberation software would: the document, a token, a key."""
    for data in _COLLECTIVITES:
        services.store.add_collectivite(Collectivite.from_mapping(data, where="demo"))
    token_id, token = issue_token(
        services.store,
        "demo",
        [str(c["siren"]) for c in _COLLECTIVITES],
        at=dt.datetime.now(dt.UTC),
    )
    documents = data_dir / "demo"
    documents.mkdir(parents=True, exist_ok=True)
    ids: dict[str, int] = {}
    try:
        for key in _EXAMPLES:
            pdf = documents / f"{key}.pdf"
            if not pdf.exists():  # generated once: the same bytes on a re-run
                pdf.write_bytes(text_pdf((_TEXTS / f"{key}.txt").read_text(encoding="utf-8")))
            with pdf.open("rb") as stream:
                response = requests.post(
                    f"{api}/api/acts",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"demo:{key}"},
                    files={"document": (pdf.name, stream, "application/pdf")},
                    timeout=60,
                )
            body = response.json()
            if response.status_code not in (200, 201):
                problems = "; ".join(
                    f"{p['field']}: {p['message']}" for p in body.get("problems", [])
                ) or body.get("message", "")
                raise TransientError(
                    f"{key}: the API answered {response.status_code}: {problems}",
                    rule="demo submission",
                )
            act = body["act"]
            ids[key] = act["id"]
            values = body["draft"]["values"]
            say(
                f"{'posted' if response.status_code == 201 else 'already known'}: {key} → act {act['id']} "
                f"(read from the document: n° {values.get('numero_printed')}, {values.get('date')}, "
                f"classification {values.get('classification')})"
            )
            for problem in body["problems"]:
                say(f"    {problem['severity']}: {problem['field']}: {problem['message']}")
    finally:
        services.store.revoke_token(token_id, at=dt.datetime.now(dt.UTC))
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
            act = services.store.get_act(act_id)
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
