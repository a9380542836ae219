"""The fault campaign (issue 14): acts posted to the REST API by two collectivités that use
the same numbers, carried by a worker and a beat over a broker and a store of their own, to
a simulator that answers 5xx, lags and loses replies; the worker is killed with SIGKILL, the
broker and the database are restarted mid-run. Then both sides are counted: every act
acknowledged once, none bound to a transaction it did not send, the store and the simulator
agree. Bounded in time, loopback only; once on Redis + PostgreSQL, once on the embedded
default (SQLite store, SQLite broker)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from workflow.adapters.pki import DevPki, create_dev_pki
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.textpdf import text_pdf
from workflow.adapters.wiring import build_services
from workflow.collectivite import Collectivite
from workflow.errors import TransientError
from workflow.interfaces.cli.supervisor import (
    Child,
    Supervisor,
    actes_argv,
    free_port,
    port_open,
    wait_until,
)
from workflow.lifecycle import ActState
from workflow.settings import Settings
from workflow.tokens import issue_token
from workflow.usecases import Services

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

A = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
B = Collectivite.from_mapping(
    {"name": "Chartres", "siren": "212800858", "departement": "028", "emails": ["b@chartres.fr"]}
)
ACTS_PER_COLLECTIVITE = 8
FAULTS = {"error_rate": 0.2, "lost_reply_rate": 0.2, "latency_ms": 30}
DEADLINE_SECONDS = 240


# --------------------------------------------------------------------------- servers of our own


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return found[-1].parent if found else None


def _as_postgres_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as ``postgres`` when we are root."""
    import os

    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class OwnPostgres:
    def __init__(self, supervisor: Supervisor, base: Path) -> None:
        binaries = _postgres_bin()
        if binaries is None or shutil.which("runuser") is None:
            pytest.skip("PostgreSQL server binaries not found")
        self.supervisor, self.bin = supervisor, binaries
        self.port = free_port()
        # its own directory outside pytest's (mode 700, root's): the postgres user must enter it
        self.dir = Path(tempfile.mkdtemp(prefix="actes-chaos-pg-"))
        if _is_root():
            shutil.chown(self.dir, "postgres")
        import subprocess

        subprocess.run(
            _as_postgres_user(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(self.dir / "data"),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.child: Child | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.child = self.supervisor.start(
            "postgres",
            _as_postgres_user(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(self.dir / "data"),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.dir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                ]
            ),
        )
        wait_until(lambda: port_open(self.port), timeout=60, what="PostgreSQL")

    def restart(self) -> None:
        assert self.child is not None
        _stop(self.supervisor, self.child, signal.SIGINT)  # fast shutdown: clients cut off
        self.start()

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    def __init__(self, supervisor: Supervisor) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server not found")
        self.supervisor = supervisor
        self.port = free_port()
        self.child: Child | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.child = self.supervisor.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        wait_until(lambda: port_open(self.port), timeout=30, what="Redis")

    def restart(self) -> None:
        assert self.child is not None
        _stop(self.supervisor, self.child, signal.SIGKILL)  # every queued message is lost
        self.start()


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def _stop(supervisor: Supervisor, child: Child, sig: signal.Signals) -> None:
    import os

    os.killpg(child.process.pid, sig)
    child.process.wait(timeout=30)
    supervisor.children.remove(child)


# --------------------------------------------------------------------------- the campaign


class Campaign:
    def __init__(self, supervisor: Supervisor, base: Path, pki: DevPki, env: dict[str, str]):
        self.supervisor, self.base, self.pki = supervisor, base, pki
        self.sim_port = free_port()
        self.api_port = free_port()
        self.env = {
            **env,
            "ACTES_DATA_DIR": str(base / "data"),
            "ACTES_PLATFORM_URL": f"https://127.0.0.1:{self.sim_port}",
            "ACTES_PLATFORM_CA": str(pki.ca_cert),
            "ACTES_PLATFORM_CERT": str(pki.client_cert),
            "ACTES_PLATFORM_KEY": str(pki.client_key),
            "ACTES_POLL_SECONDS": "1",
            "ACTES_SWEEP_SECONDS": "3",
        }
        self.sim_state = base / "sim.sqlite3"

    def start(self, monkeypatch: pytest.MonkeyPatch) -> Services:
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        services = build_services(Settings(), actor="chaos")
        for collectivite in (A, B):
            services.store.add_collectivite(collectivite)
        registry = self.base / "registry.toml"  # one development account for both
        registry.write_text(
            "".join(
                f'[[collectivite]]\nname = "{c.name}"\nsiren = "{c.siren.value}"\n'
                f'departement = "028"\nemails = ["greffe@example.fr"]\n\n'
                for c in (A, B)
            ),
            encoding="utf-8",
        )
        self.supervisor.start(
            "simulator",
            actes_argv(
                "simulator",
                "--tls-dir",
                str(self.pki.directory),
                "--port",
                str(self.sim_port),
                "--state",
                str(self.sim_state),
                "--delay",
                "0.3",
                "--registry",
                str(registry),
            ),
        )
        wait_until(lambda: port_open(self.sim_port), timeout=30, what="simulator")
        self.worker = self._start("worker", "worker")
        self._start("beat", "beat")
        self._start("api", "serve", "--port", str(self.api_port))
        wait_until(lambda: port_open(self.api_port), timeout=60, what="REST API")
        return services

    def _start(self, name: str, *command: str) -> Child:
        data = ["--data-dir", self.env["ACTES_DATA_DIR"]]
        return self.supervisor.start(
            name, actes_argv(command[0], *data, *command[1:]), env=self.env
        )

    def control(self, path: str, body: dict[str, object]) -> None:
        requests.post(
            f"https://127.0.0.1:{self.sim_port}{path}",
            json=body,
            timeout=10,
            verify=str(self.pki.ca_cert),
            cert=(str(self.pki.client_cert), str(self.pki.client_key)),
        ).raise_for_status()

    def kill_worker(self) -> None:
        _stop(self.supervisor, self.worker, signal.SIGKILL)
        self.worker = self._start("worker2", "worker")

    def post(self, token: str, siren: str, index: int) -> int:
        """Post one act until the API answers (it may be down while the database restarts)."""
        number = f"C{index}"
        metadata = {
            "siren": siren,
            "numero": number,
            "date": "2026-01-05",
            "nature": "DE",
            "classification": "7.1",
            "classification_date": "2019-03-01",
            # half the numbers carry the same objet on both sides: only the SIREN differs
            "objet": f"Objet commun {index}" if index % 2 else f"Objet {siren} {index}",
        }
        pdf = text_pdf(f"Délibération {number}\n{metadata['objet']}\nLe conseil municipal")
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = requests.post(
                    f"http://127.0.0.1:{self.api_port}/api/acts",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": number},
                    files={"document": (f"{number}.pdf", pdf, "application/pdf")},
                    data={"metadata": json.dumps(metadata)},
                    timeout=30,
                )
                if answer.status_code in (200, 201):
                    act_id: int = answer.json()["act"]["id"]
                    return act_id
                assert answer.status_code >= 500, answer.text  # only "not now" is retried
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"the API never took {siren} {number}"
            time.sleep(0.5)

    def platform_side(self) -> list[sqlite3.Row]:
        with sqlite3.connect(self.sim_state) as db:
            db.row_factory = sqlite3.Row
            return db.execute(
                "SELECT id, siren, number, status, id_acte FROM transactions WHERE type = 1"
            ).fetchall()


@contextmanager
def _campaign(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Supervisor, Campaign, Services]]:
    pki = create_dev_pki(tmp_path / "pki")
    with Supervisor(tmp_path / "logs") as supervisor:
        campaign = Campaign(supervisor, tmp_path, pki, env)
        services = campaign.start(monkeypatch)
        try:
            yield supervisor, campaign, services
        finally:
            services.close()


def _run(
    campaign: Campaign,
    services: Services,
    disrupt: list[Callable[[], None]],
) -> list[int]:
    stamp = dt.datetime.now(dt.UTC)
    tokens = {
        c.siren.value: issue_token(services.store, "chaos", [c.siren.value], at=stamp)[1]
        for c in (A, B)
    }
    campaign.control("/control/faults", FAULTS)
    ids: list[int] = []
    for index in range(ACTS_PER_COLLECTIVITE):
        for siren, token in tokens.items():
            ids.append(campaign.post(token, siren, index))
        if index < len(disrupt):
            disrupt[index]()  # a kill or a restart while work is in flight

    def all_in(states: set[ActState]) -> bool:
        try:
            return all(services.store.get_act(i).state in states for i in ids)
        except Exception:  # noqa: BLE001 - the store may be restarting
            return False

    sent = {ActState.SUBMITTED, ActState.TRANSMITTED, ActState.ACKNOWLEDGED}
    # faults until every act was sent through them (or a minute): then the platform heals
    with contextlib.suppress(TransientError):
        wait_until(lambda: all_in(sent), timeout=60, what="every act sent", interval=1)
    campaign.control("/control/faults", {})

    def finished() -> bool:
        return all_in({ActState.ACKNOWLEDGED})

    wait_until(finished, timeout=DEADLINE_SECONDS, what="every accusé de réception", interval=1)
    return ids


def _count_both_sides(campaign: Campaign, services: Services, ids: list[int]) -> None:
    acts = [services.store.get_act(i) for i in ids]
    assert len(acts) == 2 * ACTS_PER_COLLECTIVITE
    for act in acts:  # acknowledged once
        events = [e.to_state for e in services.store.events(act.id)]
        assert events.count("acknowledged") == 1, (act.numero, events)
    platform = {str(row["id"]): row for row in campaign.platform_side()}
    assert len(platform) == len(acts)  # nothing sent twice, nothing lost
    assert len({a.platform_ref for a in acts}) == len(acts)
    for act in acts:  # each bound to the transaction it sent
        row = platform[str(act.platform_ref)]
        assert (row["siren"], row["number"]) == (act.siren, act.numero)
        assert row["id_acte"] == act.id_acte and act.id_acte is not None
        assert act.id_acte.split("-")[1] == act.siren
        assert row["status"] == 4
    store = services.store
    assert isinstance(store, SqlStore)
    faults = [a.http_status for act in acts for a in store.attempts(act.id)]
    recovered = [a for a in acts if any("lost reply" in e.reason for e in store.events(a.id))]
    print(
        f"campaign: {len(acts)} acts, {faults.count(503)} × 503, {faults.count(504)} lost "
        f"replies, {len(recovered)} recovered after a lost reply"
    )
    assert faults.count(503) + faults.count(504) >= 3  # the faults did bite


def test_campaign_on_redis_and_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Supervisor(tmp_path / "own") as own:
        postgres = OwnPostgres(own, tmp_path)
        try:
            redis = OwnRedis(own)
            env = {"ACTES_DATABASE_URL": postgres.url, "ACTES_BROKER_URL": redis.url}
            with _campaign(tmp_path, env, monkeypatch) as (_, campaign, services):
                disrupt = [campaign.kill_worker, redis.restart, postgres.restart]
                ids = _run(campaign, services, disrupt)
                _count_both_sides(campaign, services, ids)
        finally:
            own.stop_all()
            postgres.remove()


def test_campaign_on_the_embedded_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTES_DATABASE_URL", raising=False)
    monkeypatch.delenv("ACTES_BROKER_URL", raising=False)
    with _campaign(tmp_path, {}, monkeypatch) as (_, campaign, services):
        ids = _run(campaign, services, [campaign.kill_worker, campaign.kill_worker])
        _count_both_sides(campaign, services, ids)
