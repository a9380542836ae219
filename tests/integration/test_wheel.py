"""A user installing from a wheel still validates: the XSDs ship inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_carries_the_schemas_and_validates(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("actes_workflow-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)  # our own wheel, just built: trusted content
    assert "workflow/schemas/actes.xsd" in names
    assert "workflow/schemas/insee.xsd" in names
    check = (
        "from workflow.protocol import schemas, xml_out; from workflow.protocol.messages import Annulation;"
        "schemas.validate(xml_out.to_xml(Annulation('028-212801344-20221018-X-DE')));"
        "import workflow; print(workflow.__file__)"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {check}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith(str(site))
