"""Run the simulator with uvicorn: mutual TLS with the dev PKI, or plain local HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from workflow.adapters.simulator import accounts
from workflow.adapters.simulator.app import create_app
from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.adapters.simulator.world import World
from workflow.collectivite import Registry
from workflow.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class SimulatorOptions:
    host: str = "127.0.0.1"
    port: int = 8443
    state_file: Path = Path("actes-data/simulator.sqlite3")
    tls_dir: Path | None = None  # from `actes pki init`: server.pem/server.key/ca.pem
    delays: Delays = field(default_factory=Delays)
    trigramme: str = "SLO"
    registry: Registry | None = None
    archive_submission: bool = False  # a pre-6.0 platform: actes_transac_submit.php works


class CertificateAwareH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, giving each request the SHA-256 of the TLS client
    certificate (``scope["state"]["client_certificate_sha256"]``): S²LOW finds the account
    by it (PROTOCOL.md §6.1)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.app_state = {
            **self.app_state,
            "client_certificate_sha256": hashlib.sha256(der).hexdigest() if der else None,
        }


def build_config(options: SimulatorOptions) -> uvicorn.Config:
    state = SimulatorState(options.state_file, delays=options.delays)
    known = options.registry.collectivites if options.registry else ()
    # one collectivité: its account; several: the development account that acts for each
    accounts.ensure_default(
        state,
        known[0].siren.value if len(known) == 1 else "",
        known[0].name if len(known) == 1 else "développement",
    )
    world = World(
        state,
        trigramme=options.trigramme,
        registry=options.registry,
        archive_submission=options.archive_submission,
    )
    kwargs: dict[str, object] = {}
    if options.tls_dir is not None:
        files = {name: options.tls_dir / name for name in ("server.pem", "server.key", "ca.pem")}
        missing = [str(p) for p in files.values() if not p.is_file()]
        if missing:
            raise ConfigurationError(
                f"TLS files missing: {', '.join(missing)} (create them with `actes pki init DIR`)",
                field="tls-dir",
                value=str(options.tls_dir),
            )
        kwargs = {
            "ssl_certfile": str(files["server.pem"]),
            "ssl_keyfile": str(files["server.key"]),
            "ssl_ca_certs": str(files["ca.pem"]),
            "ssl_cert_reqs": ssl.CERT_REQUIRED,  # mutual TLS: no client certificate, no service
        }
    return uvicorn.Config(
        create_app(world),
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        http=CertificateAwareH11,
        **kwargs,  # type: ignore[arg-type]
    )


class BackgroundSimulator:
    """The simulator in a thread of this process (tests, and the demo's in-process mode)."""

    def __init__(self, options: SimulatorOptions) -> None:
        self.server = uvicorn.Server(build_config(options))
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BackgroundSimulator:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the simulator did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
