"""Packaging + signing an act (1-1) against the raw work it cannot avoid, in the same run.

For incompressible PDFs of 200 KB and 5 MB it times, best of N rounds:

- raw: SHA-256 of the document, one RSA-2048 signature of the digest, one write of the
  document's bytes to a new file and its fsync — the physical limit of "package and sign";
- ours: :func:`workflow.packaging.package_act` with the software signer (examine, sign, build
  and validate the XML, write the archive atomically and fsync it).

Both write a new file each round, as every act does (the files are removed between rounds,
untimed), and run in turn, round after round, so that both see the same machine; the
machine is shared, and the best of many rounds is the figure that noise spares.

It prints a table (acts/s for both and their ratio per size) and, last, one JSON line whose
``ratio`` is the lower of the two ratios (issue 13: ≥ 0.5).

    .venv/bin/python bench/packaging.py [--quick] [--rounds N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script's folder comes first on sys.path, and this file shadows the ``packaging``
# distribution that libraries import: take the folder off before importing anything else.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from workflow.adapters.pki import create_dev_pki, read_passphrase_file
from workflow.adapters.software_signer import load_signer
from workflow.collectivite import Collectivite
from workflow.identifiers import ActNature, Classification
from workflow.numbering import NumeroInterne
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.signing import Secret

SIZES = {"200KB": 200 * 1024, "5MB": 5 * 1024 * 1024}
DREUX = Collectivite.from_mapping(
    {
        "name": "Ville de Dreux",
        "siren": "212801344",
        "departement": "028",
        "arrondissement": 1,
        "emails": ["actes@ville-dreux.fr"],
    }
)


def _best_of_pairs(
    raw: Callable[[], object], ours: Callable[[], object], rounds: int, folder: Path
) -> tuple[float, float]:
    """Best time of each, the two run in turn so that both see the same machine."""
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for function, kept in zip((raw, ours), timings, strict=True):
            start = time.perf_counter()
            function()
            kept.append(time.perf_counter() - start)
            shutil.rmtree(folder)
            folder.mkdir()
    return min(timings[0]), min(timings[1])


def _incompressible_pdf(path: Path, size: int) -> Path:
    head, tail = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    path.write_bytes(head + os.urandom(size - len(head) - len(tail)) + tail)
    return path


def _act(document: Path) -> ActInput:
    return ActInput(
        collectivite=DREUX,
        numero=NumeroInterne.parse("DEL2026_1"),
        date=dt.date(2026, 1, 5),
        nature=ActNature.DE,
        classification=Classification.parse("8.1"),
        classification_date=dt.date(2025, 1, 1),
        objet="Budget primitif de l'exercice",
        document=DocumentInput(document),
    )


def _measure(folder: Path, size: int, rounds: int, signer: object) -> dict[str, float]:
    document = _incompressible_pdf(folder / f"act-{size}.pdf", size)
    data = document.read_bytes()
    key = signer._key  # type: ignore[attr-defined]  # the raw baseline signs with the same key
    assert isinstance(key, rsa.RSAPrivateKey)
    out = folder / f"out-{size}"
    out.mkdir()

    def raw() -> None:
        digest = hashlib.sha256(data).digest()
        key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        with (out / "raw.bin").open("xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())

    act = _act(document)
    options = PackagingOptions(generated_on=dt.date(2026, 1, 6))

    def ours() -> None:
        package_act(act, out, options, signer=signer)  # type: ignore[arg-type]

    raw_s, ours_s = _best_of_pairs(raw, ours, rounds, out)
    return {"raw_per_s": 1 / raw_s, "ours_per_s": 1 / ours_s, "ratio": raw_s / ours_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a minute or less)")
    parser.add_argument("--rounds", type=int, default=None)
    arguments = parser.parse_args()
    rounds = arguments.rounds or (40 if arguments.quick else 200)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        pki = create_dev_pki(folder / "pki")
        signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
        results = {label: _measure(folder, size, rounds, signer) for label, size in SIZES.items()}
    print(f"{'document':>9} {'raw acts/s':>11} {'ours acts/s':>12} {'ratio':>7}")
    for label, figures in results.items():
        print(
            f"{label:>9} {figures['raw_per_s']:>11.1f} {figures['ours_per_s']:>12.1f} "
            f"{figures['ratio']:>7.3f}"
        )
    summary: dict[str, object] = {
        "bench": "packaging",
        "ratio": round(min(f["ratio"] for f in results.values()), 3),
        "rounds": rounds,
    }
    for label, figures in results.items():
        for key, value in figures.items():
            summary[f"{label}_{key}"] = round(value, 3)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
