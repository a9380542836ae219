"""What the tests set up again and again, in one place: a migrated store with its
collectivités, and the services in front of the real simulator (HTTPS, mutual TLS, the
development PKI) with its control requests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine

from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite, Registry
from workflow.interfaces.cli.supervisor import free_port
from workflow.platform import PlatformConfig
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
CHARTRES = Collectivite.from_mapping(
    {"name": "Chartres", "siren": "212800858", "departement": "028", "emails": ["b@chartres.fr"]}
)


def platform_config(pki: DevPki, port: int) -> PlatformConfig:
    """The development account (client certificate) on the simulator at ``port``."""
    return PlatformConfig(
        base_url=f"https://127.0.0.1:{port}",
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
    )


@contextmanager
def open_store(database_url: str, folder: Path, *collectivites: Collectivite) -> Iterator[SqlStore]:
    """A store at ``database_url`` (migrated), its files under ``folder``, holding
    ``collectivites``; closed after the block."""
    store = SqlStore(migrated(database_url), folder / "files")
    try:
        for collectivite in collectivites:
            store.add_collectivite(collectivite)
        yield store
    finally:
        store.close()


def migrated(database_url: str) -> Engine:
    """An engine on ``database_url``, its schema at the latest migration."""
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    return engine


@contextmanager
def simulated_services(
    pki: DevPki,
    folder: Path,
    database_url: str,
    *,
    known: Iterable[Collectivite] = (DREUX,),
    stored: Iterable[Collectivite] | None = None,
    delays: Delays | None = None,
    **options: Any,
) -> Iterator[Services]:
    """The services (``options``: the rest of :class:`Services`' arguments), their store at
    ``database_url`` (migrated) holding ``stored`` (by default the collectivités the
    platform knows), sending to a simulator whose one development account acts for
    ``known``."""
    known = tuple(known)
    port = free_port()
    simulator = SimulatorOptions(
        port=port,
        state_file=folder / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=delays or Delays(1, 1, 1),
        registry=Registry(known),
    )
    with (
        open_store(database_url, folder, *(known if stored is None else stored)) as store,
        BackgroundSimulator(simulator),
        HttpPlatform(platform_config(pki, port)) as platform,
    ):
        yield Services(store=store, outbox=folder / "outbox", platform=platform, **options)


def control(services: Services, path: str, body: object) -> None:
    """A request to the simulator's control API (``/control/…``), with any JSON body."""
    platform = services.platform
    assert isinstance(platform, HttpPlatform)
    config = platform.config
    requests.post(
        config.base_url + path,
        json=body,
        timeout=10,
        verify=str(config.ca_file),
        cert=(str(config.client_cert), str(config.client_key)),
    ).raise_for_status()
