"""Signing throughput against the raw cost it cannot avoid, measured in the same run.

For documents of 200 KB and 5 MB it times (a) the raw work: SHA-256 of the document plus one
RSA-2048 PKCS#1 v1.5 signature of a digest, and (b) our signer end to end (CMS SignedData with
signed attributes and the certificate), and prints both and their ratio.

    .venv/bin/python bench/bench_signing.py [--rounds N]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from workflow.adapters.pki import create_dev_pki, read_passphrase_file
from workflow.adapters.software_signer import load_signer
from workflow.signing import Secret


def _best(function: object, rounds: int) -> float:
    assert callable(function)
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        pki = create_dev_pki(Path(folder))
        signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
        key = signer._key  # the raw baseline uses the very same key
        print(f"{'size':>8} {'raw sha256+RSA (ms)':>20} {'CMS signer (ms)':>16} {'ratio':>7}")
        for size in (200 * 1024, 5 * 1024 * 1024):
            document = os.urandom(size)

            def raw(document: bytes = document) -> None:
                digest = hashlib.sha256(document).digest()
                key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))  # type: ignore[call-arg, arg-type]

            def ours(document: bytes = document) -> None:
                signer.sign_detached(io.BytesIO(document))

            raw_s, ours_s = _best(raw, rounds), _best(ours, rounds)
            print(
                f"{size // 1024:>6}KB {raw_s * 1000:>20.2f} {ours_s * 1000:>16.2f} "
                f"{ours_s / raw_s:>7.2f}"
            )


if __name__ == "__main__":
    main()
