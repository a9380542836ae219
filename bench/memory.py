"""Peak memory (RSS) of each process an act goes through, for a 1 MB and a 150 MB act.

Each process runs on its own, as a child of this script, and its peak resident set size is
read from the kernel when it ends (``os.wait4``'s ``ru_maxrss``):

- package: ``actes package`` (the 1-1 and the archive, unsigned);
- sign: the software signer over the document (a detached CMS, as packaging makes it);
- send: ``actes send --mode form`` (the platform client posting the act to the simulator);
- worker: ``actes worker`` (Celery) taking an act recorded in the store through packaging,
  signing and submission to the simulator;
- simulator: ``actes simulator --http`` receiving both uploads, building and storing each
  act's archive, then validating them (status 1 → 2) as S²LOW's worker does.

The document is a real PDF (one page) carrying an incompressible stream, written to disk by
chunks. It prints a table (peak RSS in MB per process and size, and their ratio) and, last,
one JSON line whose ``ratio`` is the worst ratio across processes (issue 13: ≤ 1.5).

    .venv/bin/python bench/memory.py [--quick] [--large-mb N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script's folder comes first on sys.path, and bench/packaging.py shadows the
# ``packaging`` distribution that libraries import: take the folder off first.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable

import requests

MB = 1000 * 1000
PROCESSES = ("package", "sign", "send", "worker", "simulator")
SIREN = "212801344"
REGISTRY = """[[collectivite]]
name = "Ville de Dreux"
siren = "212801344"
departement = "028"
arrondissement = 1
emails = ["actes@ville-dreux.fr"]
"""
SIGN = """
import sys
from pathlib import Path
from workflow.adapters.pki import read_passphrase_file
from workflow.adapters.software_signer import load_signer
from workflow.signing import Secret
pki, document = Path(sys.argv[1]), Path(sys.argv[2])
signer = load_signer(
    pki / "collectivite.p12", Secret(read_passphrase_file(pki / "collectivite.passphrase"))
)
with document.open("rb") as stream:
    signature = signer.sign_detached(stream)
Path(sys.argv[3]).write_bytes(signature.der)
"""


def write_pdf(path: Path, size: int) -> Path:
    """A one-page PDF of about ``size`` bytes: its bulk an incompressible stream object,
    written by chunks (this script stays small too)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    bulk = max(0, size - 1024)
    offsets: list[int] = []
    with path.open("wb") as out:
        out.write(head)
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        offsets.append(out.tell())
        out.write(b"5 0 obj\n<< /Length %d >>\nstream\n" % bulk)
        left = bulk
        while left:
            chunk = min(left, 4 * 1024 * 1024)
            out.write(os.urandom(chunk))
            left -= chunk
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(offsets) + 1))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return path


def actes(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "workflow.interfaces.cli.main", *arguments]


#: runs a command and writes its peak RSS (KiB) to a file. A child's ``ru_maxrss`` starts at
#: its parent's RSS when it forks (Linux copies the memory map, and keeps its high-water
#: mark across exec): this script holds the store's libraries, so every measured process is
#: started by this small launcher instead, and SIGTERM reaches it through the launcher.
LAUNCHER = """
import os, signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
while True:
    try:
        _, status, usage = os.wait4(child.pid, 0)
        break
    except InterruptedError:
        continue
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` under the launcher; its peak goes to ``<log>.<pid>.rss``."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", LAUNCHER, str(log) + ".rss", *command],
            env=env,
            stdout=out,
            stderr=out,
        )


def peak_of(process: subprocess.Popen[bytes], log: Path) -> float:
    """Wait for ``process`` (a launcher) and return its command's peak RSS in MB."""
    process.wait()
    rss = Path(str(log) + ".rss")
    peak = int(rss.read_text()) * 1024 / MB
    rss.unlink()
    return peak


def run(command: list[str], env: dict[str, str], log: Path) -> float:
    process = launch(command, env, log)
    peak = peak_of(process, log)
    if process.returncode != 0:
        raise SystemExit(f"{command[3:5]} failed ({process.returncode}): see {log}")
    return peak


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise SystemExit(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes], log: Path) -> float:
    process.send_signal(signal.SIGTERM)
    return peak_of(process, log)


def package_args(document: Path, numero: str, out: Path) -> list[str]:
    return [
        "package",
        *("--siren", SIREN, "--departement", "028", "--email", "actes@ville-dreux.fr"),
        *("--numero", numero, "--date", "2026-01-05", "--nature", "DE"),
        *("--classification", "8.1", "--classification-date", "2025-01-01"),
        *("--objet", "Budget primitif", "--document", str(document), "--out", str(out)),
    ]


def measure(folder: Path, size: int, label: str, env: dict[str, str]) -> dict[str, float]:
    """Every process's peak RSS (MB) for an act of ``size`` bytes."""
    work = folder / label
    work.mkdir()
    log = work / "log.txt"
    document = write_pdf(work / "deliberation.pdf", size)
    peaks: dict[str, float] = {}
    out = work / "out"
    peaks["package"] = run(actes(*package_args(document, "DEL2026_1", out)), env, log)
    archive = next(out.glob("*.tar.gz"))
    pki = folder / "pki"
    sign = [sys.executable, "-c", SIGN, str(pki), str(document), str(work / "act.p7s")]
    peaks["sign"] = run(sign, env, log)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    simulator_log = work / "simulator.txt"
    simulator = launch(
        actes(
            "simulator",
            *("--http", "--port", str(port), "--state", str(work / "simulator.sqlite3")),
            *("--registry", str(folder / "registry.toml"), "--delay", "1"),
        ),
        env,
        simulator_log,
    )
    try:
        wait_for(lambda: _answers(url), "the simulator")
        send = actes("send", str(archive), "--platform", url, "--mode", "form")
        peaks["send"] = run(send, env, log)
        peaks["worker"] = _worker(work, document, url, env, log)
        time.sleep(2.5)  # past status 1: the next request validates both acts (1 → 2)
        _answers(url)
    finally:
        peaks["simulator"] = stop(simulator, simulator_log)
    with sqlite3.connect(work / "simulator.sqlite3") as db:
        states = db.execute("SELECT number, status, error FROM transactions").fetchall()
    if len(states) != 2 or any(status not in (2, 3, 4) for _, status, _ in states):
        raise SystemExit(f"the simulator did not validate both acts (status 2+): {states}")
    return peaks


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/api/test-connexion.php", params={"api": "1"}, timeout=60)
    except requests.RequestException:
        return False
    return True


def _worker(work: Path, document: Path, url: str, env: dict[str, str], log: Path) -> float:
    """Record an act in a fresh store, start ``actes worker``, enqueue its packaging, wait
    until the simulator holds it, stop the worker (warm shutdown)."""
    import datetime as dt

    from workers.app import create_celery, embedded_broker_url
    from workflow.adapters.wiring import build_services
    from workflow.collectivite import Collectivite
    from workflow.lifecycle import ActState
    from workflow.settings import Settings
    from workflow.store import NewAct

    data_dir = work / "store"
    data_dir.mkdir()
    worker_env = {**env, "ACTES_DATA_DIR": str(data_dir), "ACTES_PLATFORM_URL": url}
    worker_env["ACTES_PLATFORM_MODE"] = "form"
    saved = dict(os.environ)
    os.environ.update(worker_env)
    try:
        services = build_services(Settings(), actor="bench")
        services.store.add_collectivite(
            Collectivite.from_mapping(
                {
                    "name": "Ville de Dreux",
                    "siren": SIREN,
                    "departement": "028",
                    "arrondissement": 1,
                    "emails": ["actes@ville-dreux.fr"],
                }
            )
        )
        act, _ = services.submission.submit(
            NewAct(
                siren=SIREN,
                idempotency_key="bench",
                numero="DEL2026_2",
                numero_printed="DEL2026_2",
                act_date=dt.date(2026, 1, 5),
                nature="DE",
                classification="8.1",
                classification_date=dt.date(2025, 1, 1),
                objet="Budget primitif",
                documents=((document, None),),
            )
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    worker_log = work / "worker.txt"
    worker = launch(
        actes("worker", "--data-dir", str(data_dir), "--concurrency", "1"), worker_env, worker_log
    )
    try:
        app = create_celery(embedded_broker_url(data_dir))
        app.send_task("workers.tasks.package_act", args=[act.id], queue="packaging")
        done = {ActState.SUBMITTED, ActState.TRANSMITTED, ActState.ACKNOWLEDGED}
        stopped = {ActState.FAILED, ActState.REJECTED}

        def finished() -> bool:
            state = services.store.get_act(act.id).state
            if state in stopped:
                raise SystemExit(f"the worker's act ended {state}: see {log}")
            return state in done

        wait_for(finished, "the worker to submit the act")
    finally:
        peak = stop(worker, worker_log)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 50 MB act instead of 150 MB")
    parser.add_argument("--large-mb", type=int, default=None, help="the large act's size (MB)")
    arguments = parser.parse_args()
    large = arguments.large_mb or (50 if arguments.quick else 150)
    sizes = {"1MB": 1 * MB, f"{large}MB": large * MB}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("ACTES_DATA_DIR", None)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        folder = Path(name)
        (folder / "registry.toml").write_text(REGISTRY, encoding="utf-8")
        run(actes("pki", "init", str(folder / "pki")), env, folder / "pki.txt")
        env.update(
            {
                "ACTES_SIGNER_PKCS12": str(folder / "pki" / "collectivite.p12"),
                "ACTES_SIGNER_PASSPHRASE_FILE": str(folder / "pki" / "collectivite.passphrase"),
            }
        )
        results = {label: measure(folder, size, label, env) for label, size in sizes.items()}
    small, big = results["1MB"], results[f"{large}MB"]
    ratios = {p: big[p] / small[p] for p in PROCESSES}
    print(f"peak RSS (MB)  {'1 MB act':>9} {f'{large} MB act':>11} {'growth':>8} {'ratio':>6}")
    for p in PROCESSES:
        growth = big[p] - small[p]
        print(f"{p:<14} {small[p]:>9.0f} {big[p]:>11.0f} {growth:>+8.0f} {ratios[p]:>6.2f}")
    summary = {
        "ratio": round(max(ratios.values()), 3),
        "large_mb": large,
        "peak_rss_mb": {
            label: {p: round(v, 1) for p, v in peaks.items()} for label, peaks in results.items()
        },
        "ratios": {p: round(r, 3) for p, r in ratios.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
