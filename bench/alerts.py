"""The hourly alert sweep with 10 000 and 100 000 acknowledged acts in the store (PostgreSQL),
of which 50 have a deadline falling due: its cost should follow the alerts, not the history.

The store is filled in SQL as a long-running service holds it: acts acknowledged long ago
(their deadline rows computed by earlier sweeps, all past) spread over 50 collectivités, and
50 acts acknowledged 50 days ago whose facts just changed (the préfet's two months fall within
the 15-day horizon). A first sweep computes those 50 (reported, untimed); then each round
sweeps on a fresh channel (so the 50 alerts are sent again) and is timed with its SQL
statements counted, best of N.

It prints a table and, last, one JSON line whose ``ratio`` is the sweep's time at the largest
size over its time at the smallest (issue 13: flat, ≈ 1), beside ``statements_ratio`` (the
same in SQL statements, which the machine's load does not blur) and the raw figures.

    .venv/bin/python bench/alerts.py [--quick] [--sizes 10000,100000] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import COLLECTIVITES, DEFAULT_URL, SIRENS, _schema

from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.models import ActRow, DeadlineRow
from workflow.adapters.store.repository import SqlStore
from workflow.alerts import Digest
from workflow.collectivite import Collectivite
from workflow.usecases import Services

TODAY = dt.date(2026, 3, 2)
DUE = 50


class _Recorder:
    """A notifier that keeps the digests (the sweep's output), on its own channel."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.alerts = 0

    def send(self, digest: Digest) -> None:
        self.alerts += len(digest.alerts)


def _fill(engine: Engine, start: int, count: int) -> None:
    """Acts ``start`` … ``start + count - 1``; the first ``DUE`` of all fall due soon."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        for first in range(start, start + count, 5000):
            numbers = range(first, min(first + 5000, start + count))
            connection.execute(
                insert(ActRow),
                [
                    {
                        "id": i + 1,
                        "siren": SIRENS[i % COLLECTIVITES],
                        "idempotency_key": f"k{i}",
                        "numero": f"N{i}",
                        "numero_printed": f"N{i}",
                        "act_date": TODAY - dt.timedelta(days=60 if i < DUE else 420),
                        "nature": "DE",
                        "classification": "8.1",
                        "classification_date": dt.date(2025, 1, 1),
                        "objet": f"Objet de la délibération {i}",
                        "state": "acknowledged",
                        "state_since": now,
                        "version": 1,
                        "id_acte": f"028-{SIRENS[i % COLLECTIVITES]}-20260105-N{i}-DE",
                        "date_reception": TODAY - dt.timedelta(days=50 if i < DUE else 400),
                        "created_at": now,
                        "deadlines_stale": i < DUE,
                    }
                    for i in numbers
                ],
            )
            connection.execute(
                insert(DeadlineRow),
                [
                    {"act_id": i + 1, "kind": "prefet_defere", "due": TODAY - dt.timedelta(340)}
                    for i in numbers
                    if i >= DUE
                ],
            )
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('acts', 'id'), :n)"),
            {"n": start + count},
        )
        connection.execute(text("ANALYZE"))


def _sweep(services: Services, channel: str) -> int:
    recorder = _Recorder(channel)
    alerting: Any = getattr(services, "alerts", services)  # use cases, or one older class
    alerting.send_alerts(today=TODAY, notifiers=[recorder])
    return recorder.alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a minute or two)")
    parser.add_argument("--sizes", default="10000,100000", help="acts in the store, in order")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ACTES_TEST_POSTGRES_URL", DEFAULT_URL)
    )
    arguments = parser.parse_args()
    rounds = arguments.rounds or (5 if arguments.quick else 10)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    results: dict[int, dict[str, float]] = {}
    with _schema(arguments.postgres_url) as url, tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url)
        upgrade_to_head(engine)
        store = SqlStore(engine, Path(folder) / "files")
        for siren in SIRENS:
            fields = {"name": f"Commune {siren}", "siren": siren, "departement": "028"}
            store.add_collectivite(
                Collectivite.from_mapping({**fields, "emails": [f"actes@{siren}.fr"]})
            )
        services = Services(store=store, outbox=Path(folder) / "outbox")
        event.listen(engine, "before_cursor_execute", count)
        filled = 0
        for size in [int(s) for s in arguments.sizes.split(",")]:
            _fill(engine, filled, size - filled)
            filled = size
            start = time.perf_counter()
            _sweep(services, f"catch-up-{size}")
            catch_up = time.perf_counter() - start
            best, alerts, per_sweep = float("inf"), 0, 0.0
            for round_ in range(rounds):
                statements[0] = 0
                start = time.perf_counter()
                alerts = _sweep(services, f"bench-{size}-{round_}")
                best = min(best, time.perf_counter() - start)
                per_sweep = statements[0]
            results[size] = {
                "sweep_ms": best * 1000,
                "statements": per_sweep,
                "alerts": alerts,
                "catch_up_ms": catch_up * 1000,
            }
        store.close()
    _report(results, rounds)


def _report(results: dict[int, dict[str, float]], rounds: int) -> None:
    print(f"{'acts':>8} {'sweep (ms)':>11} {'SQL':>7} {'alerts':>7} {'first sweep (ms)':>17}")
    for size, figures in results.items():
        print(
            f"{size:>8} {figures['sweep_ms']:>11.1f} {figures['statements']:>7.0f} "
            f"{figures['alerts']:>7.0f} {figures['catch_up_ms']:>17.1f}"
        )
    sizes = sorted(results)
    summary: dict[str, Any] = {
        "bench": "alerts",
        "ratio": round(results[sizes[-1]]["sweep_ms"] / results[sizes[0]]["sweep_ms"], 2),
        # the same, counted in SQL statements: what the machine's load does not blur
        "statements_ratio": round(
            results[sizes[-1]]["statements"] / results[sizes[0]]["statements"], 2
        ),
        "rounds": rounds,
    }
    for size in sizes:
        for key, value in results[size].items():
            summary[f"{key}_{size}"] = round(value, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
