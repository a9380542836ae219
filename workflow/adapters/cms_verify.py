"""An independent verifier of detached CMS signatures (asn1crypto structures).

It shares no code with the signer (STYLE.md #11): the CMS is parsed with asn1crypto, the
document is hashed here by streaming, the signed attributes are checked here, and only the
raw public-key operation is delegated to ``cryptography``. Tests cross-check it with
``openssl cms -verify -binary``.

Checks, each failing with its own error: the structure is a CMS SignedData (else
MalformedSignature); the ``message-digest`` attribute equals the document's digest (else
DigestMismatch); the signature value verifies over the signed attributes with the signer
certificate's key (else SignatureInvalid); the signer certificate was valid at the signing
time (else CertificateExpired / CertificateNotYetValid); its chain reaches the trust store
(else UntrustedSigner); its key usage allows signing (reported).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from workflow.adapters.software_signer import certificate_info
from workflow.errors import ActesError, ConfigurationError
from workflow.signing import (
    CertificateExpired,
    CertificateNotYetValid,
    DigestMismatch,
    MalformedSignature,
    SignatureInvalid,
    SigningError,
    UntrustedSigner,
    VerificationReport,
)

#: the digests a signature may name (openssl, as the platform runs it, takes SHA-1 as well)
_HASHES: dict[str, Any] = {
    "sha1": (hashlib.sha1, hashes.SHA1),
    "sha224": (hashlib.sha224, hashes.SHA224),
    "sha256": (hashlib.sha256, hashes.SHA256),
    "sha384": (hashlib.sha384, hashes.SHA384),
    "sha512": (hashlib.sha512, hashes.SHA512),
}
_CHUNK = 1024 * 1024


def parse_signature(data: bytes) -> cms.SignedData:
    """DER or PEM (``-----BEGIN PKCS7-----``) → SignedData, or MalformedSignature."""
    raw = data  # DER is binary: stripping "white space" would cut a signature ending in 0x0A
    if data.lstrip().startswith(b"-----BEGIN"):
        raw = data.strip()
        import base64

        lines = [line for line in raw.splitlines() if not line.startswith(b"-----")]
        try:
            raw = base64.b64decode(b"".join(lines), validate=True)
        except ValueError as exc:
            raise MalformedSignature(
                "the PEM signature is not valid base64", field="signature"
            ) from exc
    try:
        info = cms.ContentInfo.load(raw, strict=True)
        if info["content_type"].native != "signed_data":
            raise MalformedSignature(
                f"the CMS holds {info['content_type'].native}, not signed data",
                field="signature",
                rule="CMS SignedData",
            )
        signed: cms.SignedData = info["content"]
        signed["signer_infos"].native  # noqa: B018 - forces a full parse of lazy fields
    except MalformedSignature:
        raise
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise MalformedSignature(
            "the signature is not a readable CMS structure (truncated or corrupt)",
            field="signature",
            rule="DER/PEM CMS SignedData",
        ) from exc
    return signed


def verify_detached(
    document: BinaryIO,
    signature: bytes,
    *,
    trust_store: Sequence[x509.Certificate] = (),
) -> VerificationReport:
    """Verify and report; never raises for a bad signature (the report says why)."""
    try:
        return _verify(document, signature, trust_store)
    except SigningError as error:
        return _failed(error)


@dataclass(frozen=True)
class CmsVerifier:
    """The :class:`~workflow.signing.SignatureVerifier` the service uses at intake: this
    module's checks against a trust store (the RGS CAs), or none when not configured — the
    chain is then not checked, and the report says so."""

    trust_store: tuple[x509.Certificate, ...] = ()

    @property
    def trust_configured(self) -> bool:
        return bool(self.trust_store)

    def verify_detached(self, document: BinaryIO, signature: bytes) -> VerificationReport:
        try:
            return verify_detached(document, signature, trust_store=self.trust_store)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            # asn1crypto parses lazily: a corrupt field can fail past parse_signature
            return _failed(
                MalformedSignature(
                    f"the signature is not a readable CMS structure ({type(exc).__name__})",
                    field="signature",
                )
            )


def load_trust_dir(directory: Path) -> tuple[x509.Certificate, ...]:
    """Every CA certificate of ``directory`` (``*.pem``, ``*.crt``, ``*.cer``: PEM, several
    per file, or DER). A directory without any is a configuration error, never an empty
    trust store that would pass for "not configured"."""
    if not directory.is_dir():
        raise ConfigurationError(
            f"the signature trust store {directory} is not a directory",
            field="signature_trust_dir",
            rule="a directory of CA certificates",
            value=str(directory),
        )
    found: list[x509.Certificate] = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in {".pem", ".crt", ".cer"} or not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                found.extend(x509.load_pem_x509_certificates(data))
            else:
                found.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise ConfigurationError(
                f"{path.name} in the signature trust store is not a certificate",
                field="signature_trust_dir",
                rule="PEM or DER certificates",
                value=str(path),
            ) from exc
    if not found:
        raise ConfigurationError(
            f"the signature trust store {directory} holds no certificate (*.pem, *.crt, *.cer)",
            field="signature_trust_dir",
            rule="a directory of CA certificates",
            value=str(directory),
        )
    return tuple(found)


def _failed(error: ActesError, **known: Any) -> VerificationReport:
    fields: dict[str, Any] = {
        "valid": False,
        "signer": None,
        "signing_time": None,
        "digest_algorithm": None,
        "content_digest_matches": False,
        "signature_value_valid": False,
        "chain": "not checked",
        "valid_at_signing_time": None,
        "key_usage_ok": None,
    }
    fields.update(known)
    return VerificationReport(**fields, error=error.message, error_code=error.code)


def _signer_parts(signature: bytes) -> tuple[Any, list[x509.Certificate]]:
    """The detached signature's first signer and the certificates it carries."""
    signed = parse_signature(signature)
    if signed["encap_content_info"]["content"].native is not None:
        raise MalformedSignature(
            "the signature is not detached: it holds the signed content itself",
            field="signature",
            rule="a detached signature",
        )
    infos = signed["signer_infos"]
    if not infos.native or not infos[0]["signed_attrs"].native:
        raise MalformedSignature(
            "the signature has no signer with signed attributes (message digest)",
            field="signature",
            rule="CMS SignedData with signed attributes",
        )
    signer_info = signed["signer_infos"][0]
    certificates = [
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed["certificates"] or []
        if c.name == "certificate"
    ]
    return signer_info, certificates


def _validity_at(signer: x509.Certificate, at: dt.datetime) -> SigningError | None:
    """Why the signer certificate was not valid at ``at``, if it was not."""
    if at > signer.not_valid_after_utc:
        return CertificateExpired(
            "the signer certificate had expired "
            f"({signer.not_valid_after_utc:%Y-%m-%d}) at signing time",
            field="certificate",
        )
    if at < signer.not_valid_before_utc:
        return CertificateNotYetValid(
            "the signer certificate was not yet valid at signing time", field="certificate"
        )
    return None


def _verify(
    document: BinaryIO, signature: bytes, trust_store: Sequence[x509.Certificate]
) -> VerificationReport:
    signer_info, certificates = _signer_parts(signature)
    signer = _find_signer(signer_info, certificates)
    algorithm = signer_info["digest_algorithm"]["algorithm"].native
    if algorithm not in _HASHES:
        raise MalformedSignature(
            f"digest algorithm {algorithm} is not supported", field="signature"
        )
    hash_factory, crypto_hash = _HASHES[algorithm]
    digest = hash_factory()
    for chunk in iter(lambda: document.read(_CHUNK), b""):
        digest.update(chunk)
    attributes = {a["type"].native: a["values"][0].native for a in signer_info["signed_attrs"]}
    signing_time: dt.datetime | None = attributes.get("signing_time")
    info = certificate_info(signer)
    known: dict[str, Any] = {
        "signer": info,
        "signing_time": signing_time,
        "digest_algorithm": algorithm,
    }
    if attributes.get("message_digest") != digest.digest():
        return _failed(
            DigestMismatch(
                "the signature does not cover this document: the digests differ", field="document"
            ),
            **known,
        )
    known["content_digest_matches"] = True
    signed_attrs = signer_info["signed_attrs"].dump()
    to_verify = b"\x31" + signed_attrs[1:]  # [0] IMPLICIT → SET OF, as RFC 5652 §5.4 says
    try:
        _check_value(signer, signer_info["signature"].native, to_verify, crypto_hash())
    except InvalidSignature:
        return _failed(
            SignatureInvalid(
                "the signature value does not verify with the signer's key", field="signature"
            ),
            **known,
        )
    known["signature_value_valid"] = True
    at = signing_time or dt.datetime.now(dt.UTC)
    validity_error = _validity_at(signer, at)
    known["valid_at_signing_time"] = validity_error is None
    known["key_usage_ok"] = (
        bool({"digital_signature", "non_repudiation"} & set(info.key_usage)) or not info.key_usage
    )
    chain_error = _check_chain(signer, certificates, trust_store, at) if trust_store else None
    known["chain"] = (
        "trusted"
        if trust_store and chain_error is None
        else (
            f"untrusted: {chain_error.message}" if chain_error else "not checked (no trust store)"
        )
    )
    if validity_error is not None:
        return _failed(validity_error, **known)
    if chain_error is not None:
        return _failed(chain_error, **known)
    return VerificationReport(valid=bool(known["key_usage_ok"]), **known)


def _find_signer(
    signer_info: cms.SignerInfo, certificates: list[x509.Certificate]
) -> x509.Certificate:
    sid = signer_info["sid"]
    if sid.name == "issuer_and_serial_number":
        serial = sid.chosen["serial_number"].native
        issuer = sid.chosen["issuer"].dump()
        for certificate in certificates:
            if certificate.serial_number == serial and certificate.issuer.public_bytes() == issuer:
                return certificate
    raise UntrustedSigner(
        "the signer certificate is not included in the signature",
        field="signature",
        rule="signer cert included",
    )


def _check_value(
    certificate: x509.Certificate, value: bytes, data: bytes, algorithm: hashes.HashAlgorithm
) -> None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(value, data, padding.PKCS1v15(), algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(value, data, ec.ECDSA(algorithm))
    else:
        raise InvalidSignature


def _check_chain(
    signer: x509.Certificate,
    included: list[x509.Certificate],
    trust_store: Sequence[x509.Certificate],
    at: dt.datetime,
) -> UntrustedSigner | None:
    """Walk issuer links from the signer to an anchor of the trust store (at most 5 hops)."""
    current = signer
    pool = included + list(trust_store)
    for _ in range(5):
        for anchor in trust_store:
            if _issued_by(current, anchor):
                if not anchor.not_valid_before_utc <= at <= anchor.not_valid_after_utc:
                    return UntrustedSigner(
                        "the trust anchor was not valid at signing time", field="chain"
                    )
                return None
        parent = next((c for c in pool if c is not current and _issued_by(current, c)), None)
        if parent is None:
            break
        current = parent
    return UntrustedSigner(
        f"the signer {signer.subject.rfc4514_string()} does not chain to the trust store",
        field="chain",
        rule="issued by a trusted CA",
    )


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
