"""The engine with real processes: Celery over Redis, the store on PostgreSQL, the simulator
over HTTPS. A worker is killed mid-run and the broker is flushed: the sweep recovers, every
act reaches its accusé de réception, and none is transmitted twice."""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.support import DREUX
from workflow.adapters.pki import create_dev_pki
from workflow.adapters.wiring import build_services
from workflow.interfaces.cli.supervisor import (
    Supervisor,
    actes_argv,
    free_port,
    port_open,
    wait_until,
)
from workflow.lifecycle import ActState
from workflow.platform import PlatformStatus
from workflow.settings import Settings
from workflow.store import NewAct

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


def test_worker_killed_and_broker_flushed(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    pdf_factory: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pki = create_dev_pki(tmp_path / "pki")
    port = free_port()
    env = {
        "ACTES_DATA_DIR": str(tmp_path / "data"),
        "ACTES_DATABASE_URL": postgres_url,
        "ACTES_BROKER_URL": redis_url,
        "ACTES_PLATFORM_URL": f"https://127.0.0.1:{port}",
        "ACTES_PLATFORM_CA": str(pki.ca_cert),
        "ACTES_PLATFORM_CERT": str(pki.client_cert),
        "ACTES_PLATFORM_KEY": str(pki.client_key),
        "ACTES_POLL_SECONDS": "1",
        "ACTES_SWEEP_SECONDS": "3",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()
    services = build_services(Settings(), actor="test")
    services.store.add_collectivite(DREUX)
    ids = []
    for index in range(5):
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                f"k{index}",
                f"W{index}",
                f"W{index}",
                dt.date(2026, 1, 5),
                "DE",
                "8.1",
                dt.date(2019, 3, 1),
                "Objet",
                ((pdf_factory(), None),),
            )
        )
        ids.append(act.id)
    from workers.app import app_from_environment

    app = app_from_environment()
    for act_id in ids:
        app.send_task("workers.tasks.package_act", args=[act_id], queue="packaging")
    broker.flushdb()  # the broker loses every message: only the store knows the work
    data_dir = tmp_path / "data"
    registry = tmp_path / "registry.toml"  # the platform knows the account's collectivité
    registry.write_text(
        '[[collectivite]]\nname = "Dreux"\nsiren = "212801344"\ndepartement = "028"\n'
        'emails = ["a@dreux.fr"]\n'
    )
    with Supervisor(tmp_path / "logs") as supervisor:
        supervisor.start(
            "simulator",
            actes_argv(
                "simulator",
                "--tls-dir",
                str(pki.directory),
                "--port",
                str(port),
                "--state",
                str(tmp_path / "sim.sqlite3"),
                "--delay",
                "0.5",
                "--registry",
                str(registry),
            ),
        )
        wait_until(lambda: port_open(port), timeout=30, what="simulator", supervisor=supervisor)
        first = supervisor.start(
            "worker", actes_argv("worker", "--data-dir", str(data_dir)), env=env
        )
        supervisor.start("beat", actes_argv("beat", "--data-dir", str(data_dir)), env=env)
        wait_until(
            lambda: any(services.store.get_act(i).state is not ActState.RECEIVED for i in ids),
            timeout=60,
            what="first progress",
            supervisor=supervisor,
        )
        first.process.send_signal(signal.SIGKILL)  # killed mid-run, wherever it was
        first.process.wait(timeout=10)
        supervisor.children.remove(first)
        supervisor.start("worker2", actes_argv("worker", "--data-dir", str(data_dir)), env=env)

        def all_acknowledged() -> bool:
            return all(services.store.get_act(i).state is ActState.ACKNOWLEDGED for i in ids)

        wait_until(
            all_acknowledged, timeout=120, what="every accusé de réception", supervisor=supervisor
        )
        platform = services.platform
        assert platform is not None
        numbers = [
            t.number
            for t in platform.list_transactions(PlatformStatus.ACQUITTEMENT_RECU, limit=100)
        ]
    assert sorted(numbers) == [f"W{i}" for i in range(5)]  # each act transmitted exactly once
    assert len({services.store.get_act(i).platform_ref for i in ids}) == 5
    broker.flushdb()
    broker.close()
    services.close()
