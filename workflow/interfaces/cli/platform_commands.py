"""``actes simulator``, ``actes send``, ``actes platform-status``: the platform from a terminal."""

from __future__ import annotations

import os
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
from workflow.interfaces.cli.app import command, emit_json
from workflow.platform import PlatformConfig


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
def simulator_command(
    host: str,
    port: int,
    tls_dir: Path | None,
    plain_http: bool,
    state_file: Path,
    registry: Path | None,
    delay: float,
    trigramme: str,
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
@platform_options
def send_command(
    archive: Path, url: str, ca: Path | None, cert: Path | None, key: Path | None, as_json: bool
) -> None:
    """Submit a packaged archive to the platform; print the transaction id."""
    result = _platform(url, ca, cert, key).submit_archive(archive)
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
