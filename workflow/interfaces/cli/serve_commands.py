"""The web application: ``actes serve`` (the clerks' pages and the REST API) and
``actes openapi``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from workflow.adapters.wiring import build_intake
from workflow.intake.service import Intake
from workflow.interfaces.cli.app import command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for


@command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option(
    "--max-body-mb", type=int, default=151, show_default=True, help="Largest request accepted."
)
@click.option(
    "--certfile",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Serve HTTPS (else put it behind a TLS proxy).",
)
@click.option("--keyfile", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
def serve_command(
    host: str,
    port: int,
    max_body_mb: int,
    certfile: Path | None,
    keyfile: Path | None,
    data_dir: Path,
) -> None:
    """Serve the clerks' pages (/) and the REST API (/api; description at /api/openapi.json)."""
    import uvicorn

    from workers.app import build_enqueue
    from workflow.interfaces.api.app import create_api
    from workflow.interfaces.cli.user_commands import web_options

    settings = settings_for(data_dir)
    app = create_api(
        lambda: build_intake(settings, actor="api"),
        enqueue=build_enqueue(settings),
        max_body_bytes=max_body_mb * 1024 * 1024,
        upload_dir=_upload_dir(settings.data_dir),
        web=web_options(settings),
    )
    tls: dict[str, Any] = (
        {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)} if certfile else {}
    )
    uvicorn.run(app, host=host, port=port, log_level="info", **tls)


def _upload_dir(data_dir: Path) -> Path:
    directory = data_dir / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@command("openapi")
def openapi_command() -> None:
    """Print the REST API's OpenAPI description (JSON)."""
    from workflow.interfaces.api.app import create_api, openapi_document

    def no_intake() -> Intake:
        raise RuntimeError("not used to describe the API")

    emit_json(openapi_document(create_api(no_intake)))


# --------------------------------------------------------------------------- nomenclature
