"""The CLI contract of issue 2: `actes package`, `actes inspect`, `actes id parse`, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def actes(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=60,
    )


def _package_args(document: Path, out: Path, **overrides: str) -> list[str]:
    options = {
        "--siren": "212801344",
        "--departement": "028",
        "--email": "actes@ville-dreux.fr",
        "--numero": "DEL2022-148",
        "--date": "2022-10-13",
        "--nature": "DE",
        "--classification": "8.1",
        "--classification-date": "2022-01-01",
        "--objet": "Espace Numérique de Travail primOT",
        "--document": str(document),
        "--out": str(out),
        "--generated-on": "2022-10-18",
    }
    options.update(overrides)
    return ["package", *(x for pair in options.items() for x in pair)]


def test_package_then_inspect(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    result = actes(*_package_args(pdf_factory(), tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert described["archive_name"] == "SLO-EACT--212801344--20221018-1.tar.gz"
    assert described["numero"] == {
        "given": "DEL2022-148",
        "sent": "DEL2022_148",
        "changes": ["replaced '-' by '_'"],
    }
    assert [m["role"] for m in described["members"]] == ["envelope", "message", "document"]
    second = actes(*_package_args(pdf_factory(), tmp_path / "out"))
    assert second.stdout.strip().endswith("SLO-EACT--212801344--20221018-2.tar.gz")  # next serial
    inspected = actes("inspect", described["archive"])
    assert inspected.returncode == 0, inspected.stderr
    data = json.loads(inspected.stdout)
    assert (data["code"], data["root"]) == ("1-1", "Acte")
    assert data["fields"]["numero"] == "DEL2022_148"
    assert data["envelope"]["fields"]["siren"] == "212801344"
    assert {m["name"] for m in data["members"]} == {m["name"] for m in described["members"]}


def test_package_from_registry(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    registry = tmp_path / "registry.toml"
    registry.write_text(
        '[[collectivite]]\nname = "Dreux"\nsiren = "212801344"\ndepartement = "028"\nemails = ["a@dreux.fr"]\n'
    )
    args = _package_args(pdf_factory(), tmp_path / "out")
    for key in ("--siren", "--departement", "--email"):
        index = args.index(key)
        del args[index : index + 2]
    result = actes(*args, "--registry", str(registry))
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_file()


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"--siren": "21280134"}, "siren"),
        ({"--departement": "020"}, "departement"),
        ({"--date": "13/10/2022"}, "date"),
        ({"--nature": "XX"}, "nature"),
        ({"--classification": "8"}, "classification"),
        ({"--objet": ""}, "objet"),
        ({"--email": "not-an-address"}, "emails"),
    ],
)
def test_invalid_input_is_one_line_and_exit_2(
    tmp_path: Path, pdf_factory: Callable[..., Path], overrides: dict[str, str], needle: str
) -> None:
    result = actes(*_package_args(pdf_factory(), tmp_path / "out", **overrides))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_strict_numero_refuses(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    result = actes(
        *_package_args(pdf_factory(), tmp_path / "out", **{"--numero": "15.09.03.35"}),
        "--strict-numero",
    )
    assert result.returncode == 2
    assert "15_09_03_35" in result.stderr  # the error suggests the normalised form


def test_id_parse() -> None:
    ok = actes("id", "parse", "028-212801344-20221018-DEL2022-148-DE")
    assert json.loads(ok.stdout)["numero"] == "DEL2022-148"
    bad = actes("id", "parse", "030-21300217-20211027-2021100-DE")
    assert bad.returncode == 2
    assert "SIREN" in bad.stderr
    assert "8 digits" in bad.stderr


@pytest.mark.shared
def test_inspect_every_sample(shared_dir: Path) -> None:
    sample = (
        shared_dir
        / "reference"
        / "samples"
        / "1-2-ar"
        / "034-491011698-20171207-CL20171227_06-DE-1-2.xml"
    )
    data = json.loads(actes("inspect", str(sample)).stdout)
    assert (data["code"], data["root"]) == ("1-2", "ARActe")
    assert data["fields"]["id_acte"] == "034-491011698-20171207-CL20171227_06-DE"
    assert data["fields"]["date_reception"] == "2017-12-27"


@pytest.mark.shared
def test_package_fixture_metadata(
    shared_dir: Path, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    """The issue's "done when": fixture metadata + a PDF → a valid archive that inspect reads."""
    expected = json.loads((shared_dir / "fixtures" / "deliberations" / "expected.json").read_text())
    dreux = expected["dreux-2022-148.txt"]
    result = actes(
        *_package_args(
            pdf_factory(),
            tmp_path,
            **{
                "--siren": dreux["siren"],
                "--departement": dreux["departement"],
                "--numero": dreux["numero_printed"],
                "--date": dreux["session_date"],
                "--objet": dreux["objet"],
                "--classification": dreux["classification_suggested"],
            },
        ),
        "--profile",
        "ministry",
    )
    assert result.returncode == 0, result.stderr
    inspected = json.loads(actes("inspect", result.stdout.strip()).stdout)
    assert inspected["fields"]["numero"] == "DEL2022-148"


def test_package_carries_given_signatures_and_refuses_one_that_does_not_match(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    """``--signature`` and ``--annexe-signature N=FILE``: carried into the act XML's
    Signature slot as given (DER → PEM); one that signs another file is exit code 4."""
    import hashlib
    import io

    from workflow.adapters.pki import create_dev_pki, read_passphrase_file
    from workflow.adapters.software_signer import load_signer
    from workflow.signing import Secret

    pki = create_dev_pki(tmp_path / "pki")
    signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
    document, first, second = pdf_factory("Délibération"), pdf_factory("Plan"), pdf_factory("Devis")

    def signature_of(path: Path, name: str) -> Path:
        target = tmp_path / name
        target.write_bytes(signer.sign_detached(io.BytesIO(path.read_bytes())).der)
        return target

    act_sig, second_sig = signature_of(document, "act.p7s"), signature_of(second, "2.p7s")
    annexes = ["--annexe", str(first), "--typologie", "99_AU"]
    annexes += ["--annexe", str(second), "--typologie", "99_AU"]
    args = [*_package_args(document, tmp_path / "out"), *annexes, "--signature", str(act_sig)]
    result = actes(*args, "--annexe-signature", f"2={second_sig}", "--json")
    assert result.returncode == 0, result.stderr
    members = json.loads(result.stdout)["members"]
    signed = {m["role"] + str(i): "signature_sha256" in m for i, m in enumerate(members)}
    assert signed == {
        "envelope0": False,
        "message1": False,
        "document2": True,
        "annexe3": False,
        "annexe4": True,
    }
    assert members[2]["signature_sha256"] == hashlib.sha256(act_sig.read_bytes()).hexdigest()
    wrong = actes(*args, "--annexe-signature", f"1={second_sig}")
    assert wrong.returncode == 4 and "2.p7s does not sign" in wrong.stderr, wrong.stderr
    bad_rank = actes(*args, "--annexe-signature", f"3={second_sig}")
    assert bad_rank.returncode == 2 and "annexe-signature" in bad_rank.stderr
