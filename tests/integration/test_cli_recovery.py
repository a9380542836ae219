"""The recovery commands as a clerk uses them: status by id, IDActe or number and by state
and age, the problem of an act that is not moving in French, retry and resend, truthful
empty listings, an unknown data directory refused, and the settings the README promises."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_cli_intake import REGISTRY, pdf
from workflow.adapters.wiring import build_services
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.settings import Settings

METADATA = '{"siren": "212801344", "classification": "5.2", "date": "2022-10-13"}'


def actes(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**clean, **(env or {})},
    )


def test_an_unknown_data_dir_is_an_error_not_an_empty_store(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    for command in (["status"], ["drafts"], ["deadlines"], ["retry", "1"]):
        result = actes(*command, "--data-dir", str(missing))
        assert result.returncode == 2, (command, result.stderr)
        assert "data-dir" in result.stderr
    assert not missing.exists()


def test_status_retry_and_resend_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    d = ["--data-dir", str(data)]
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    assert actes("collectivites", "import", str(registry), *d).returncode == 0
    assert actes("status", *d).stdout.strip() == "aucun acte enregistré pour l'instant"
    assert "aucun brouillon ouvert" in actes("drafts", *d).stdout
    assert "aucune échéance" in actes("deadlines", *d).stdout
    metadata = tmp_path / "m.json"
    metadata.write_text(METADATA, encoding="utf-8")
    submitted = actes(
        "submit", str(pdf(tmp_path, 148)), "--metadata", str(metadata), "--no-enqueue", *d
    )
    assert submitted.returncode == 0, submitted.stderr
    services = build_services(Settings(data_dir=data), actor="test")
    act = services.store.list_acts()[0]
    now = dt.datetime.now(dt.UTC)
    services.store.transition(act.id, ActState.PACKAGED, actor="t", reason="t", at=now)
    services.submission.fail(act.id, "the platform answered HTTP 503 eight times")

    shown = actes("status", "DEL2022_148", *d)
    assert shown.returncode == 0, shown.stderr
    assert "problème [retries_exhausted]" in shown.stdout and "à faire :" in shown.stdout
    assert "acte reçu" in shown.stdout  # the timeline in French
    assert actes("status", "--numero", "DEL2022_148", *d).stdout == shown.stdout
    listed = actes("status", "--state", "failed", *d).stdout
    assert "retries_exhausted" in listed and "DEL2022_148" in listed
    assert (
        "aucun acte ne correspond"
        in actes("status", "--state", "failed", "--older-than", "2d", *d).stdout
    )
    unknown = actes("status", "--id-acte", "028-212801344-20221013-NOPE-DE", *d)
    assert unknown.returncode == 2

    resent = actes("resend", "DEL2022_148", "--set", "objet=Objet corrigé", "--no-enqueue", *d)
    assert resent.returncode == 0, resent.stderr
    assert "DEL2022_148A" in resent.stdout and "remplace l'acte" in resent.stdout
    retried = actes("retry", "DEL2022_148", "--no-enqueue", *d)
    assert retried.returncode == 2 and "replaced by act" in retried.stderr
    bad = actes("resend", "DEL2022_148A", "--set", "colour=blue", *d)
    assert bad.returncode == 2  # not failed (received), and colour is no field
    new = services.store.act_by_numero("212801344", "DEL2022_148A")
    assert new is not None and new.objet == "Objet corrigé" and new.replaces == act.id
    services.close()


def test_platform_status_reads_the_platform_settings(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there: a transient failure, not a usage error
    result = actes(
        "platform-status",
        "--transaction",
        "1",
        env={"ACTES_PLATFORM_URL": f"http://127.0.0.1:{port}"},
    )
    assert result.returncode == 3, result.stderr
    assert "cannot reach the platform" in result.stderr
    assert actes("platform-status", "--transaction", "1").returncode == 2  # no URL at all


def test_the_simulator_keeps_its_state_in_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workflow.interfaces.cli.main",
            "simulator",
            "--http",
            "--port",
            str(free_port()),
        ],
        env={**clean, "ACTES_DATA_DIR": str(data)},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert str(data / "simulator.sqlite3") in line, line
        deadline = time.monotonic() + 20
        while not (data / "simulator.sqlite3").exists():
            assert time.monotonic() < deadline, "the simulator did not create its state"
            time.sleep(0.1)
        assert not (tmp_path / "actes-data").exists()
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr is not None:
            process.stderr.close()
