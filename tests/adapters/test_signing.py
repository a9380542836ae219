"""Signing (issue 3): pre-sign checks, detached CMS, and tamper tests from two verifiers.

Every tampered case must give its own specific error from our verifier (asn1crypto-based,
independent of the signer) AND be refused by ``openssl cms -verify -binary``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs12

from workflow.adapters.cms_verify import verify_detached
from workflow.adapters.pki import DevPki, make_certificate, read_passphrase_file
from workflow.adapters.software_signer import SoftwareSigner, load_signer
from workflow.errors import InvalidInput
from workflow.signing import (
    CertificateExpired,
    CertificateNotYetValid,
    CredentialUnreadable,
    KeyMismatch,
    Secret,
    UnsupportedKey,
    WrongKeyUsage,
)

NOW = dt.datetime.now(dt.UTC)
DOCUMENT = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def signer(pki: DevPki) -> SoftwareSigner:
    return load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))


def _ca(pki: DevPki) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())]


def _ca_key(pki: DevPki) -> object:
    return serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)


def _openssl(
    document: bytes, signature: bytes, pki: DevPki, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    doc, sig = tmp_path / "doc.bin", tmp_path / "sig.der"
    doc.write_bytes(document)
    sig.write_bytes(signature)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(sig),
            "-content",
            str(doc),
            "-CAfile",
            str(pki.ca_cert),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def test_valid_signature_verifies_both_ways(
    signer: SoftwareSigner, pki: DevPki, tmp_path: Path
) -> None:
    signature = signer.sign_detached(io.BytesIO(DOCUMENT))
    report = verify_detached(io.BytesIO(DOCUMENT), signature.der, trust_store=_ca(pki))
    assert report.valid, report.error
    assert report.chain == "trusted"
    assert report.content_digest_matches
    assert report.signature_value_valid
    assert report.digest_algorithm == "sha256"
    assert report.signing_time is not None
    assert abs(report.signing_time - NOW) < dt.timedelta(minutes=5)
    assert report.signer is not None
    assert "TEST" in report.signer.subject
    assert report.valid_at_signing_time
    assert report.key_usage_ok
    assert signature.pem.startswith("-----BEGIN PKCS7-----")
    assert verify_detached(io.BytesIO(DOCUMENT), signature.pem.encode(), trust_store=_ca(pki)).valid
    if shutil.which("openssl"):
        assert _openssl(DOCUMENT, signature.der, pki, tmp_path).returncode == 0


def _other_key_signature(pki: DevPki) -> bytes:
    cert, key = make_certificate(
        "Intruder",
        None,
        None,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=30),
    )
    data = pkcs12.serialize_key_and_certificates(
        b"x", key, cert, None, serialization.NoEncryption()
    )
    return load_signer(data).sign_detached(io.BytesIO(DOCUMENT)).der


@pytest.fixture(scope="module")
def expired_case(pki: DevPki) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import pkcs7

    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    cert, key = make_certificate(
        "Expired",
        ca,
        _ca_key(pki),
        not_before=NOW - dt.timedelta(days=30),
        not_after=NOW - dt.timedelta(days=1),
    )  # type: ignore[arg-type]
    # bypass our signer on purpose (it refuses an expired certificate): the library signs anyway
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(cert, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


@needs_openssl
@pytest.mark.parametrize(
    "case", ["flipped byte", "other key", "expired", "truncated", "other document"]
)
def test_tampering_gives_its_own_error_from_both_verifiers(
    case: str, signer: SoftwareSigner, pki: DevPki, expired_case: bytes, tmp_path: Path
) -> None:
    good = signer.sign_detached(io.BytesIO(DOCUMENT)).der
    document, signature, code = {
        "flipped byte": (
            DOCUMENT[:100] + bytes([DOCUMENT[100] ^ 1]) + DOCUMENT[101:],
            good,
            "digest_mismatch",
        ),
        "other key": (DOCUMENT, _other_key_signature(pki), "untrusted_signer"),
        "expired": (DOCUMENT, expired_case, "certificate_expired"),
        "truncated": (DOCUMENT, good[: len(good) // 2], "malformed_signature"),
        "other document": (b"%PDF-1.4 another act %%EOF", good, "digest_mismatch"),
    }[case]
    report = verify_detached(io.BytesIO(document), signature, trust_store=_ca(pki))
    assert not report.valid
    assert report.error_code == code, report.error
    assert _openssl(document, signature, pki, tmp_path).returncode != 0


def test_a_wrong_signature_value_is_caught(signer: SoftwareSigner, pki: DevPki) -> None:
    good = bytearray(signer.sign_detached(io.BytesIO(DOCUMENT)).der)
    good[-5] ^= 0xFF  # inside the RSA signature value, the last field of the SignerInfo
    report = verify_detached(io.BytesIO(DOCUMENT), bytes(good), trust_store=_ca(pki))
    assert report.error_code == "signature_invalid"
    assert report.content_digest_matches


def test_without_trust_store_the_chain_is_reported_unchecked(signer: SoftwareSigner) -> None:
    report = verify_detached(io.BytesIO(DOCUMENT), signer.sign_detached(io.BytesIO(DOCUMENT)).der)
    assert report.valid
    assert report.chain.startswith("not checked")


def _p12(cert: x509.Certificate, key: object) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"x", key, cert, None, serialization.NoEncryption()
    )  # type: ignore[arg-type]


def test_pre_sign_checks(pki: DevPki, tmp_path: Path) -> None:
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    ca_key = _ca_key(pki)
    expired, key = make_certificate(
        "E", ca, ca_key, not_before=NOW - dt.timedelta(days=9), not_after=NOW - dt.timedelta(days=1)
    )  # type: ignore[arg-type]
    with pytest.raises(CertificateExpired):
        load_signer(_p12(expired, key))
    future, key = make_certificate(
        "F", ca, ca_key, not_before=NOW + dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=9)
    )  # type: ignore[arg-type]
    with pytest.raises(CertificateNotYetValid):
        load_signer(_p12(future, key))
    encipher, key = make_certificate(
        "U",
        ca,
        ca_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=9),
        usage="none",
    )  # type: ignore[arg-type]
    with pytest.raises(WrongKeyUsage):
        load_signer(_p12(encipher, key))
    good, _ = make_certificate(
        "G",
        ca,
        ca_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=90),
    )  # type: ignore[arg-type]
    _, other_key = make_certificate(
        "O",
        ca,
        ca_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=90),
    )  # type: ignore[arg-type]
    key_pem = other_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyMismatch):
        load_signer(key_pem, certificate=good.public_bytes(serialization.Encoding.PEM))
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_pem = ed_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(UnsupportedKey):
        load_signer(ed_pem, certificate=good.public_bytes(serialization.Encoding.PEM))
    soon, key = make_certificate(
        "S",
        ca,
        ca_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=10),
    )  # type: ignore[arg-type]
    warned = load_signer(_p12(soon, key), warn_days=30)
    assert warned.warnings
    assert "expires" in warned.warnings[0]
    assert not load_signer(_p12(soon, key), warn_days=5).warnings


def test_wrong_passphrase_never_appears_anywhere(pki: DevPki) -> None:
    secret = Secret("correct horse battery staple")
    with pytest.raises(CredentialUnreadable) as caught:
        load_signer(pki.signer_p12, secret)
    text = f"{caught.value} {caught.value.as_dict()} {secret!r} {secret}"
    assert "horse" not in text
    assert "horse" not in repr(
        load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
    )


def test_pem_key_and_certificate_can_sign(pki: DevPki) -> None:
    signer = load_signer(pki.client_key, certificate=pki.client_cert)
    assert verify_detached(
        io.BytesIO(b"x"), signer.sign_detached(io.BytesIO(b"x")).der, trust_store=_ca(pki)
    ).valid


def _actes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_cli_package_sign_and_verify(pki: DevPki, tmp_path: Path, pdf_factory: object) -> None:
    assert callable(pdf_factory)
    document = pdf_factory()
    packaged = _actes(
        "package",
        "--siren",
        "212801344",
        "--departement",
        "028",
        "--email",
        "a@dreux.fr",
        "--numero",
        "S1",
        "--date",
        "2022-10-13",
        "--nature",
        "DE",
        "--classification",
        "8.1",
        "--classification-date",
        "2022-01-01",
        "--objet",
        "Signé",
        "--document",
        str(document),
        "--out",
        str(tmp_path / "out"),
        "--json",
        "--sign",
        "--pkcs12",
        str(pki.signer_p12),
        "--passphrase-file",
        str(pki.signer_passphrase),
    )
    assert packaged.returncode == 0, packaged.stderr
    described = json.loads(packaged.stdout)
    assert described["members"][2]["signature_sha256"]
    verified = _actes("verify", described["archive"], "--trust-store", str(pki.ca_cert), "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["valid"] is True
    (tmp_path / "doc.pdf").write_bytes(document.read_bytes() + b" ")
    sig = tmp_path / "doc.pdf.p7s"
    signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
    sig.write_bytes(signer.sign_detached(io.BytesIO(document.read_bytes())).der)
    bad = _actes("verify", str(tmp_path / "doc.pdf"), "--trust-store", str(pki.ca_cert), "--json")
    assert bad.returncode == 4
    assert json.loads(bad.stdout)["signatures"][0]["error_code"] == "digest_mismatch"


def test_pki_init_refuses_to_overwrite(tmp_path: Path) -> None:
    assert _actes("pki", "init", str(tmp_path / "p")).returncode == 0
    assert "TEST" in (tmp_path / "p" / "README.txt").read_text()
    again = _actes("pki", "init", str(tmp_path / "p"))
    assert again.returncode == 2
    assert "--force" in again.stderr
    assert _actes("pki", "init", str(tmp_path / "p"), "--force").returncode == 0


def test_a_der_signature_ending_in_a_whitespace_byte_is_read_whole(pki: DevPki) -> None:
    # DER is binary: a parser that strips "white space" truncates one signature in ~25
    # (a real failure this test pins down: the last byte of an ECDSA/RSA value may be 0x0A)
    from workflow.adapters.cms_verify import parse_signature

    signer = load_signer(pki.client_key, certificate=pki.client_cert)
    der = signer.sign_detached(io.BytesIO(b"x")).der
    for last in (b"\n", b" ", b"\t", b"\r", b"\x0b", b"\x0c"):
        forged = der[:-1] + last
        signed = parse_signature(forged)  # the structure is read whole (the value may not verify)
        assert signed["signer_infos"][0]["signature"].native.endswith(last)


class _ChunksOnly(io.RawIOBase):
    """A stream that refuses to be read whole: signing must hash it by chunks."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.largest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the whole stream was asked for at once")
        self.largest = max(self.largest, size)
        return self._data.read(size)


def test_signing_hashes_by_chunks_and_a_known_digest_gives_the_same_check(
    signer: SoftwareSigner, pki: DevPki, tmp_path: Path
) -> None:
    document = DOCUMENT * 40  # ~4 MB
    stream = _ChunksOnly(document)
    streamed = signer.sign_detached(stream)  # type: ignore[arg-type]
    assert stream.largest <= 1024 * 1024
    known = signer.sign_digest(hashlib.sha256(document).digest())
    for signature in (streamed, known):
        report = verify_detached(io.BytesIO(document), signature.der, trust_store=_ca(pki))
        assert report.valid, report.error
        assert _openssl(document, signature.der, pki, tmp_path).returncode == 0
    tampered = verify_detached(io.BytesIO(document + b"x"), known.der, trust_store=_ca(pki))
    assert tampered.error_code == "digest_mismatch"
    with pytest.raises(InvalidInput, match="32 bytes"):
        signer.sign_digest(b"\x00" * 20)


def test_an_ec_key_signs_a_cms_both_verifiers_accept(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "TEST EC signer")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=90))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = load_signer(pem_key, certificate=cert.public_bytes(serialization.Encoding.PEM))
    der = signer.sign_detached(io.BytesIO(DOCUMENT)).der
    report = verify_detached(io.BytesIO(DOCUMENT), der)
    assert report.signature_value_valid and report.content_digest_matches, report.error
    if shutil.which("openssl"):
        (tmp_path / "doc").write_bytes(DOCUMENT)
        (tmp_path / "sig").write_bytes(der)
        checked = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-noverify", "-inform", "DER",
             "-in", str(tmp_path / "sig"), "-content", str(tmp_path / "doc"), "-out", "/dev/null"],
            capture_output=True, check=False, timeout=30,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
