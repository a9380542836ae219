"""``actes simulator``, ``actes send``, ``actes platform-status``: the platform from a terminal."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import uvicorn

from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import SimulatorOptions, build_config
from workflow.adapters.simulator.state import Delays
from workflow.collectivite import load_registry
from workflow.errors import InvalidInput
from workflow.interfaces.cli.app import cli, command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for
from workflow.platform import PlatformConfig, SubmitMode
from workflow.usecases.transmission import form_from_package


@command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8443, show_default=True)
@click.option(
    "--tls-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="PKI from `actes pki init` (HTTPS, client certificates required).",
)
@click.option(
    "--http",
    "plain_http",
    is_flag=True,
    help="Plain HTTP, no authentication (local development only).",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=lambda: Path(os.environ.get("ACTES_DATA_DIR", "actes-data")) / "simulator.sqlite3",
    show_default="$ACTES_DATA_DIR/simulator.sqlite3 (./actes-data)",
)
@click.option(
    "--registry",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Refuse collectivités not listed (envelope anomaly).",
)
@click.option(
    "--delay",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds spent in each of statuses 1, 2 and 3.",
)
@click.option("--trigramme", default="SLO", show_default=True)
@click.option(
    "--archive-submission",
    is_flag=True,
    help="Play a pre-6.0 S²LOW that still takes archives (actes_transac_submit.php).",
)
def simulator_command(
    host: str,
    port: int,
    tls_dir: Path | None,
    plain_http: bool,
    state_file: Path,
    registry: Path | None,
    delay: float,
    trigramme: str,
    archive_submission: bool,
) -> None:
    """Play the tiers de télétransmission and the préfecture (S²LOW's API) on this machine."""
    if (tls_dir is None) == (not plain_http):
        raise InvalidInput(
            "choose --tls-dir DIR (HTTPS) or --http (local development)",
            field="tls-dir",
            rule="exactly one of --tls-dir and --http",
        )
    options = SimulatorOptions(
        host=host,
        port=port,
        state_file=state_file,
        tls_dir=tls_dir,
        delays=Delays(delay, delay, delay),
        trigramme=trigramme,
        registry=load_registry(registry) if registry else None,
        archive_submission=archive_submission,
    )
    scheme = "https" if tls_dir else "http"
    click.echo(f"simulator listening on {scheme}://{host}:{port} (state {state_file})", err=True)
    uvicorn.Server(build_config(options)).run()


def _platform(url: str, ca: Path | None, cert: Path | None, key: Path | None) -> HttpPlatform:
    return HttpPlatform(PlatformConfig(base_url=url, ca_file=ca, client_cert=cert, client_key=key))


def platform_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--platform",
                "url",
                required=True,
                envvar="ACTES_PLATFORM_URL",
                show_envvar=True,
                help="Base URL, e.g. https://127.0.0.1:8443",
            ),
            click.option(
                "--ca",
                type=click.Path(path_type=Path, dir_okay=False),
                envvar="ACTES_PLATFORM_CA",
                show_envvar=True,
                help="CA file to trust.",
            ),
            click.option(
                "--cert",
                type=click.Path(path_type=Path, dir_okay=False),
                envvar="ACTES_PLATFORM_CERT",
                show_envvar=True,
                help="Client certificate (mutual TLS).",
            ),
            click.option(
                "--key",
                type=click.Path(path_type=Path, dir_okay=False),
                envvar="ACTES_PLATFORM_KEY",
                show_envvar=True,
                help="Client key.",
            ),
            click.option("--json", "as_json", is_flag=True),
        ]
    ):
        function = option(function)
    return function


@command("send")
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--mode",
    type=click.Choice([m.value for m in SubmitMode]),
    default=SubmitMode.FORM.value,
    show_default=True,
    help="form: the package posted field by field (S²LOW ≥ 6.0); archive: pre-6.0 platforms.",
)
@platform_options
def send_command(
    archive: Path,
    mode: str,
    url: str,
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
    as_json: bool,
) -> None:
    """Submit a packaged archive to the platform; print the transaction id."""
    platform = _platform(url, ca, cert, key)
    if SubmitMode(mode) is SubmitMode.ARCHIVE:
        result = platform.submit_archive(archive)
    else:
        with tempfile.TemporaryDirectory() as work:
            result = platform.submit_form(form_from_package(archive, Path(work)))
    if as_json:
        emit_json(
            {
                "transaction_id": result.transaction_id,
                "http_status": result.attempt.http_status,
                "duration_ms": result.attempt.duration_ms,
            }
        )
    else:
        click.echo(result.transaction_id)


@command("platform-status")
@click.option("--transaction", help="Transaction id returned by `actes send`.")
@click.option("--id-acte", help="Or the act's IDActe (from its accusé de réception).")
@platform_options
def platform_status_command(
    transaction: str | None,
    id_acte: str | None,
    url: str,
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
    as_json: bool,
) -> None:
    """Read a transaction's status (and the ARActe once acknowledged)."""
    if not transaction and not id_acte:
        raise InvalidInput(
            "--transaction ID or --id-acte IDACTE is required", field="transaction", rule="required"
        )
    platform = _platform(url, ca, cert, key)
    report = (
        platform.get_status(transaction)
        if transaction
        else platform.get_status(str(id_acte), by_id_acte=True)
    )
    data = {
        "transaction_id": report.transaction_id,
        "status": int(report.status),
        "status_name": report.status.name,
        "error": report.error_text,
        "message_xml": report.message_xml.decode("iso-8859-1") if report.message_xml else None,
    }
    if as_json:
        emit_json(data)
    else:
        click.echo(
            f"{report.transaction_id}: {int(report.status)} {report.status.name}"
            + (f" — {report.error_text}" if report.error_text else "")
        )


@cli.group("platform")
def platform_group() -> None:
    """The platform account: check the certificate, post an act parked in 17."""


@platform_group.command("confirm")
@click.argument("act", type=int)
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def platform_confirm_command(act: int, data_dir: Path, as_json: bool) -> None:
    """Post an act the platform holds in 17 « En attente d'être postée » (17 → 1); needs the
    account's TT right and an RGS certificate."""
    from workflow.adapters.wiring import build_services

    record = build_services(settings_for(data_dir), actor="cli").platform_access.confirm(act)
    if as_json:
        emit_json(record.as_dict())
        return
    click.echo(f"act {record.id} ({record.numero}) posted on the platform (17 → 1)")


@platform_group.command("check")
@click.argument("siren_argument", metavar="[SIREN]", required=False)
@click.option("--siren", help="The collectivité whose account to check (default: every account).")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def platform_check_command(
    siren_argument: str | None, siren: str | None, data_dir: Path, as_json: bool
) -> None:
    """Call test-connexion and info-connexion: which account and collectivité each certificate
    opens (each account bound to a collectivité, and the global one), and whether it is the
    collectivité's. Exit 4 when one is not."""
    from workflow.adapters.wiring import build_services
    from workflow.errors import SecurityError

    services = build_services(settings_for(data_dir), actor="cli")
    siren = siren or siren_argument
    if siren is not None:
        results = [services.platform_access.check(siren)]
    else:
        results = services.platform_access.check_all()
    if as_json:
        emit_json(
            results[0]
            if len(results) == 1
            else {"accounts": results, "matches": all(r.get("matches") for r in results)}
        )
    else:
        for result in results:
            _echo_check(result)
    wrong = [r for r in results if r.get("matches") is False]
    if wrong:
        raise SecurityError(
            "; ".join(
                f"the platform certificate opens {r['authority']!r}, not {r['collectivite']!r}"
                for r in wrong
            ),
            field="platform_cert",
            rule="the certificate of the collectivité",
        )


def _echo_check(result: dict[str, object]) -> None:
    if result.get("siren"):
        click.echo(f"SIREN {result['siren']}:")
    click.echo(f"test-connexion: {'OK' if result['test_connexion'] else 'KO'}")
    click.echo(f"account: {result['login']} — {result['authority']} ({result['department']})")
    if "matches" in result:
        verdict = "is" if result["matches"] else "is NOT"
        click.echo(f"the certificate {verdict} the one of {result['collectivite']}")
