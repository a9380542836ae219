"""The README's first command: `actes demo` runs the main job end to end on the embedded
default, and leaves a store that `actes status --data-dir D --json` reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def actes(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.mark.slow
def test_demo_end_to_end_then_status(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-data"
    demo = actes("demo", "--data-dir", str(data_dir), "--json", "--timeout", "150")
    assert demo.returncode == 0, demo.stderr[-3000:]
    result = json.loads(demo.stdout)
    assert [row["state"] for row in result["acts"]] == ["acknowledged"] * 3
    assert {row["id_acte"] for row in result["acts"]} == {
        "028-212801344-20221013-DEL2022_148-DE",
        "039-000000018-20150309-15_09_03_35-DE",
        "030-000000026-20211027-2021_100-DE",
    }
    assert "acknowledged" in demo.stderr  # progress is shown as it goes
    status = actes("status", "--data-dir", str(data_dir), "--json")
    assert status.returncode == 0, status.stderr
    acts = json.loads(status.stdout)["acts"]
    assert len(acts) == 3
    assert all(a["id_acte"] and a["date_reception"] for a in acts)
    again = actes(
        "demo", "--data-dir", str(data_dir), "--json", "--timeout", "60"
    )  # idempotent re-run
    assert again.returncode == 0, again.stderr[-3000:]
    assert [row["id"] for row in json.loads(again.stdout)["acts"]] == [a["id"] for a in acts]
    leftovers = subprocess.run(
        ["pgrep", "-f", str(data_dir)], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""  # every child process was stopped
