"""Signing and verifying ports, their values and errors: detached CMS/PKCS#7 over the exact
bytes packaged (the service's own signature), or given with a document at intake (checked by
the :class:`SignatureVerifier` before anything is sent, carried as given).

PROTOCOL.md §8: the platform accepts a detached PKCS#7/CMS signature next to each document
(``acte_pdf_file_sign``, the ``Signature`` element of ``FichierSigne``); S²LOW checks the
signer certificate's validity at the signing date and its chain.

Errors (all :class:`~workflow.errors.SecurityError`, each with its own ``code``)::

    SigningError
    ├── CertificateExpired        not valid any more (at signing, or at the signing time claimed)
    ├── CertificateNotYetValid
    ├── WrongKeyUsage             neither digitalSignature nor nonRepudiation
    ├── KeyMismatch               the private key is not the certificate's
    ├── UnsupportedKey            not RSA or EC
    ├── CredentialUnreadable      bad PKCS#12 / PEM, or wrong passphrase (never shown)
    ├── MalformedSignature        not a CMS SignedData (truncated, garbage)
    ├── DigestMismatch            the signature covers other bytes (a byte flipped, other file)
    ├── SignatureInvalid          the signature value does not verify with the signer's key
    └── UntrustedSigner           the signer's chain does not reach the trust store
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from workflow.errors import SecurityError


class Secret:
    """A passphrase or password: never printed, never in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes) -> None:
        self._value = value.encode("utf-8") if isinstance(value, str) else value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


class SigningError(SecurityError):
    code = "signing"


class CertificateExpired(SigningError):
    code = "certificate_expired"


class CertificateNotYetValid(SigningError):
    code = "certificate_not_yet_valid"


class WrongKeyUsage(SigningError):
    code = "wrong_key_usage"


class KeyMismatch(SigningError):
    code = "key_mismatch"


class UnsupportedKey(SigningError):
    code = "unsupported_key"


class CredentialUnreadable(SigningError):
    code = "credential_unreadable"


class MalformedSignature(SigningError):
    code = "malformed_signature"


class DigestMismatch(SigningError):
    code = "digest_mismatch"


class SignatureInvalid(SigningError):
    code = "signature_invalid"


class UntrustedSigner(SigningError):
    code = "untrusted_signer"


#: a detached CMS holds a signer certificate and its chain: a few KiB; past this, it is refused
MAX_SIGNATURE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DetachedSignature:
    """A detached CMS ``SignedData`` (DER) over one document."""

    der: bytes

    @property
    def pem(self) -> str:
        text = base64.b64encode(self.der).decode("ascii")
        body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        return f"-----BEGIN PKCS7-----\n{body}\n-----END PKCS7-----\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @classmethod
    def from_bytes(cls, data: bytes) -> DetachedSignature:
        """A signature file as given (DER, or PEM ``-----BEGIN PKCS7-----`` / ``CMS``),
        unwrapped to its DER bytes: the platform wants it as PEM text in the act's XML.
        Raises :class:`MalformedSignature` for PEM that is not base64, or an empty file."""
        if len(data) > MAX_SIGNATURE_BYTES:
            raise MalformedSignature(
                f"the signature file has {len(data)} bytes (at most {MAX_SIGNATURE_BYTES})",
                field="signature",
                rule=f"a signature file of at most {MAX_SIGNATURE_BYTES} bytes",
                value=len(data),
            )
        der = data  # DER is binary: stripping "white space" would cut one ending in 0x0A
        if data.lstrip().startswith(b"-----BEGIN"):
            lines = [line for line in data.strip().splitlines() if not line.startswith(b"-----")]
            try:
                der = base64.b64decode(b"".join(line.strip() for line in lines), validate=True)
            except ValueError as exc:
                raise MalformedSignature(
                    "the PEM signature is not valid base64",
                    field="signature",
                    rule="DER or PEM CMS SignedData",
                ) from exc
        if not der:
            raise MalformedSignature(
                "the signature file is empty", field="signature", rule="DER or PEM CMS SignedData"
            )
        return cls(der)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What a clerk needs to know about a certificate."""

    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256_fingerprint: str
    key_usage: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "sha256_fingerprint": self.sha256_fingerprint,
            "key_usage": list(self.key_usage),
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The outcome of verifying one detached signature against one document."""

    valid: bool
    signer: CertificateInfo | None
    signing_time: dt.datetime | None
    digest_algorithm: str | None
    content_digest_matches: bool
    signature_value_valid: bool
    chain: str  # "trusted", "untrusted: …", "not checked (no trust store)"
    valid_at_signing_time: bool | None
    key_usage_ok: bool | None
    error: str | None = None
    error_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "error": self.error,
            "error_code": self.error_code,
            "signer": self.signer.as_dict() if self.signer else None,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "digest_algorithm": self.digest_algorithm,
            "content_digest_matches": self.content_digest_matches,
            "signature_value_valid": self.signature_value_valid,
            "chain": self.chain,
            "valid_at_signing_time": self.valid_at_signing_time,
            "key_usage_ok": self.key_usage_ok,
        }


class Signer(Protocol):
    """Signs a document: its bytes read from a stream, or its SHA-256 when already known."""

    def sign_detached(self, content: BinaryIO) -> DetachedSignature: ...

    def sign_digest(self, sha256: bytes) -> DetachedSignature: ...


class SignatureVerifier(Protocol):
    """Verifies a detached signature given with a document (at intake, before anything is
    sent). ``trust_configured`` is False when no trust store was configured: the signer's
    chain is then not checked, and the report's ``chain`` says so."""

    @property
    def trust_configured(self) -> bool: ...

    def verify_detached(self, document: BinaryIO, signature: bytes) -> VerificationReport: ...
