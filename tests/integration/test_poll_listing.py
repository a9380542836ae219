"""The poll against a day of acknowledgements: S²LOW's listing rules, as the simulator holds
them (one test each), and what the poll builds on them — its cost follows what is pending
and what changed, never the day's volume, and it misses nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import DREUX
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import PARIS, Delays, SimulatorState
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Registry
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.platform import (
    ListedTransaction,
    ListingWindow,
    PlatformConfig,
    PlatformStatus,
    StatusReport,
)
from workflow.store import NewAct
from workflow.usecases import Services
from workflow.usecases.context import utc_now
from workflow.usecases.listing import passed

ACKNOWLEDGED = PlatformStatus.ACQUITTEMENT_RECU


class Counting(HttpPlatform):
    """The real client, keeping the listings and status requests it made."""

    def __init__(self, config: PlatformConfig) -> None:
        super().__init__(config)
        self.calls: list[tuple[str, int]] = []

    def list_transactions(self, status: PlatformStatus, **kwargs: Any) -> list[ListedTransaction]:
        self.calls.append(("list", int(status)))
        return super().list_transactions(status, **kwargs)

    def get_status(self, transaction_id: str, *, by_id_acte: bool = False) -> StatusReport:
        self.calls.append(("get_status", int(transaction_id)))
        return super().get_status(transaction_id, by_id_acte=by_id_acte)

    def pages(self, status: PlatformStatus) -> int:
        return self.calls.count(("list", int(status)))

    def asked(self) -> list[int]:
        return [ref for kind, ref in self.calls if kind == "get_status"]


@dataclasses.dataclass
class Sim:
    state: SimulatorState
    platform: Counting
    services: Services
    store: SqlStore
    pdf: Path

    def send(self, number: str) -> int:
        """An act through the real path (package, form-mode send): it reaches status 3 at
        the next request and stays there until :meth:`acknowledge`."""
        services = self.services
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                f"k-{number}",
                number,
                number,
                dt.date(2026, 1, 5),
                "DE",
                "8.1",
                dt.date(2019, 3, 1),
                "Délibération de test",
                ((self.pdf, None),),
            )
        )
        services.submission.package(act.id)
        services.transmission.transmit(act.id)
        return act.id

    def ref(self, act_id: int) -> int:
        return int(self.store.get_act(act_id).platform_ref or 0)

    def acknowledge(self, *act_ids: int) -> None:
        """The préfecture answers these acts at the simulator's next request."""
        with self.state.transaction() as db:
            db.executemany(
                "UPDATE transactions SET status_at = status_at - 7200 WHERE id = ?",
                [(self.ref(a),) for a in act_ids],
            )

    def history(self, count: int, at: float) -> None:
        """``count`` transactions acknowledged at ``at`` (one in ten not an act)."""
        rows = [
            (6 if i % 10 == 0 else 1, "212801344", f"H{i}", "2025-01-05", at, at)
            for i in range(count)
        ]
        with self.state.transaction() as db:
            db.executemany(
                "INSERT INTO transactions(type, siren, departement, number, nature,"
                " decision_date, status, status_at, created_at)"
                " VALUES (?, ?, '028', ?, 'DE', ?, 4, ?, ?)",
                rows,
            )

    def later(self, days: float) -> Services:
        """The same service seen from ``days`` later (its clock only)."""
        return Services(
            store=self.store,
            outbox=self.services.outbox,
            platform=self.platform,
            clock=lambda: utc_now() + dt.timedelta(days=days),
        )


@pytest.fixture
def sim(tmp_path: Path, database_url: str, pdf_factory: Callable[..., Path]) -> Iterator[Sim]:
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        delays=Delays(0, 0, 3600),
        registry=Registry((DREUX,)),
    )
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    with BackgroundSimulator(options):
        platform = Counting(PlatformConfig(base_url=f"http://127.0.0.1:{port}"))
        services = Services(store=store, outbox=tmp_path / "outbox", platform=platform)
        yield Sim(SimulatorState(options.state_file), platform, services, store, pdf_factory())
        platform.close()
    store.close()


def _insert(state: SimulatorState, *rows: tuple[int, float, str]) -> list[str]:
    """Transactions (type, moment entered status 4, decision date); their ids, in order."""
    ids = []
    with state.transaction() as db:
        for kind, at, decided in rows:
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature,"
                " decision_date, status, status_at, created_at)"
                " VALUES (?, '212801344', '028', ?, 'DE', ?, 4, ?, ?)",
                (kind, f"N{len(ids)}", decided, at, at),
            )
            ids.append(str(cursor.lastrowid))
    return ids


def _listed(sim: Sim, window: ListingWindow | None = None) -> list[tuple[str, str, str]]:
    rows = sim.platform.list_transactions(ACKNOWLEDGED, window=window)
    return [(t.id, t.type, t.date) for t in rows]


# ----------------------------------------------------------------- S²LOW's listing rules


def test_listing_rows_come_by_decreasing_id_not_by_when_they_entered_the_status(
    sim: Sim,
) -> None:
    now = sim.state.now()
    first, second, third = _insert(
        sim.state, (1, now - 10, "2025-01-05"), (1, now - 900, "2025-01-06"), (6, now - 60, "")
    )
    assert [row[0] for row in _listed(sim)] == [third, second, first]


def test_a_listed_date_is_the_acts_decision_date_not_when_it_entered_the_status(
    sim: Sim,
) -> None:
    (act,) = _insert(sim.state, (1, sim.state.now(), "2024-03-01"))
    assert _listed(sim) == [(act, "1", "2024-03-01")]


def test_min_date_keeps_what_entered_the_status_from_that_days_paris_midnight(sim: Sim) -> None:
    today = sim.state.today_paris()
    midnight = dt.datetime.combine(today, dt.time(), PARIS).timestamp()
    _before, at = _insert(sim.state, (1, midnight - 1, "2025-01-05"), (1, midnight, "2025-01-05"))
    assert [row[0] for row in _listed(sim, ListingWindow(min_date=today))] == [at]


def test_max_date_keeps_what_entered_the_status_up_to_that_days_midnight_only(sim: Sim) -> None:
    today = sim.state.today_paris()
    midnight = dt.datetime.combine(today, dt.time(), PARIS).timestamp()
    at, _after = _insert(sim.state, (1, midnight, "2025-01-05"), (1, midnight + 1, "2025-01-05"))
    assert [row[0] for row in _listed(sim, ListingWindow(max_date=today))] == [at]


def test_type_acte_filters_no_transaction_type(sim: Sim) -> None:
    now = sim.state.now()
    act, cancellation = _insert(sim.state, (1, now, "2025-01-05"), (6, now, ""))
    for nature in ("99_DE", "99_AU", "0", ""):
        window = ListingWindow(type_acte=nature, min_date=sim.state.today_paris())
        assert [row[:2] for row in _listed(sim, window)] == [(cancellation, "6"), (act, "1")]


# ----------------------------------------------------------------- the poll built on them


def test_a_poll_reads_one_page_of_the_days_acknowledgements_whatever_their_number(
    sim: Sim,
) -> None:
    sim.history(2_500, sim.state.now() - 600)  # acknowledged earlier today
    acts = [sim.send(f"P{i}") for i in range(3)]
    sim.services.polling.poll()  # sees them transmitted, sets the cursor
    sim.platform.calls.clear()
    report = sim.services.polling.poll()
    assert report.acknowledged == () and sim.platform.asked() == []
    # found waiting in 3; nothing left to look for in −1 and 4
    assert sim.platform.calls == [("list", 3)]
    sim.acknowledge(acts[1])
    sim.platform.calls.clear()
    assert sim.services.polling.poll().acknowledged == (acts[1],)
    # one page of 4 (25 hold the day's acknowledgements), its AR once; no 17/18 listing:
    # an act seen transmitted never goes back there
    ref = sim.ref(acts[1])
    assert sim.platform.calls == [("list", 3), ("list", -1), ("list", 4), ("get_status", ref)]


def test_a_page_below_every_act_looked_for_ends_the_listing(sim: Sim) -> None:
    sim.history(2_500, sim.state.now() - 600)
    moved = sim.send("MOVED")
    sim.services.polling.poll()
    with sim.state.transaction() as db:  # a status no poll lists (5 « Validé »), say
        db.execute("UPDATE transactions SET status = 5 WHERE id = ?", (sim.ref(moved),))
    sim.platform.calls.clear()
    assert sim.services.polling.poll().acknowledged == ()
    # the first page of 4 already holds only older transactions: nothing to ask, no page 2
    assert sim.platform.pages(ACKNOWLEDGED) == 1 and sim.platform.asked() == []


def test_an_old_act_acknowledged_among_newer_ones_is_asked_alone_not_paged_for(
    sim: Sim,
) -> None:
    old = sim.send("OLD")
    sim.history(1_500, sim.state.now() - 600)  # newer transactions, acknowledged today
    newest = sim.send("NEW")
    sim.services.polling.poll()
    sim.acknowledge(old)
    sim.platform.calls.clear()
    report = sim.services.polling.poll()
    assert report.acknowledged == (old,)
    assert sim.store.get_act(newest).state is ActState.TRANSMITTED
    # one page (the budget: one act to find), then one get_status that also carries its AR
    assert sim.platform.pages(ACKNOWLEDGED) == 1
    assert sim.platform.asked() == [sim.ref(old)]


def test_acts_acknowledged_between_two_polls_are_all_found_deep_in_the_listing(
    sim: Sim,
) -> None:
    acts = [sim.send(f"D{i}") for i in range(4)]
    sim.history(450, sim.state.now() - 600)  # between our acts and the next ones
    acts += [sim.send(f"E{i}") for i in range(4)]
    sim.services.polling.poll()
    sim.acknowledge(*acts)
    sim.platform.calls.clear()
    assert sorted(sim.services.polling.poll().acknowledged) == sorted(acts)
    # 8 acts to find: pages down to the oldest one (458 rows) rather than 8 get_status more
    assert sim.platform.pages(ACKNOWLEDGED) == 5
    assert sorted(sim.platform.asked()) == sorted(sim.ref(a) for a in acts)  # their ARs


def test_an_act_waiting_in_3_for_days_is_found_there_not_asked_for(sim: Sim) -> None:
    stuck = sim.send("STUCK")
    sim.services.polling.poll()
    later = sim.later(3)
    later.polling.poll()  # the cursor moves three days on: the window no longer holds its 3
    sim.history(300, sim.state.now() + 3 * 86400)  # newer, acknowledged within the window
    sim.platform.calls.clear()
    assert later.polling.poll().acknowledged == ()
    assert sim.platform.asked() == [] and sim.platform.pages(ACKNOWLEDGED) == 0
    assert later.store.get_act(stuck).state is ActState.TRANSMITTED


def test_a_page_passes_the_wanted_acts_only_below_every_wanted_id() -> None:
    def page(*ids: str) -> list[ListedTransaction]:
        return [ListedTransaction(i, "N", "", "", ACKNOWLEDGED) for i in ids]

    assert passed(page("90", "80"), {"85", "95"}) is True
    assert passed(page("90", "80"), {"75", "95"}) is False
    assert passed(page("90", "80"), {"80"}) is False  # the floor itself may still be listed
    assert passed(page("90", "x"), {"95"}) is True  # a row that is no number proves nothing
    assert passed(page("90", "80"), {"95", "ref"}) is False  # nor does a wanted one
    assert passed(page("x"), {"95"}) is False
