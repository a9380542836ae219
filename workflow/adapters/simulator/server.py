"""Run the simulator with uvicorn: mutual TLS with the dev PKI, or plain local HTTP."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

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


def build_config(options: SimulatorOptions) -> uvicorn.Config:
    world = World(
        SimulatorState(options.state_file, delays=options.delays),
        trigramme=options.trigramme,
        registry=options.registry,
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
