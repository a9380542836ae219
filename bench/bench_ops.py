"""What running it costs at an operator's scale: one /metrics scrape, a backup and a restore,
with N acts in the store (SQLite; acknowledged acts, each with its events and an AR, spread
over 200 collectivités), at 1 000 acts and at N, in the same run.

The scrape reads everything from the store but the legal deadlines (each acknowledged act
assessed), which are counted in the background every hour: timed apart. Prints a table,
then one JSON line.

    .venv/bin/python bench/bench_ops.py [--acts 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from workflow.adapters.backup import backup, restore
from workflow.adapters.metrics import StoreCollector, render
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.models import ActRow, CollectiviteRow, EventRow

NOW = dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC)
COLLECTIVITES = 200


def _siren(index: int) -> str:
    base = f"{index:08d}"
    digits = [int(c) for c in base]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    return base + str((10 - total % 10) % 10)


def _fill(url: str, start: int, count: int) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        if start == 0:
            connection.execute(
                insert(CollectiviteRow),
                [
                    {
                        "siren": _siren(i),
                        "name": f"Commune {i}",
                        "departement": "028",
                        "arrondissement": 0,
                        "nature": "31",
                        "emails": "a@x.fr",
                    }
                    for i in range(COLLECTIVITES)
                ],
            )
        acts, events = [], []
        for n in range(start, start + count):
            received = NOW - dt.timedelta(days=n % 90, hours=1)
            acts.append(
                {
                    "id": n + 1,
                    "siren": _siren(n % COLLECTIVITES),
                    "idempotency_key": f"k{n}",
                    "numero": f"N{n}",
                    "numero_printed": f"N{n}",
                    "act_date": received.date(),
                    "nature": "DE",
                    "classification": "8.1",
                    "classification_date": dt.date(2019, 3, 1),
                    "objet": f"Objet {n}",
                    "state": "acknowledged",
                    "state_since": received,
                    "version": 3,
                    "id_acte": f"028-{_siren(n % COLLECTIVITES)}-{received:%Y%m%d}-N{n}-DE",
                    "date_reception": received.date(),
                    "created_at": received,
                }
            )
            for minutes, (before, after) in enumerate(
                (("received", "submitted"), ("submitted", "acknowledged"))
            ):
                events.append(
                    {
                        "act_id": n + 1,
                        "at": received + dt.timedelta(minutes=minutes * 7),
                        "actor": "bench",
                        "event": after,
                        "from_state": before,
                        "to_state": after,
                        "reason": "",
                    }
                )
        connection.execute(insert(ActRow), acts)
        connection.execute(insert(EventRow), events)
    engine.dispose()


def _timed(function: object) -> float:
    start = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - start


def _measure(work: Path, url: str, size: int) -> dict[str, float]:
    engine = make_engine(url)
    collector = StoreCollector(engine, work / "files", now=lambda: NOW)  # deadlines apart
    render(collector)  # starts the background count of the deadlines
    collector.refreshed.wait()
    figures = {
        "/metrics scrape": min(_timed(lambda: render(collector)) for _ in range(3)),
        "deadlines (background)": _timed(lambda: collector.count_deadlines(NOW)),
    }
    engine.dispose()
    target = work / f"backup-{size}"
    figures["backup"] = _timed(lambda: backup(url, work / "files", work / "outbox", target))
    restored = work / f"restored-{size}"
    restored.mkdir()
    figures["restore (checked)"] = _timed(
        lambda: restore(
            target, f"sqlite:///{restored / 'actes.sqlite3'}", restored / "files", restored / "o"
        )
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--acts", type=int, default=20_000)
    args = parser.parse_args()
    small = 1_000
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        url = f"sqlite:///{work / 'actes.sqlite3'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        engine.dispose()
        _fill(url, 0, small)
        at_small = _measure(work, url, small)
        _fill(url, small, args.acts - small)
        at_large = _measure(work, url, args.acts)
    print(f"{'operation':<24} {small:>8} acts {args.acts:>8} acts   ratio")
    for name, seconds in at_small.items():
        large = at_large[name]
        print(f"{name:<24} {seconds:>10.3f} s {large:>10.3f} s {large / seconds:>7.1f}")
    print(
        json.dumps(
            {
                "bench": "ops",
                "acts": args.acts,
                "small": {k.strip(): round(v, 4) for k, v in at_small.items()},
                "large": {k.strip(): round(v, 4) for k, v in at_large.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
