"""Each deadline's status against the clock's day, through the services, the alert sweep and
``actes explain`` (issue 19): a window that closed years ago is « échu », not open."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.alerts import Digest
from workflow.collectivite import Collectivite
from workflow.lifecycle import ActState
from workflow.store import ExchangeRecord, NewAct
from workflow.usecases import Services

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["g@d.fr"]}
)
RECEIVED = dt.date(2022, 10, 18)


class _Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2022, 10, 18, 9, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


class _Collected:
    channel = "memory"

    def __init__(self) -> None:
        self.digests: list[Digest] = []

    def send(self, digest: Digest) -> None:
        self.digests.append(digest)


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def services(tmp_path: Path, pdf_factory: Callable[..., Path], clock: _Clock) -> Iterator[Services]:
    engine = make_engine(f"sqlite:///{tmp_path / 'actes.sqlite3'}")
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    services = Services(store=store, outbox=tmp_path / "outbox", clock=clock)
    new = NewAct(
        "212801344", "k", "DEL2022_148", "DEL2022-148", dt.date(2022, 10, 13), "DE", "8.1",
        dt.date(2019, 3, 1), "ENT", ((pdf_factory(), None),),
    )  # fmt: skip
    act, _ = store.create_act(new, at=clock.now, actor="test")
    for state in (ActState.PACKAGED, ActState.SUBMITTING, ActState.SUBMITTED):
        store.transition(act.id, state, actor="test", reason="test", at=clock.now)
    store.transition(
        act.id,
        ActState.ACKNOWLEDGED,
        actor="prefecture",
        reason="AR",
        at=clock.now,
        id_acte="028-212801344-20221013-DEL2022_148-DE",
        date_reception=RECEIVED,
    )
    services.law.record_publicity(act.id, "electronic", RECEIVED, "https://ville-dreux.fr/actes")
    yield services
    store.close()


def _statuses(services: Services) -> dict[str, tuple[str, int | None]]:
    return {
        d.kind.value: (d.status.value, d.days_left)
        for d in services.law.assess(1).deadlines  # the clock's day
    }


def test_statuses_follow_the_clock(services: Services, clock: _Clock) -> None:
    assert _statuses(services) == {
        "prefet_defere": ("open", 62),
        "third_party_appeal": ("open", 62),
    }
    clock.now = dt.datetime(2026, 11, 29, 9, tzinfo=dt.UTC)
    assert _statuses(services) == {
        "prefet_defere": ("passed", None),
        "third_party_appeal": ("passed", None),
    }
    assert services.law.assess(1).today == dt.date(2026, 11, 29)
    assert services.law.deadlines(today=dt.date(2026, 11, 29), within_days=3660) == []
    # 23:30 UTC on 18 Dec is already 19 Dec in Paris: the legal calendar's day
    clock.now = dt.datetime(2022, 12, 18, 23, 30, tzinfo=dt.UTC)
    assert _statuses(services)["prefet_defere"] == ("open", 0)


def test_an_ended_deadline_is_neither_listed_nor_alerted(services: Services) -> None:
    services.store.record_exchange(
        1, ExchangeRecord("5-1", dt.date(2022, 11, 2), "ref-5-1", None, "déféré")
    )
    defere = next(d for d in services.law.assess(1).deadlines if d.kind.value == "prefet_defere")
    assert defere.status_text == "clos par le déféré du 2 novembre 2022"
    due = services.law.deadlines(today=dt.date(2022, 12, 10), within_days=15)
    assert [d.kind.value for _, d in due] == ["third_party_appeal"]
    collected = _Collected()
    services.alerts.send_alerts(today=dt.date(2022, 12, 10), notifiers=[collected])
    assert [a.kind for d in collected.digests for a in d.alerts] == ["third_party_appeal"]


def test_actes_explain_and_deadlines_show_the_status(services: Services, tmp_path: Path) -> None:
    services.store.record_exchange(
        1, ExchangeRecord("5-1", dt.date(2022, 11, 2), "ref-5-1", None, "déféré")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}

    def actes(command: str, *args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "workflow.interfaces.cli.main", command, *args,
             "--data-dir", str(tmp_path), "--today", "2022-12-07"],
            capture_output=True, text=True, check=False, timeout=60, env=env,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        return run.stdout

    data = json.loads(actes("explain", "1", "--json"))
    assert data["today"] == "2022-12-07"
    found = {d["kind"]: (d["status"], d["days_left"], d["status_text"]) for d in data["deadlines"]}
    assert found == {
        "prefet_defere": ("ended", None, "clos par le déféré du 2 novembre 2022"),
        "third_party_appeal": ("open", 12, "ouvert, J-12"),
    }
    text = actes("explain", "1")
    assert "clos par le déféré du 2 novembre 2022" in text and "ouvert, J-12" in text
    assert "clos : déféré préfectoral au tribunal administratif le 2 novembre 2022" in text
    assert "un recours contentieux devant le tribunal administratif est possible jusqu'au" in text
    assert "Déféré préfectoral au tribunal administratif — 19 décembre 2022" in text
    assert "prefet_defere" not in text and "third_party_appeal" not in text
    env["ACTES_LOCALE"] = "en"
    english = actes("explain", "1")
    assert "ended: the préfet referred the act to the court on 2 November 2022" in english
    assert "ended by the déféré of 2 November 2022" in english and "open, D-12" in english
    assert "The préfet's referral to the court — 19 December 2022" in english
    del env["ACTES_LOCALE"]
    listed = json.loads(actes("deadlines", "--within", "400d", "--json"))["deadlines"]
    assert [(d["kind"], d["status_text"]) for d in listed] == [
        ("third_party_appeal", "ouvert, J-12")
    ]
    assert "ouvert, J-12" in actes("deadlines", "--within", "30d")
