"""The simulator holding 100 000 acts: the per-request cost at 1 000 acts and at 100 000,
measured in the same run, and their ratio (≈ 1 means the cost does not grow with the store).

Timed, best of N rounds, at each size: a status lookup by transaction id, one by IDActe, the
duplicate-number check an upload runs, the first page of ``list_actes`` for a status, and a
progression step (``advance``) when nothing is due. Also prints the state file's size.

    .venv/bin/python bench/bench_simulator.py [--acts 100000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.adapters.simulator.world import World


def _best(function: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def _fill(state: SimulatorState, count: int, start: int) -> None:
    now = state.now()
    rows = [
        (
            "212801344",
            "028",
            f"N{i}",
            "DE",
            "2026-01-05",
            f"Objet {i}",
            "8.1",
            4,  # acknowledged: what a long-running platform mostly holds
            now - 86400,
            now - 86400,
            f"028-212801344-20260105-N{i}-DE",
        )
        for i in range(start, start + count)
    ]
    with state.transaction() as db:
        db.executemany(
            "INSERT INTO transactions(type, siren, departement, number, nature, decision_date,"
            " subject, classification, status, status_at, created_at, id_acte)"
            " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _measure(state: SimulatorState, world: World, size: int, rounds: int) -> dict[str, float]:
    middle = size // 2
    return {
        "status by id": _best(
            lambda: state.query("SELECT * FROM transactions WHERE id = ?", middle), rounds
        ),
        "status by IDActe": _best(
            lambda: state.query(
                "SELECT * FROM transactions WHERE id_acte = ? AND type = 1",
                f"028-212801344-20260105-N{middle}-DE",
            ),
            rounds,
        ),
        "duplicate number check": _best(
            lambda: state.query(
                "SELECT id FROM transactions WHERE siren = ? AND number = ? LIMIT 1",
                "212801344",
                f"N{middle}",
            ),
            rounds,
        ),
        "list_actes first page": _best(
            lambda: state.query(
                "SELECT id, subject, number FROM transactions WHERE status = ? AND type = 1"
                " ORDER BY id DESC LIMIT 100 OFFSET 0",
                3,
            ),
            rounds,
        ),
        "advance (nothing due)": _best(world.advance, rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--acts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    small = 1_000
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "sim.sqlite3"
        state = SimulatorState(path, delays=Delays(3600, 3600, 3600))
        world = World(state)
        _fill(state, small, 0)
        at_small = _measure(state, world, small, args.rounds)
        _fill(state, args.acts - small, small)
        at_large = _measure(state, world, args.acts, args.rounds)
        size = path.stat().st_size
    print(f"simulator state with {args.acts} acts: {size / 1e6:.1f} MB")
    print(f"{'operation':<26} {small:>8} acts {args.acts:>8} acts   ratio")
    for name, seconds in at_small.items():
        large = at_large[name]
        print(
            f"{name:<26} {seconds * 1e3:>10.3f} ms {large * 1e3:>10.3f} ms {large / seconds:>7.2f}"
        )


if __name__ == "__main__":
    main()
