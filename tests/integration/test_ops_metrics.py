"""The Prometheus metrics, each against the fault it reports: acts stuck in a state, no AR
after two working days, slow ARs, failing platform calls, a growing queue, a broker down, a
certificate expiring, deadlines close — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support import open_store
from workers.app import ALL_QUEUES, create_celery
from workers.health import queue_depths
from workflow.adapters.metrics import StoreCollector, render
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite
from workflow.interfaces.api.app import create_api
from workflow.lifecycle import ActState
from workflow.platform import Attempt
from workflow.signing import Secret
from workflow.store import NewAct
from workflow.usecases import Services

from .test_api import Server

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@x.fr"]}
)
# Wednesday 2026-11-11 is Armistice Day: a holiday, not a working day
MONDAY = dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[SqlStore]:
    with open_store(database_url, tmp_path, DREUX) as store:
        yield store


@pytest.fixture
def new_act(store: SqlStore, pdf_factory: Callable[..., Path]) -> Callable[..., int]:
    counter = iter(range(1000))

    def create(*states: ActState, at: dt.datetime = MONDAY, **fields: object) -> int:
        n = next(counter)
        act, _ = store.create_act(
            NewAct(
                DREUX.siren.value,
                f"k{n}",
                f"M{n}",
                f"M{n}",
                dt.date(2022, 10, 13),
                "DE",
                "8.1",
                dt.date(2019, 3, 1),
                "Objet",
                ((pdf_factory(), None),),
            ),
            at=at,
            actor="test",
        )
        for state in states:
            extra = fields if state is ActState.ACKNOWLEDGED else {}
            store.transition(act.id, state, actor="test", reason="test", at=at, **extra)
        return act.id

    return create


def scrape(collector: StoreCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = render(collector)
    assert content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def collector_at(store: SqlStore, now: dt.datetime, **kwargs: object) -> StoreCollector:
    """A collector at a fixed time; deadlines counted at each scrape unless told otherwise."""
    kwargs.setdefault("deadlines_every", None)
    return StoreCollector(store.engine, store.files_dir, now=lambda: now, **kwargs)  # type: ignore[arg-type]


UP_TO = (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED)


def test_acts_by_state_and_collectivite(store: SqlStore, new_act: Callable[..., int]) -> None:
    new_act()
    new_act(ActState.PACKAGED)
    new_act(ActState.PACKAGED)
    samples = scrape(collector_at(store, MONDAY))
    siren = DREUX.siren.value
    assert samples[("actes_acts", (("siren", siren), ("state", "received")))] == 1
    assert samples[("actes_acts", (("siren", siren), ("state", "packaged")))] == 2


def test_acts_stuck_by_state(store: SqlStore, new_act: Callable[..., int]) -> None:
    new_act(ActState.PACKAGED, at=MONDAY - dt.timedelta(hours=2))
    new_act(ActState.PACKAGED, at=MONDAY - dt.timedelta(minutes=5))
    samples = scrape(collector_at(store, MONDAY, stuck_after=dt.timedelta(hours=1)))
    assert samples[("actes_acts_stuck", (("state", "packaged"),))] == 1
    assert samples[("actes_acts_stuck", (("state", "submitting"),))] == 0


def test_no_ar_after_two_working_days(store: SqlStore, new_act: Callable[..., int]) -> None:
    new_act(*UP_TO, at=MONDAY)  # Monday: Tuesday, (Wednesday is a holiday), Thursday
    key = ("actes_ar_overdue", (("siren", DREUX.siren.value),))
    tuesday_evening = MONDAY + dt.timedelta(days=1, hours=8)
    assert key not in scrape(collector_at(store, tuesday_evening))
    wednesday = MONDAY + dt.timedelta(days=2)
    assert key not in scrape(collector_at(store, wednesday))  # Armistice Day does not count
    thursday = MONDAY + dt.timedelta(days=3)
    assert scrape(collector_at(store, thursday))[key] == 1


def test_submission_to_ar_histogram(store: SqlStore, new_act: Callable[..., int]) -> None:
    act = new_act(*UP_TO, at=MONDAY)
    store.transition(
        act,
        ActState.ACKNOWLEDGED,
        actor="prefecture",
        reason="AR",
        at=MONDAY + dt.timedelta(minutes=10),
        id_acte="028-212801344-20221013-M0-DE",
        date_reception=dt.date(2026, 11, 9),
    )
    samples = scrape(collector_at(store, MONDAY + dt.timedelta(hours=1)))
    name = "actes_submission_to_ar_seconds"
    assert samples[(f"{name}_bucket", (("le", "300.0"),))] == 0
    assert samples[(f"{name}_bucket", (("le", "900.0"),))] == 1
    assert samples[(f"{name}_count", ())] == 1
    assert samples[(f"{name}_sum", ())] == 600


def test_platform_calls_by_endpoint_and_outcome(store: SqlStore) -> None:
    path = "/modules/actes/actes_transac_submit.php"
    for status, error in ((200, None), (200, None), (503, None), (None, "timeout")):
        store.record_attempt(None, Attempt(path, 12, status, "", error), at=MONDAY)
    samples = scrape(collector_at(store, MONDAY))
    endpoint = ("endpoint", "actes_transac_submit.php")
    assert samples[("actes_platform_calls_total", (endpoint, ("outcome", "ok")))] == 2
    assert samples[("actes_platform_calls_total", (endpoint, ("outcome", "http_5xx")))] == 1
    assert samples[("actes_platform_calls_total", (endpoint, ("outcome", "error")))] == 1


def test_deadlines_due_within_2_7_15_days(store: SqlStore, new_act: Callable[..., int]) -> None:
    new_act(
        *UP_TO,
        ActState.ACKNOWLEDGED,
        id_acte="028-212801344-20221013-M0-DE",
        date_reception=dt.date(2022, 10, 18),
    )
    services = Services(store=store, outbox=store.files_dir)
    now = dt.datetime(2022, 12, 10, 9, tzinfo=dt.UTC)
    samples = scrape(collector_at(store, now))
    counts = {h: samples[("actes_deadlines_due", (("within_days", str(h)),))] for h in (2, 7, 15)}
    for horizon, count in counts.items():
        assert count == len(services.law.deadlines(today=now.date(), within_days=horizon))
    assert counts[15] >= 1  # the préfet's déféré runs out on 2022-12-19
    assert counts[2] <= counts[7] <= counts[15]


def test_deadlines_are_counted_in_the_background(
    store: SqlStore, new_act: Callable[..., int]
) -> None:
    new_act(
        *UP_TO,
        ActState.ACKNOWLEDGED,
        id_acte="028-212801344-20221013-M0-DE",
        date_reception=dt.date(2022, 10, 18),
    )
    now = dt.datetime(2022, 12, 10, 9, tzinfo=dt.UTC)
    collector = collector_at(store, now, deadlines_every=dt.timedelta(minutes=10))
    key = ("actes_deadlines_due", (("within_days", "15"),))
    assert key not in scrape(collector)  # the first scrape starts the count, never waits
    assert collector.refreshed.wait(60)
    counted = scrape(collector)
    assert counted[key] >= 1
    assert counted[("actes_deadlines_counted_timestamp_seconds", ())] == now.timestamp()


def test_certificate_days_and_broker(store: SqlStore) -> None:
    def down() -> dict[str, int]:
        raise ConnectionError("broker down")

    fine = scrape(
        collector_at(
            store, MONDAY, queue_depths=lambda: {"packaging": 12}, certificate_days=lambda _: 9.5
        )
    )
    assert fine[("actes_certificate_days_left", ())] == 9.5
    assert fine[("actes_broker_up", ())] == 1
    assert fine[("actes_queue_depth", (("queue", "packaging"),))] == 12
    broken = scrape(collector_at(store, MONDAY, queue_depths=down))
    assert broken[("actes_broker_up", ())] == 0


@pytest.mark.redis
def test_queue_depth_from_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    app = create_celery(redis_url)
    for act_id in range(3):
        app.send_task("workers.tasks.package_act", args=[act_id], queue="packaging")
    try:
        depths = queue_depths(app)
    finally:
        client.flushdb()
        client.close()
    assert depths == {name: 3 if name == "packaging" else 0 for name in ALL_QUEUES}


def test_metrics_endpoint(store: SqlStore, new_act: Callable[..., int]) -> None:
    new_act()
    collector = collector_at(store, MONDAY)
    app = create_api(_no_intake, metrics=lambda: render(collector))
    with Server(app) as server:
        answer = requests.get(f"{server.url}/metrics", timeout=30)
        absent = create_api(_no_intake)
        with Server(absent) as bare:
            assert requests.get(f"{bare.url}/metrics", timeout=10).status_code == 404
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert 'actes_acts{siren="212801344",state="received"} 1.0' in answer.text


def test_metrics_behind_a_token(store: SqlStore) -> None:
    collector = collector_at(store, MONDAY)
    app = create_api(
        _no_intake, metrics=lambda: render(collector), metrics_token=Secret("m3trics-token")
    )
    with Server(app) as server:
        url = f"{server.url}/metrics"
        assert requests.get(url, timeout=30).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(url, headers=wrong, timeout=30).status_code == 401
        right = {"Authorization": "Bearer m3trics-token"}
        assert requests.get(url, headers=right, timeout=30).status_code == 200


def _no_intake() -> Services:
    raise AssertionError("the metrics never build the use cases")


def test_the_example_alerting_rules_use_exported_metrics(store: SqlStore) -> None:
    import re

    import yaml

    from ..conftest import REPO

    body, _ = render(
        collector_at(store, MONDAY, queue_depths=dict, certificate_days=lambda _: 20.0)
    )
    families = list(text_string_to_metric_families(body.decode()))
    exported = {f.name for f in families} | {
        f"{f.name}_total" for f in families if f.type == "counter"
    }
    rules = yaml.safe_load((REPO / "deploy" / "alerts.yml").read_text())["groups"][0]["rules"]
    alerts = {rule["alert"] for rule in rules}
    assert {
        "ActesAccuseDeReceptionLate",
        "ActesCertificateExpiringSoon",
        "ActesQueueGrowing",
    } <= alerts
    for rule in rules:
        for name in re.findall(r"\bactes_\w+", rule["expr"]):
            assert name in exported, f"{rule['alert']} uses {name}, which nothing exports"
