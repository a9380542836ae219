"""One poll cycle against a platform whose acknowledgements grow: HTTP requests, database
statements and time, before (another revision's poll, ``--before``, default ``main``) and
after (this tree's), interleaved in the same run.

Two cases, each on a fresh simulator (in this process, plain HTTP, S²LOW's listing rules)
and a fresh store (SQLite):

- **today**: 500, 5 000 or 50 000 acts acknowledged earlier today (status 4, all transaction
  types mixed), then acts pending here in status 3. Three polls are measured: *idle* (nothing
  changed), *one AR* (one of the newest acts acknowledged since the last poll) and *old AR*
  (an act sent before the day's acknowledgements, acknowledged since the last poll);
- **history** (``--history``): 1 000, 10 000 and 100 000 acts acknowledged three weeks ago,
  100 acts pending here, 5 of them acknowledged since the last poll; the same cycle done the
  way other tools do it (one ``get_status`` per pending act) is measured alongside.

The pending acts go through the real path (package, form-mode send); a first poll sees them
transmitted and sets the cursor. "Before" is the other revision's ``polling.py`` loaded as it
is, but for ``type_acte=1`` taken out of its listing windows: S²LOW (and the simulator) read
``type_acte`` as an act's nature and answer ``1`` with a body that is not JSON.

    .venv/bin/python bench/polling.py [--quick] [--history] [--before REF]

Prints a table, then, last, one JSON line: for each case, sizes and, for before and after,
requests, statements and seconds (the best of the rounds); ``ratio`` is this tree's requests
for an idle poll at the largest day over the smallest (1.0: flat).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

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

TODAY_SIZES = (500, 5_000, 50_000)
HISTORY_SIZES = (1_000, 10_000, 100_000)
HISTORY_PENDING = 100
HISTORY_CHANGED = 5
#: acts pending in status 3 in the "today" case, besides those the rounds acknowledge
WAITING = 5
SCENARIOS = ("idle", "one AR", "old AR")
DREUX = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
Poll = Callable[[], Any]


def _acknowledged(state: SimulatorState, count: int, at: float) -> None:
    """``count`` transactions that entered status 4 at ``at`` (one in ten is a
    cancellation, a letter or an answer, as on a real account), created two days before (a
    collectivité sends at most 9 999 envelopes a day: the serial has four digits)."""
    rows = [
        (6 if i % 10 == 0 else 1, "212801344", "028", f"H{i}", "DE", "2025-01-05", f"O{i}", at)
        for i in range(count)
    ]
    with state.transaction() as db:
        db.executemany(
            "INSERT INTO transactions(type, siren, departement, number, nature, decision_date,"
            " subject, classification, status, status_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '8.1', 4, ?, ?)",
            [(*row, row[-1] - 2 * 86400) for row in rows],
        )


class Counter:
    def __init__(self, engine: Any) -> None:
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.statements += 1


def _send(services: Services, pdf: Path, prefix: str, count: int) -> list[int]:
    ids = []
    for i in range(count):
        act, _ = services.submission.submit(
            NewAct(
                "212801344",
                f"bench-{prefix}{i}",
                f"{prefix}{i}",
                f"{prefix}{i}",
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


def _before_poll(ref: str, services: Services) -> Poll | None:
    """The poll of revision ``ref`` (its ``polling.py`` over this tree's other modules), or
    None when git cannot show it."""
    try:
        source = subprocess.run(  # noqa: S603 - git, a fixed command; ref is the user's own
            ["git", "show", f"{ref}:workflow/usecases/polling.py"],  # noqa: S607 - git on PATH
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    source = source.replace("ListingWindow(type_acte=1, ", "ListingWindow(")
    source = source.replace("ListingWindow(type_acte=1)", "ListingWindow()")
    module = types.ModuleType(f"polling_{ref}")
    sys.modules[module.__name__] = module  # its dataclasses look themselves up there
    # this repository's own code at another revision, loaded as a module to be measured
    code = compile(source, f"{ref}:workflow/usecases/polling.py", "exec")
    exec(code, module.__dict__)  # noqa: S102
    poller = module.Polling(services)
    return poller.poll  # type: ignore[no-any-return]


class Bench:
    """One simulator and one store, and the counting around a poll."""

    def __init__(self, work: Path, name: str, delays: Delays) -> None:
        self.state_file = work / f"sim-{name}.sqlite3"
        self.state = SimulatorState(self.state_file)
        self.port = free_port()
        self.options = SimulatorOptions(
            port=self.port, state_file=self.state_file, delays=delays, registry=Registry((DREUX,))
        )
        self.engine = make_engine(f"sqlite:///{work / f'store-{name}.sqlite3'}")
        upgrade_to_head(self.engine)
        self.store = SqlStore(self.engine, work / f"files-{name}")
        self.store.add_collectivite(DREUX)
        self.pdf = work / "act.pdf"
        self.pdf.write_bytes(text_pdf("Délibération de test"))
        self.outbox = work / f"outbox-{name}"
        self.counter = Counter(self.engine)

    def services(self, platform: HttpPlatform) -> Services:
        return Services(store=self.store, outbox=self.outbox, platform=platform)

    def acknowledge(self, act_ids: list[int]) -> None:
        """The préfecture answers these acts at the simulator's next request."""
        refs = [int(self.store.get_act(a).platform_ref or 0) for a in act_ids]
        with self.state.transaction() as db:
            db.executemany(
                "UPDATE transactions SET status_at = status_at - 7200 WHERE id = ?",
                [(r,) for r in refs],
            )

    def measure(self, poll: Poll, platform: HttpPlatform) -> tuple[int, int, float, Any]:
        """Requests, statements and seconds of one poll, and its report."""
        before = len(platform.attempts) + self._flushed()
        self.counter.statements = 0
        start = time.perf_counter()
        report = poll()
        elapsed = time.perf_counter() - start
        statements = self.counter.statements
        requests = len(platform.attempts) + self._flushed() - before
        return requests, statements, elapsed, report

    def _flushed(self) -> int:
        """Attempts the polls already wrote to the audit trail (they flush the adapter's)."""
        with self.engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM attempts")).scalar() or 0)


def _today(size: int, rounds: int, work: Path, ref: str) -> dict[str, list[float]]:
    """The "today" case at one size: per poller and scenario, requests/statements/seconds."""
    bench = Bench(work, f"today-{size}", Delays(0, 0, 3600))
    config = PlatformConfig(base_url=f"http://127.0.0.1:{bench.port}")
    with BackgroundSimulator(bench.options), HttpPlatform(config) as platform:
        services = bench.services(platform)
        old = _send(services, bench.pdf, "OLD", 2 * rounds)  # sent before the day's ARs
        _acknowledged(bench.state, size, bench.state.now() - 3600)
        newest = _send(services, bench.pdf, "NEW", 2 * rounds + WAITING)
        services.polling.poll()  # sees them transmitted, sets the cursor
        pollers = {"after": services.polling.poll, "before": _before_poll(ref, services)}
        out: dict[str, list[float]] = {}
        for round_ in range(rounds):
            for who, poll in pollers.items():
                if poll is None:
                    continue
                for scenario in SCENARIOS:
                    source = {"idle": [], "one AR": newest, "old AR": old}[scenario]
                    changed = [source.pop()] if source else []
                    bench.acknowledge(changed)
                    requests, statements, seconds, report = bench.measure(poll, platform)
                    assert sorted(report.acknowledged) == changed, (round_, who, scenario, report)
                    best = out.setdefault(f"{who}/{scenario}", [0, 0, float("inf")])
                    best[:] = [requests, statements, min(best[2], seconds)]
    bench.store.close()
    return out


def _history(size: int, rounds: int, work: Path, ref: str) -> dict[str, list[float]]:
    """The "history" case at one size (acts acknowledged three weeks ago)."""
    bench = Bench(work, f"history-{size}", Delays(0, 0, 3600))
    _acknowledged(bench.state, size, bench.state.now() - 21 * 86400)
    config = PlatformConfig(base_url=f"http://127.0.0.1:{bench.port}")
    with BackgroundSimulator(bench.options), HttpPlatform(config) as platform:
        services = bench.services(platform)
        _send(services, bench.pdf, "P", HISTORY_PENDING)
        services.polling.poll()
        pollers = {"after": services.polling.poll, "before": _before_poll(ref, services)}
        out: dict[str, list[float]] = {}
        for round_ in range(rounds):
            for who, poll in pollers.items():
                if poll is None:
                    continue
                waiting = bench.store.list_acts(states=[ActState.TRANSMITTED])
                changed = [a.id for a in waiting[:HISTORY_CHANGED]]
                bench.acknowledge(changed)
                requests, statements, seconds, report = bench.measure(poll, platform)
                assert sorted(report.acknowledged) == sorted(changed), (round_, report)
                best = out.setdefault(who, [0, 0, float("inf")])
                best[:] = [requests, statements, min(best[2], seconds)]
        pending = bench.store.list_acts(states=[ActState.TRANSMITTED])
        start = time.perf_counter()
        for act in pending:
            platform.get_status(act.platform_ref or "")
        per_act = (time.perf_counter() - start) * HISTORY_PENDING / max(len(pending), 1)
        out["per-act get_status"] = [HISTORY_PENDING, 0, per_act]
    bench.store.close()
    return out


def _table(title: str, sizes: tuple[int, ...], results: list[dict[str, list[float]]]) -> None:
    print(title)
    columns = list(results[0])
    print(f"{'':>8} " + " ".join(f"{c:>30}" for c in columns))
    print(f"{'size':>8} " + " ".join(f"{'requests stmts seconds':>30}" for _ in columns))
    for size, result in zip(sizes, results, strict=True):
        cells = []
        for column in columns:
            requests, statements, seconds = result[column]
            cells.append(f"{int(requests):>12} {int(statements):>7} {seconds:>9.3f}")
        print(f"{size:>8} " + " ".join(f"{c:>30}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round per size")
    parser.add_argument("--history", action="store_true", help="also the three-weeks case")
    parser.add_argument("--before", default="main", help="the revision measured as before")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        today = [_today(s, rounds, Path(folder), args.before) for s in TODAY_SIZES]
        _table(
            f"today: acts acknowledged today, {WAITING}+ pending in status 3 (best of {rounds})",
            TODAY_SIZES,
            today,
        )
        summary["today"] = {"sizes": list(TODAY_SIZES), **_columns(today)}
        if args.history:
            history = [_history(s, rounds, Path(folder), args.before) for s in HISTORY_SIZES]
            _table(
                f"history: acknowledged three weeks ago, {HISTORY_PENDING} pending,"
                f" {HISTORY_CHANGED} acknowledged since the last poll",
                HISTORY_SIZES,
                history,
            )
            summary["history"] = {"sizes": list(HISTORY_SIZES), **_columns(history)}
    idle = summary["today"]["after/idle"]["requests"]
    summary["ratio"] = round(idle[-1] / max(idle[0], 1), 3)
    print(json.dumps(summary))


def _columns(results: list[dict[str, list[float]]]) -> dict[str, dict[str, list[float]]]:
    return {
        column: {
            "requests": [int(r[column][0]) for r in results],
            "statements": [int(r[column][1]) for r in results],
            "seconds": [round(r[column][2], 4) for r in results],
        }
        for column in results[0]
    }


if __name__ == "__main__":
    main()
