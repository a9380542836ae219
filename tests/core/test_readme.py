"""The README tells the truth about the repository: every file it names is in it, and every
setting it names is a field of the settings."""

from __future__ import annotations

import re
from pathlib import Path

from workflow.settings import Settings

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_file_the_readme_names_exists() -> None:
    named = set(re.findall(r"`(\w[\w./-]*/[\w.-]+\.(?:py|md|toml|json|yml|cfg|txt))`", README))
    assert named, "the README names no file: the pattern is wrong"
    files = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if ".venv" not in p.parts]
    missing = {n for n in named if not any(f == n or f.endswith("/" + n) for f in files)}
    assert not missing, f"the README names files that are not in the repository: {missing}"


def test_every_setting_the_readme_names_exists() -> None:
    named = set(re.findall(r"\bACTES_([A-Z0-9_]+)", README))
    tests_only = {n for n in named if n.startswith(("TEST_", "FUZZ_"))} | {"LOCALE"}
    unknown = {n for n in named - tests_only if n.lower() not in Settings.model_fields}
    assert not unknown, f"the README names settings that do not exist: {unknown}"
