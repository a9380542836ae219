"""How fast the ``actes`` command starts, against the interpreter starting and doing nothing.

Times, best of N runs each (run in turn, so that all see the same machine): ``python -c pass``
(the same interpreter), ``actes --help`` and ``actes extract`` on a small text file; prints
each one's wall time and peak RSS, and, last, one JSON line whose ``ratio`` is ``actes --help``
over ``python -c pass`` (issue 13: ≤ 10).

    .venv/bin/python bench/startup.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACT_TEXT = (
    "COMMUNE DE DREUX\n"
    "Extrait du registre des délibérations du conseil municipal\n"
    "Délibération n° DEL2022-148 du 13 octobre 2022\n"
    "Objet : Espace numérique de travail primOT\n"
    "Membres en exercice : 39 ; présents : 30 ; votants : 35\n"
)


def _actes() -> str:
    beside = Path(sys.executable).with_name("actes")
    found = str(beside) if beside.exists() else shutil.which("actes")
    if found is None:
        raise SystemExit("the actes command is not installed (make install)")
    return found


def _run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (well under a minute)")
    parser.add_argument("--runs", type=int, default=None)
    arguments = parser.parse_args()
    runs = arguments.runs or (7 if arguments.quick else 25)
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "deliberation.txt"
        text.write_text(ACT_TEXT, encoding="utf-8")
        actes = _actes()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "actes --help": [actes, "--help"],
            "actes extract": [actes, "extract", str(text)],
        }
        timings: dict[str, list[tuple[float, int]]] = {label: [] for label in commands}
        for _ in range(runs):
            for label, command in commands.items():
                timings[label].append(_run(command))
    best = {label: min(t for t, _ in runs_) for label, runs_ in timings.items()}
    rss = {label: max(r for _, r in runs_) for label, runs_ in timings.items()}
    baseline = best["python -c pass"]
    print(f"{'command':<16} {'best (ms)':>10} {'peak RSS (MB)':>14} {'× python':>9}")
    for label in commands:
        print(
            f"{label:<16} {best[label] * 1000:>10.1f} {rss[label] / 1024:>14.1f} "
            f"{best[label] / baseline:>9.1f}"
        )
    print(
        json.dumps(
            {
                "bench": "startup",
                "ratio": round(best["actes --help"] / baseline, 2),
                "extract_ratio": round(best["actes extract"] / baseline, 2),
                "python_pass_ms": round(baseline * 1000, 1),
                "help_ms": round(best["actes --help"] * 1000, 1),
                "extract_ms": round(best["actes extract"] * 1000, 1),
                "help_rss_mb": round(rss["actes --help"] / 1024, 1),
                "extract_rss_mb": round(rss["actes extract"] / 1024, 1),
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
