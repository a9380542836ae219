"""One poll cycle against a platform whose history grows: HTTP requests, database queries and
time, with 1 000, 10 000 and 100 000 acts in the platform's history and 100 acts pending
here, of which 5 changed since the last poll (acknowledged). The same cycle done the way
other tools do it (one ``get_status`` per pending act) is measured alongside.

Each size gets a fresh simulator (in this process, plain HTTP, S²LOW's rules) whose history
is acknowledged acts entered in status 4 weeks ago, and a fresh store (SQLite). The 100
pending acts go through the real path (package, form-mode send); a first poll sees them
transmitted and sets the cursor; then 5 of them are acknowledged and the measured poll runs.

    .venv/bin/python bench/polling.py [--quick]

Prints a table, then, last, one JSON line:
``{"sizes": [...], "requests": [...], "queries": [...], "seconds": [...],
"per_act_requests": [...]}`` (one value per size; ``seconds`` the best of the rounds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow.adapters.platform_http import HttpPlatform  # noqa: E402
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions  # noqa: E402
from workflow.adapters.simulator.state import Delays, SimulatorState  # noqa: E402
from workflow.adapters.store.engine import make_engine, upgrade_to_head  # noqa: E402
from workflow.adapters.store.repository import SqlStore  # noqa: E402
from workflow.adapters.textpdf import text_pdf  # noqa: E402
from workflow.collectivite import Collectivite, Registry  # noqa: E402
from workflow.interfaces.cli.supervisor import free_port  # noqa: E402
from workflow.lifecycle import ActState  # noqa: E402
from workflow.platform import PlatformConfig  # noqa: E402
from workflow.store import NewAct  # noqa: E402
from workflow.usecases import Services  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
PENDING = 100
CHANGED = 5
DREUX = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)


def _history(state: SimulatorState, count: int) -> None:
    """``count`` acknowledged acts, entered in status 4 three weeks ago (all types mixed:
    one in ten is a cancellation, a letter or an answer, as on a real account)."""
    weeks_ago = state.now() - 21 * 86400
    rows = [
        (
            6 if i % 10 == 0 else 1,
            "212801344",
            "028",
            f"H{i}",
            "DE",
            "2025-01-05",
            f"Objet {i}",
            "8.1",
            weeks_ago,
            weeks_ago,
        )
        for i in range(count)
    ]
    with state.transaction() as db:
        db.executemany(
            "INSERT INTO transactions(type, siren, departement, number, nature, decision_date,"
            " subject, classification, status, status_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 4, ?, ?)",
            rows,
        )


class Counter:
    def __init__(self, engine: Any) -> None:
        self.queries = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.queries += 1


def _pending(services: Services, pdf: Path) -> list[int]:
    ids = []
    for i in range(PENDING):
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                f"bench-{i}",
                f"P{i}",
                f"P{i}",
                dt.date(2026, 1, 5),
                "DE",
                "8.1",
                dt.date(2019, 3, 1),
                "Délibération de test",
                ((pdf, None),),
            )
        )
        services.submission.package(act.id)
        services.transmission.transmit(act.id)
        ids.append(act.id)
    return ids


def _one_size(size: int, rounds: int, work: Path) -> dict[str, float]:
    state_file = work / f"sim-{size}.sqlite3"
    _history(SimulatorState(state_file), size)
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=state_file,
        delays=Delays(0, 0, 3600),  # acts stay transmitted until the bench acknowledges them
        registry=Registry((DREUX,)),
    )
    engine = make_engine(f"sqlite:///{work / f'store-{size}.sqlite3'}")
    upgrade_to_head(engine)
    store = SqlStore(engine, work / f"files-{size}")
    store.add_collectivite(DREUX)
    pdf = work / "act.pdf"
    pdf.write_bytes(text_pdf("Délibération de test"))
    config = PlatformConfig(base_url=f"http://127.0.0.1:{port}")
    with BackgroundSimulator(options), HttpPlatform(config) as platform:
        services = Services(store=store, outbox=work / f"outbox-{size}", platform=platform)
        _pending(services, pdf)
        services.polling.poll()  # sees them transmitted, sets the cursor
        counter = Counter(engine)
        sim = SimulatorState(state_file)
        best, requests, queries = float("inf"), 0, 0
        for round_ in range(rounds):
            refs = [
                a.platform_ref
                for a in store.list_acts(states=[ActState.TRANSMITTED])[:CHANGED]
                if a.platform_ref
            ]
            with sim.transaction() as db:  # CHANGED acts become due for their AR
                db.executemany(
                    "UPDATE transactions SET status_at = status_at - 3600 WHERE id = ?",
                    [(int(r),) for r in refs],
                )
            before = len(platform.attempts) + _flushed(store)
            counter.queries = 0
            start = time.perf_counter()
            report = services.polling.poll()
            elapsed = time.perf_counter() - start
            queries = counter.queries
            assert len(report.acknowledged) == CHANGED, (round_, report)
            best = min(best, elapsed)
            requests = len(platform.attempts) + _flushed(store) - before
        pending = [a for a in store.list_acts(states=[ActState.TRANSMITTED]) if a.platform_ref]
        start = time.perf_counter()
        for act in pending[:PENDING]:
            platform.get_status(act.platform_ref or "")
        per_act_seconds = time.perf_counter() - start
        # the per-act poller asks for every pending act, whatever changed: PENDING calls
        # (the acts acknowledged above are no longer pending: scale the time measured)
        per_act = max(len(pending[:PENDING]), 1)
    store.close()
    return {
        "requests": requests,
        "queries": queries,
        "seconds": best,
        "per_act_requests": PENDING,
        "per_act_seconds": per_act_seconds * PENDING / per_act,
    }


def _flushed(store: SqlStore) -> int:
    """Attempts the poll already wrote to the audit trail (it flushes the adapter's list)."""
    from sqlalchemy import text

    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM attempts")).scalar() or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round per size")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            results.append(_one_size(size, rounds, Path(folder)))
    print(f"one poll cycle, {PENDING} acts pending, {CHANGED} acknowledged since the last poll")
    header = f"{'history':>8} {'requests':>9} {'queries':>8} {'seconds':>8}"
    print(f"{header}   per-act: requests seconds")
    for size, r in zip(SIZES, results, strict=True):
        print(
            f"{size:>8} {r['requests']:>9} {r['queries']:>8} {r['seconds']:>8.3f}"
            f"   {r['per_act_requests']:>17} {r['per_act_seconds']:>7.3f}"
        )
    print(
        json.dumps(
            {
                "sizes": list(SIZES),
                "requests": [r["requests"] for r in results],
                "queries": [r["queries"] for r in results],
                "seconds": [round(r["seconds"], 4) for r in results],
                "per_act_requests": [r["per_act_requests"] for r in results],
            }
        )
    )


if __name__ == "__main__":
    main()
