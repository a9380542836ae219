"""The intake commands as a clerk and a script use them: extract, collectivités, submit,
drafts, tokens, the watched folder and the OpenAPI description."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflow.adapters.textpdf import text_pdf

REGISTRY = """
[[collectivite]]
name = "Ville de Dreux"
siren = "212801344"
departement = "028"
emails = ["actes@ville-dreux.fr"]
"""

TEXT = """Ville de Dreux
CONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022
DÉLIBÉRATION N°DEL2022-{n}

{objet}

Rapporteur : Lydie GUÉRIN
APRÈS EN AVOIR DÉLIBÉRÉ, à l'unanimité
"""


def actes(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--data-dir", str(data_dir)] if data_dir else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args, *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def pdf(tmp_path: Path, n: int, objet: str = "Restauration scolaire des écoles") -> Path:
    path = tmp_path / f"{n}.pdf"
    path.write_bytes(text_pdf(TEXT.format(n=n, objet=objet)))
    return path


@pytest.mark.shared
def test_extract_prints_fields_sources_and_review(shared_dir: Path) -> None:
    fixture = shared_dir / "fixtures" / "deliberations" / "saint-ambroix-2021-100.txt"
    result = actes("extract", str(fixture), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["fields"]["numero_printed"]["value"] == "2021-100"
    assert report["fields"]["numero_printed"]["found"]["line"] > 0
    assert report["classification"]["chosen"]["code"] == "8.1"
    assert any(item["field"] == "printed_ar" for item in report["needs_review"])
    human = actes("extract", str(fixture))
    assert (
        human.returncode == 0
        and "needs review:" in human.stdout
        and "Frédérique CAZALET" in human.stdout
    )


def test_submit_draft_complete_and_tokens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    registry = tmp_path / "collectivites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    assert actes("collectivites", "import", str(registry), data_dir=data).returncode == 0
    assert "Ville de Dreux" in actes("collectivites", "list", data_dir=data).stdout

    sent = actes("submit", str(pdf(tmp_path, 201)), "--no-enqueue", "--json", data_dir=data)
    assert sent.returncode == 0, sent.stderr
    body = json.loads(sent.stdout)
    assert body["status"] == "act" and body["act"]["numero"] == "DEL2022_201"

    held = actes(
        "submit", str(pdf(tmp_path, 202, "Questions diverses")), "--no-enqueue", data_dir=data
    )
    assert held.returncode == 2
    assert "held (nothing sent)" in held.stdout and "classification" in held.stderr
    listed = json.loads(actes("drafts", "--json", data_dir=data).stdout)["drafts"]
    assert len(listed) == 1 and listed[0]["status"] == "open"
    draft_id = str(listed[0]["id"])
    assert f"draft {draft_id} held" in held.stdout
    done = actes(
        "draft",
        "complete",
        draft_id,
        "--set",
        "classification=5.2",
        "--no-enqueue",
        "--json",
        data_dir=data,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["act"]["classification"] == "5.2"
    assert json.loads(actes("drafts", "--json", data_dir=data).stdout)["drafts"] == []

    missing = actes("submit", str(tmp_path / "nope.pdf"), data_dir=data)
    assert missing.returncode == 2
    metadata = tmp_path / "m.json"
    metadata.write_text('{"date": "yesterday"}', encoding="utf-8")
    bad = actes("submit", str(pdf(tmp_path, 203)), "--metadata", str(metadata), data_dir=data)
    assert bad.returncode == 2 and "date" in bad.stderr

    issued = actes(
        "token", "issue", "--name", "web-delib", "--siren", "212801344", "--json", data_dir=data
    )
    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)
    assert token["token"].startswith("actes_")
    tokens = json.loads(actes("token", "list", "--json", data_dir=data).stdout)["tokens"]
    assert tokens[0]["sirens"] == ["212801344"] and token["token"] not in json.dumps(tokens)
    assert actes("token", "revoke", str(token["id"]), data_dir=data).returncode == 0
    assert json.loads(actes("token", "list", "--json", data_dir=data).stdout)["tokens"][0][
        "revoked_at"
    ]
    unknown = actes("token", "issue", "--name", "x", "--siren", "000000018", data_dir=data)
    assert unknown.returncode == 2 and "000000018" in unknown.stderr


def test_watch_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    registry = tmp_path / "collectivites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    actes("collectivites", "import", str(registry), data_dir=data)
    folder = tmp_path / "exports"
    folder.mkdir()
    document = pdf(folder, 301)
    os.utime(document, (1_700_000_000, 1_700_000_000))
    result = actes("watch", str(folder), "--once", "--no-enqueue", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "301.pdf: act 1 (received)" in result.stdout
    assert (folder / "done" / "301.pdf").exists()


def test_openapi_describes_the_endpoint() -> None:
    result = actes("openapi")
    assert result.returncode == 0, result.stderr
    description = json.loads(result.stdout)
    post = description["paths"]["/api/acts"]["post"]
    assert {"201", "200", "202", "413"} <= set(post["responses"])
    assert any(p["name"] == "idempotency-key" for p in post["parameters"])


@pytest.mark.shared
def test_nomenclature_import_and_show(shared_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    registry = tmp_path / "collectivites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    actes("collectivites", "import", str(registry), data_dir=data)
    sample = shared_dir / "reference" / "samples" / "7-2-classification" / "999-1234----7-2_1.xml"
    imported = actes("nomenclature", "import", str(sample), "--siren", "212801344", data_dir=data)
    assert imported.returncode == 0, imported.stderr
    assert "2019-04-18" in imported.stdout
    shown = json.loads(
        actes("nomenclature", "show", "--siren", "212801344", "--json", data_dir=data).stdout
    )
    assert shown["version"] == "2019-04-18" and shown["codes"]["8.1.1"] == "Frais de scolarité"
    wrong = actes("nomenclature", "import", str(registry), "--siren", "212801344", data_dir=data)
    assert wrong.returncode == 2


def test_submit_takes_signatures_and_keeps_a_draft_for_one_that_does_not_match(
    tmp_path: Path,
) -> None:
    import io

    from workflow.adapters.pki import create_dev_pki, read_passphrase_file
    from workflow.adapters.software_signer import load_signer
    from workflow.signing import Secret

    data = tmp_path / "data"
    registry = tmp_path / "collectivites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    assert actes("collectivites", "import", str(registry), data_dir=data).returncode == 0
    pki = create_dev_pki(tmp_path / "pki")
    signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
    act, annex = pdf(tmp_path, 210), tmp_path / "plan.pdf"
    annex.write_bytes(text_pdf("Plan de situation"))
    act_sig, annex_sig = tmp_path / "210.p7s", tmp_path / "plan.p7s"
    act_sig.write_text(signer.sign_detached(io.BytesIO(act.read_bytes())).pem)
    annex_sig.write_bytes(signer.sign_detached(io.BytesIO(annex.read_bytes())).der)
    metadata = tmp_path / "210.json"
    metadata.write_text('{"annexes": [{"typologie": "99_AU"}]}', encoding="utf-8")
    common = ["--annexe", str(annex), "--metadata", str(metadata), "--no-enqueue", "--json"]

    crossed = actes(
        "submit", str(act), *common, "--signature", str(annex_sig),
        "--annexe-signature", f"1={act_sig}", data_dir=data,
    )  # fmt: skip
    assert crossed.returncode == 2, crossed.stderr
    fields = [
        p["field"] for p in json.loads(crossed.stdout)["problems"] if p["severity"] == "error"
    ]
    assert fields == ["document.signature", "annexes[0].signature"]
    assert "210.pdf" in crossed.stderr  # the first problem names the file

    sent = actes(
        "submit", str(act), *common, "--signature", str(act_sig),
        "--annexe-signature", f"1={annex_sig}", data_dir=data,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    body = json.loads(sent.stdout)
    assert body["status"] == "act"
    unchecked = [p["severity"] for p in body["problems"] if p["field"].endswith(".signature")]
    assert unchecked == ["warning", "warning"]  # no trust list here: the chain is unchecked
    malformed = actes("submit", str(act), "--annexe-signature", "plan.p7s", data_dir=data)
    assert malformed.returncode == 2 and "N=FILE" in malformed.stderr
