"""The ``actes`` command starts fast: commands load when they run, not to be listed."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workflow.interfaces.cli.app import ActesGroup

HEAVY = ("sqlalchemy", "celery", "fastapi", "fpdf", "alembic", "uvicorn", "kombu", "pypdf")

_PROBE = """
import json, sys
import click
import pytest
from click.testing import CliRunner

from workflow.interfaces.cli.app import ActesGroup
from workflow.interfaces.cli.main import cli
result = CliRunner().invoke(cli, ["--help"])
print(json.dumps({"exit": result.exit_code, "help": result.output,
                  "modules": sorted(sys.modules)}))
"""


def test_help_lists_every_command_without_importing_the_heavy_libraries() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    probe = json.loads(ran.stdout)
    assert probe["exit"] == 0
    top_level = {name.split(".")[0] for name in probe["modules"]}
    assert not set(HEAVY) & top_level, set(HEAVY) & top_level
    assert not [m for m in probe["modules"] if m.startswith("workflow.adapters")]
    for name in ("package", "submit", "serve", "worker", "simulator", "extract", "legal"):
        assert f"\n  {name} " in probe["help"]


def test_the_command_table_matches_what_the_modules_register() -> None:
    from workflow.interfaces.cli import main

    for module in main._COMMAND_MODULES:
        importlib.import_module(module)
    registered = {
        name: (command.callback.__module__ if command.callback else "", command.help or "")
        for name, command in main.cli.commands.items()
    }
    missing = sorted(set(registered) - set(main.COMMANDS))
    assert not missing, f"add a row to COMMANDS in workflow/interfaces/cli/main.py: {missing}"
    assert sorted(main.COMMANDS) == sorted(registered)
    for name, (module, summary) in main.COMMANDS.items():
        first_line = main.cli.commands[name].get_short_help_str(limit=1000)
        expected = f'"{name}": (_CLI + "{registered[name][0].rsplit(".", 1)[1]}", {first_line!r})'
        assert (module, summary) == (registered[name][0], first_line), f"COMMANDS: {expected}"


GROUP = ActesGroup("t")


def test_a_command_missing_from_the_table_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "late_commands.py").write_text(
        "from tests.integration.test_cli_startup import GROUP\n"
        "@GROUP.command('late')\n"
        "def late() -> None:\n"
        "    'A command the table does not name.'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    GROUP.lazy_commands({}, ["late_commands"])
    assert "late" not in GROUP.commands
    found = GROUP.get_command(click.Context(GROUP), "late")
    assert found is not None and found.name == "late"


def test_a_lazy_command_runs_from_its_module() -> None:
    from workflow.interfaces.cli.main import cli

    result = CliRunner().invoke(cli, ["id", "parse", "028-212801344-20221018-DEL2022_148-DE"])
    assert result.exit_code == 0, result.output
    assert "212801344" in result.output


def test_extract_loads_no_store_queue_or_web_framework(tmp_path: Path) -> None:
    text = tmp_path / "act.txt"
    text.write_text("Délibération n° DEL2022-148 du 13 octobre 2022\nObjet : Voirie\n")
    probe = _PROBE.replace('["--help"]', f'["extract", {str(text)!r}]')
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    result = json.loads(ran.stdout)
    assert result["exit"] == 0 and "DEL2022-148" in result["help"]
    top_level = {name.split(".")[0] for name in result["modules"]}
    assert not {"sqlalchemy", "celery", "fastapi", "fpdf", "alembic"} & top_level
