"""The whole pipeline: N acts from ``POST /api/acts`` to their accusé de réception recorded,
against the no-op task rate of the same worker.

Real processes, as ``docker compose`` runs them: ``actes serve`` (the REST API), ``actes worker``
(threads pool, ``--concurrency``), ``actes beat`` (poll every second, sweep) and ``actes
simulator`` (S²LOW, HTTPS with client certificates, the act signed with the development PKI).
Store and broker are PostgreSQL (a database of its own, dropped after the run) and Redis (its
own db, ``--redis-url``), or with ``--embedded`` the default: SQLite store, SQLite broker.

First the worker runs ``--noop`` no-op tasks (``workers.tasks.noop``, the same broker and
queue as packaging): tasks/s is what a task costs by itself. Then N acts are posted (4 client
threads) and followed to the AR. Measured:

- acts/s: N over the time from the first POST to the last AR recorded;
- p50/p99 latency from each act's POST to its ``acknowledged`` event;
- database transactions (commits) and statements per act, counted in every process of the
  service by SQLAlchemy event listeners (a ``sitecustomize`` the children load), by process;
- the CPU per act of the worker, the API, the simulator and the beat (``/proc``, user + system),
  and the worker's per no-op task;
- ``duplicates``: the simulator's act transactions beyond one per act (an act sent twice);
  ``lost``: acts never acknowledged (within ``--timeout`` seconds without progress).

It prints a table and, last, one JSON line: ``ratio`` = acts/s ÷ no-op tasks/s.

    .venv/bin/python bench/pipeline.py [--quick] [-n N] [--embedded] [--postgres-url URL]
        [--redis-url URL] [--concurrency 2] [--split]

``--split`` runs the two workers ``docker-compose.yml`` runs (packaging apart from the platform's
I/O): the no-op tasks go to the packaging worker, whose rate stays the ratio's denominator.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, bindparam, create_engine, text
from sqlalchemy.engine import make_url

from workflow.adapters.pki import create_dev_pki
from workflow.adapters.store.engine import make_engine
from workflow.adapters.textpdf import text_pdf
from workflow.adapters.wiring import build_services
from workflow.collectivite import Collectivite
from workflow.interfaces.cli.supervisor import (
    Child,
    Supervisor,
    actes_argv,
    free_port,
    port_open,
    wait_until,
)
from workflow.settings import Settings
from workflow.tokens import issue_token

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
DREUX = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
POSTERS = 4
CORES = os.cpu_count() or 1

#: loaded by every child (PYTHONPATH): counts commits and statements per database, per process
HOOK = """
import itertools, json, os, sys, threading, time
def _install():
    out = os.environ.get("ACTES_BENCH_COUNTS")
    if not out:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    counts = {}
    def counter(conn, kind):
        key = (str(conn.engine.url.database or ""), kind)
        if key not in counts:
            counts[key] = itertools.count(1)
        return next(counts[key])
    done = {}
    trace = os.environ.get("ACTES_BENCH_TRACE")
    def site():
        import traceback
        frames = [f for f in traceback.extract_stack()[:-3] if "/workflow/" in f.filename
                  and not f.filename.endswith(("store/base.py", "contextlib.py"))]
        return " < ".join(f.name for f in frames[-3:][::-1])
    def commit(conn):
        done[(str(conn.engine.url.database or ""), "commits")] = counter(conn, "commits")
        if trace:
            key = (str(conn.engine.url.database or ""), "at " + site())
            done[key] = counter(conn, key[1])
    def statement(conn, *args):
        done[(str(conn.engine.url.database or ""), "statements")] = counter(conn, "statements")
        if trace == "statements":
            key = (str(conn.engine.url.database or ""), "statement at " + site())
            done[key] = counter(conn, key[1])
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "before_cursor_execute", statement)
    path = os.path.join(out, f"{os.getpid()}.json")
    def dump():
        while True:
            time.sleep(0.3)
            data = {"argv": sys.argv, "counts": [[k[0], k[1], v] for k, v in list(done.items())]}
            with open(path + ".tmp", "w") as f:
                json.dump(data, f)
            os.replace(path + ".tmp", path)
    threading.Thread(target=dump, daemon=True).start()
_install()
"""


def main() -> None:
    # bench/packaging.py would shadow the ``packaging`` distribution (kombu's Redis transport)
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer acts (a minute or two)")
    parser.add_argument("-n", type=int, default=None, help="acts posted (default 500; quick 100)")
    parser.add_argument("--noop", type=int, default=None, help="no-op tasks (default 4 × N)")
    parser.add_argument("--embedded", action="store_true", help="SQLite store and broker")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's threads")
    parser.add_argument(
        "--split",
        action="store_true",
        help="two workers as docker-compose.yml runs them: packaging (--concurrency threads, "
        "the no-op tasks' too) apart from platform, poll and sweeps (8 threads)",
    )
    parser.add_argument("--delay", type=float, default=0.2, help="simulator seconds per status")
    parser.add_argument(
        "--trace",
        nargs="?",
        const="commits",
        choices=["commits", "statements"],
        help="where each process commits (or, --trace statements, runs its statements too)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds without progress")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ACTES_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("ACTES_BENCH_REDIS_URL", DEFAULT_REDIS)
    )
    arguments = parser.parse_args()
    n = arguments.n or (100 if arguments.quick else 500)
    noops = arguments.noop or 4 * n
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="actes-pipeline-") as folder:
        base = Path(folder)
        with _backends(arguments, base) as env:
            result = _run(arguments, base, env, n, noops)
    _report(result)


@contextmanager
def _backends(arguments: argparse.Namespace, base: Path) -> Iterator[dict[str, str]]:
    """The store and the broker of the run: SQLite files, or a PostgreSQL database of its own
    (dropped after) and a Redis db emptied before and after."""
    if arguments.embedded:
        yield {}
        return
    import redis

    broker = redis.Redis.from_url(arguments.redis_url)
    broker.flushdb()  # the run's own db (never FLUSHALL)
    name = f"bench_pipeline_{uuid.uuid4().hex[:8]}"
    admin = create_engine(arguments.postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(arguments.postgres_url).set(database=name)
    try:
        yield {
            "ACTES_DATABASE_URL": url.render_as_string(hide_password=False),
            "ACTES_BROKER_URL": arguments.redis_url,
        }
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        broker.flushdb()
        broker.close()


def _run(
    arguments: argparse.Namespace, base: Path, backend: dict[str, str], n: int, noops: int
) -> dict[str, Any]:
    pki = create_dev_pki(base / "pki")
    sim_port, api_port = free_port(), free_port()
    (base / "counts").mkdir()
    (base / "hook").mkdir()
    (base / "hook" / "sitecustomize.py").write_text(HOOK)
    env = {
        **backend,
        "ACTES_DATA_DIR": str(base / "data"),
        "ACTES_PLATFORM_URL": f"https://127.0.0.1:{sim_port}",
        "ACTES_PLATFORM_CA": str(pki.ca_cert),
        "ACTES_PLATFORM_CERT": str(pki.client_cert),
        "ACTES_PLATFORM_KEY": str(pki.client_key),
        "ACTES_SIGNER_PKCS12": str(pki.signer_p12),
        "ACTES_SIGNER_PASSPHRASE_FILE": str(pki.signer_passphrase),
        "ACTES_POLL_SECONDS": "1",
        "ACTES_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    settings = Settings()
    services = build_services(settings, actor="bench")  # migrates the store
    services.store.add_collectivite(DREUX)
    token = issue_token(services.store, "bench", [DREUX.siren.value], at=_now())[1]
    services.close()
    registry = base / "registry.toml"
    registry.write_text(
        '[[collectivite]]\nname = "Dreux"\nsiren = "212801344"\ndepartement = "028"\n'
        'emails = ["a@dreux.fr"]\n'
    )
    child_env = {
        **env,
        "ACTES_BENCH_COUNTS": str(base / "counts"),
        **({"ACTES_BENCH_TRACE": arguments.trace} if arguments.trace else {}),
        "PYTHONPATH": os.pathsep.join(
            [str(base / "hook"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    data = ["--data-dir", str(base / "data")]
    store = make_engine(settings.database)
    with Supervisor(base / "logs") as supervisor:
        simulator = supervisor.start(
            "simulator",
            actes_argv(
                "simulator",
                "--tls-dir",
                str(pki.directory),
                "--port",
                str(sim_port),
                "--state",
                str(base / "sim.sqlite3"),
                "--delay",
                str(arguments.delay),
                "--registry",
                str(registry),
            ),
        )
        wait_until(lambda: port_open(sim_port), timeout=60, what="simulator", supervisor=supervisor)
        queues = ["--queues", "packaging"] if arguments.split else []
        worker = supervisor.start(
            "worker",
            actes_argv("worker", *data, "--concurrency", str(arguments.concurrency), *queues),
            env=child_env,
        )
        workers = [worker]
        if arguments.split:  # docker-compose.yml's worker-net
            net = ["--queues", "platform,poll,sweeps", "--concurrency", "8"]
            workers.append(
                supervisor.start("worker-net", actes_argv("worker", *data, *net), env=child_env)
            )
        api = supervisor.start(
            "api", actes_argv("serve", *data, "--port", str(api_port)), env=child_env
        )
        wait_until(lambda: port_open(api_port), timeout=60, what="API", supervisor=supervisor)
        noop = _noops(settings.broker, worker, noops, supervisor)
        beat = supervisor.start("beat", actes_argv("beat", *data), env=child_env)
        time.sleep(3)  # the beat's first polls (nothing pending: no request) before counting
        before = _counts(base / "counts", settings.database)
        cpu_before, api_before = sum(_cpu(w) for w in workers), _cpu(api)
        others_before = _cpu(simulator), _cpu(beat)
        machine_before = _machine()
        posting = time.time()
        posted = _post_all(f"http://127.0.0.1:{api_port}", token, n, supervisor)
        posting = time.time() - posting
        acked = _wait_acknowledged(store, set(posted), arguments.timeout, supervisor)
        cpu, api_cpu = sum(_cpu(w) for w in workers) - cpu_before, _cpu(api) - api_before
        sim_cpu, beat_cpu = (_cpu(simulator) - others_before[0], _cpu(beat) - others_before[1])
        machine = {kind: value - machine_before[kind] for kind, value in _machine().items()}
        time.sleep(1)  # the children's counters are written every 0.3 s
        after = _counts(base / "counts", settings.database)
    sim = _simulator_side(base / "sim.sqlite3")
    bound = _bound(store)
    stuck = _stuck(store, set(posted) - set(acked))
    if stuck:  # the children's logs, to see why (the run's folder goes with the run)
        kept = Path(tempfile.mkdtemp(prefix="actes-pipeline-logs-"))
        shutil.copytree(base / "logs", kept, dirs_exist_ok=True)
        stuck.append(f"the processes' logs are kept in {kept}")
    store.dispose()
    latencies = sorted(acked[i] - posted[i] for i in acked)
    first = min(posted.values())
    elapsed = max(acked.values()) - first if acked else float("nan")
    per_process = {
        name: {
            kind: (value - before.get(name, {}).get(kind, 0)) / n for kind, value in kinds.items()
        }
        for name, kinds in after.items()
    }
    return {
        "backend": "embedded (SQLite store, SQLite broker)"
        if arguments.embedded
        else "Redis + PostgreSQL",
        "n": n,
        "concurrency": arguments.concurrency,
        "split": arguments.split,
        "noop_tasks": noops,
        "noop_per_s": noop["rate"],
        "noop_cpu_ms": noop["cpu_ms"],
        "acts_per_s": len(acked) / elapsed if acked else 0.0,
        "posts_per_s": n / posting,
        "p50_s": _quantile(latencies, 0.5),
        "p99_s": _quantile(latencies, 0.99),
        "per_process": per_process,
        "worker_cpu_ms_per_act": cpu * 1000 / n,
        "api_cpu_ms_per_act": api_cpu * 1000 / n,
        "simulator_cpu_ms_per_act": sim_cpu * 1000 / n,
        "beat_cpu_ms_per_act": beat_cpu * 1000 / n,
        **{f"{kind}_cpu_ms_per_act": v * 1000 / n for kind, v in machine.items() if kind != "wall"},
        "busy": machine["machine"] / machine["wall"] / CORES,
        "duplicates": max(0, sim - bound),
        "lost": n - len(acked),
        "stuck": stuck,
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _noops(broker: str, worker: Child, count: int, supervisor: Supervisor) -> dict[str, float]:
    """``count`` no-op tasks through the broker to the worker: tasks/s from the first send to
    the queue drained (at most ``concurrency`` still running), and the worker's CPU each."""
    from workers.app import QUEUE_PACKAGING, create_celery

    app = create_celery(broker)
    with app.connection_for_write() as connection, app.producer_or_acquire() as producer:
        channel = connection.default_channel

        def drained() -> bool:
            supervisor.check_alive()
            return not channel.queue_declare(QUEUE_PACKAGING).message_count

        for _ in range(2 * POSTERS):  # the worker up and consuming before the clock starts
            app.send_task("workers.tasks.noop", queue=QUEUE_PACKAGING, producer=producer)
        wait_until(drained, timeout=120, what="the worker", interval=0.05)
        time.sleep(1)
        cpu = _cpu(worker)
        start = time.perf_counter()
        for _ in range(count):
            app.send_task("workers.tasks.noop", queue=QUEUE_PACKAGING, producer=producer)
        wait_until(drained, timeout=600, what="the no-op tasks", interval=0.05)
        elapsed = time.perf_counter() - start
        cpu = _cpu(worker) - cpu
    return {"rate": count / elapsed, "cpu_ms": cpu * 1000 / count}


def _post_all(url: str, token: str, n: int, supervisor: Supervisor) -> dict[int, float]:
    """Post the N acts (``POSTERS`` threads); each act's id and when its POST began."""
    run = uuid.uuid4().hex[:6].upper()
    documents = [
        text_pdf(f"Délibération P{run}_{i}\nObjet de la délibération {i}\nLe conseil municipal")
        for i in range(n)
    ]
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=POSTERS))

    def post(i: int) -> tuple[int, float]:
        number = f"P{run}_{i}"
        metadata = {
            "siren": DREUX.siren.value,
            "numero": number,
            "date": "2026-01-05",
            "nature": "DE",
            "classification": "7.1",
            "classification_date": "2019-03-01",
            "objet": f"Objet de la délibération {i}",
        }
        began = time.time()
        answer = http.post(
            f"{url}/api/acts",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": number},
            files={"document": (f"{number}.pdf", documents[i], "application/pdf")},
            data={"metadata": json.dumps(metadata)},
            timeout=120,
        )
        if answer.status_code not in (200, 201):
            raise SystemExit(f"POST /api/acts: {answer.status_code} {answer.text[:300]}")
        return int(answer.json()["act"]["id"]), began

    with concurrent.futures.ThreadPoolExecutor(POSTERS) as pool:
        posted = dict(pool.map(post, range(n)))
    supervisor.check_alive()
    return posted


def _wait_acknowledged(
    store: Engine, ids: set[int], timeout: float, supervisor: Supervisor
) -> dict[int, float]:
    """Each act's ``acknowledged`` event time, once all are there or nothing moved for
    ``timeout`` seconds."""
    acked: dict[int, float] = {}
    progress = time.monotonic()
    while len(acked) < len(ids) and time.monotonic() - progress < timeout:
        supervisor.check_alive()
        time.sleep(0.5)
        with store.connect() as connection:
            rows = connection.execute(
                text("SELECT act_id, at FROM events WHERE to_state = 'acknowledged'")
            ).all()
        new = {
            int(act_id): _timestamp(at)
            for act_id, at in rows
            if act_id in ids and act_id not in acked
        }
        if new:
            acked.update(new)
            progress = time.monotonic()
    return acked


def _timestamp(value: dt.datetime | str) -> float:
    if isinstance(value, str):  # SQLite
        value = dt.datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()


def _counts(folder: Path, database: str) -> dict[str, dict[str, int]]:
    """Commits and statements on the store's database, by process (the children's files)."""
    wanted = str(make_url(database).database or "")
    names = {"serve": "api", "worker": "worker", "beat": "beat"}
    totals: dict[str, dict[str, int]] = {}
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        argv = data["argv"]
        name = next((names[a] for a in argv if a in names), None)
        if name is None:
            continue
        for db, kind, value in data["counts"]:
            if db == wanted:
                kinds = totals.setdefault(name, {"commits": 0, "statements": 0})
                kinds[kind] = kinds.get(kind, 0) + value
    return totals


def _cpu(child: Child) -> float:
    """The process's user + system CPU seconds."""
    fields = Path(f"/proc/{child.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine() -> dict[str, float]:
    """CPU seconds so far: the whole machine's (``/proc/stat``, idle and I/O wait left out),
    PostgreSQL's and Redis's processes (as they stand: a backend that ended is not counted),
    this bench's own (its posting and watching threads), and the wall clock (``wall``)."""
    tick = os.sysconf("SC_CLK_TCK")
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[:8])
    servers = {"postgres": 0, "redis-server": 0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        if name in servers or name.startswith("postgres"):
            fields = raw.rsplit(")", 1)[1].split()
            key = name if name in servers else "postgres"
            servers[key] += int(fields[11]) + int(fields[12])
    return {
        "machine": (user + nice + system + irq + softirq + steal) / tick,
        "postgresql": servers["postgres"] / tick,
        "redis": servers["redis-server"] / tick,
        "client": time.process_time(),
        "wall": time.time(),
    }


def _simulator_side(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM transactions WHERE type = 1").fetchone()[0])


def _stuck(store: Engine, ids: set[int]) -> list[str]:
    """Where each act with no AR stands: its state, problem, last error and its last event."""
    if not ids:
        return []
    with store.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.id, a.state, a.problem_code, a.last_error, a.claimed_until,"
                " (SELECT e.event || ' by ' || e.actor FROM events e WHERE e.act_id = a.id"
                "  ORDER BY e.id DESC LIMIT 1)"
                " FROM acts a WHERE a.id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": sorted(ids)},
        ).all()
    return [
        f"act {i}: {state}, problem {problem}, claimed until {claimed}, last event {event};"
        f" {(error or '')[:300]}"
        for i, state, problem, error, claimed, event in rows
    ]


def _bound(store: Engine) -> int:
    with store.connect() as connection:
        return int(
            connection.execute(text("SELECT count(DISTINCT act_id) FROM transactions")).scalar_one()
        )


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _report(r: dict[str, Any]) -> None:
    workers = (
        f"packaging worker concurrency {r['concurrency']}, platform worker 8"
        if r["split"]
        else f"worker concurrency {r['concurrency']}"
    )
    print(f"pipeline — {r['backend']}, {r['n']} acts, {workers}")
    rows = [
        ("no-op tasks/s (same worker, broker)", f"{r['noop_per_s']:.1f}"),
        ("worker CPU per no-op task (ms)", f"{r['noop_cpu_ms']:.2f}"),
        (f"POST /api/acts alone ({POSTERS} clients), acts/s", f"{r['posts_per_s']:.2f}"),
        ("acts/s, POST to AR recorded", f"{r['acts_per_s']:.2f}"),
        ("ratio (acts/s ÷ no-op tasks/s)", f"{r['acts_per_s'] / r['noop_per_s']:.3f}"),
        ("latency p50 / p99 (s)", f"{r['p50_s']:.2f} / {r['p99_s']:.2f}"),
        ("worker CPU per act (ms, both workers with --split)", f"{r['worker_cpu_ms_per_act']:.1f}"),
        ("API CPU per act (ms)", f"{r['api_cpu_ms_per_act']:.1f}"),
        (
            "simulator / beat CPU per act (ms)",
            f"{r['simulator_cpu_ms_per_act']:.1f} / {r['beat_cpu_ms_per_act']:.1f}",
        ),
    ]
    for name, figures in sorted(r["per_process"].items()):
        rows.append(
            (
                f"{name}: commits / statements per act",
                f"{figures.get('commits', 0):.1f} / {figures.get('statements', 0):.1f}",
            )
        )
    commits = sum(f.get("commits", 0) for f in r["per_process"].values())
    rows.append(("database transactions per act (all)", f"{commits:.1f}"))
    service = r["machine_cpu_ms_per_act"] - r["client_cpu_ms_per_act"]
    ceiling = CORES * 1000 / service  # every core busy with the acts, nothing else
    remote = CORES * 1000 / (service - r["simulator_cpu_ms_per_act"])  # S²LOW elsewhere
    rows += [
        (
            "PostgreSQL / Redis CPU per act (ms)",
            f"{r['postgresql_cpu_ms_per_act']:.1f} / {r['redis_cpu_ms_per_act']:.1f}",
        ),
        ("this bench's client CPU per act (ms)", f"{r['client_cpu_ms_per_act']:.1f}"),
        ("machine CPU per act, all but the client (ms)", f"{service:.1f}"),
        (f"machine busy while the acts ran ({CORES} cores)", f"{100 * r['busy']:.0f} %"),
        ("CPU-bound ceiling: acts/s / ratio", f"{ceiling:.1f} / {ceiling / r['noop_per_s']:.3f}"),
        ("  the same, simulator elsewhere", f"{remote:.1f} / {remote / r['noop_per_s']:.3f}"),
        ("duplicates", str(r["duplicates"])),
        ("lost", str(r["lost"])),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>14}")
    for name, figures in sorted(r["per_process"].items()):  # --trace: commits by call site
        for site, count in sorted(figures.items(), key=lambda item: -item[1]):
            if site.startswith("at ") and count >= 0.05:
                print(f"  {name} {count:6.2f} commits/act {site}")
            elif site.startswith("statement at ") and count >= 0.05:
                print(f"  {name} {count:6.2f} statements/act {site.removeprefix('statement ')}")
    summary = {
        "bench": "pipeline",
        "ratio": round(r["acts_per_s"] / r["noop_per_s"], 4),
        "backend": "embedded" if r["backend"].startswith("embedded") else "redis+postgresql",
        "n": r["n"],
        "split": r["split"],
        "acts_per_s": round(r["acts_per_s"], 2),
        "noop_per_s": round(r["noop_per_s"], 1),
        "posts_per_s": round(r["posts_per_s"], 2),
        "p50_s": round(r["p50_s"], 2),
        "p99_s": round(r["p99_s"], 2),
        "transactions_per_act": round(commits, 2),
        "statements_per_act": round(
            sum(f.get("statements", 0) for f in r["per_process"].values()), 1
        ),
        "worker_cpu_ms_per_act": round(r["worker_cpu_ms_per_act"], 1),
        "api_cpu_ms_per_act": round(r["api_cpu_ms_per_act"], 1),
        "simulator_cpu_ms_per_act": round(r["simulator_cpu_ms_per_act"], 1),
        "beat_cpu_ms_per_act": round(r["beat_cpu_ms_per_act"], 1),
        "noop_cpu_ms": round(r["noop_cpu_ms"], 2),
        "postgresql_cpu_ms_per_act": round(r["postgresql_cpu_ms_per_act"], 1),
        "redis_cpu_ms_per_act": round(r["redis_cpu_ms_per_act"], 1),
        "client_cpu_ms_per_act": round(r["client_cpu_ms_per_act"], 1),
        "service_cpu_ms_per_act": round(service, 1),
        "busy": round(r["busy"], 3),
        "ceiling_acts_per_s": round(ceiling, 1),
        "ceiling_ratio": round(ceiling / r["noop_per_s"], 4),
        "ceiling_ratio_simulator_elsewhere": round(remote / r["noop_per_s"], 4),
        "duplicates": r["duplicates"],
        "lost": r["lost"],
    }
    for line in r["stuck"]:  # the acts ``lost`` counts, where they stand
        print(f"  no AR: {line}")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
