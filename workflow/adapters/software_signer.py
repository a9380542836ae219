"""The software signer: the collectivité's key from a PKCS#12 file (or PEM key + certificate).

Signatures are detached CMS ``SignedData`` (RFC 5652): SHA-256, the signed attributes
content-type, signing-time and message-digest, the signer certificate (and its chain)
included. The document is hashed by chunks (constant memory, whatever its size) — or not at
all when the caller already holds its SHA-256 (:meth:`SoftwareSigner.sign_digest`, used by
packaging, which hashes each document once); the key (``cryptography``, OpenSSL underneath)
signs the DER of the signed attributes, and the structure is written as DER around them (its
constant parts encoded once, by ``asn1crypto``).
Verification lives elsewhere (:mod:`workflow.adapters.cms_verify`) and shares none of this
code (STYLE.md #11).

The certificate is checked before anything is signed (validity now, key usage, key/cert
match, key type), and a warning is kept when it expires within ``warn_days``. Passphrases are
:class:`~workflow.signing.Secret` values and never reach a message or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from workflow.errors import InvalidInput
from workflow.signing import (
    CertificateExpired,
    CertificateInfo,
    CertificateNotYetValid,
    CredentialUnreadable,
    DetachedSignature,
    KeyMismatch,
    Secret,
    UnsupportedKey,
    WrongKeyUsage,
)

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CHUNK = 1024 * 1024


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    usages: list[str] = []
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        for name in (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "key_cert_sign",
        ):
            if getattr(usage, name):
                usages.append("non_repudiation" if name == "content_commitment" else name)
    except x509.ExtensionNotFound:
        pass
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha256_fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        key_usage=tuple(usages),
    )


class SoftwareSigner:
    """Signs with a key held in memory; build it with :func:`load_signer`."""

    def __init__(
        self,
        key: SigningKey,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        warnings: tuple[str, ...],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._key = key
        self.certificate = certificate
        self.chain = chain
        self.warnings = warnings
        self._clock = clock
        ders = [c.public_bytes(serialization.Encoding.DER) for c in (certificate, *chain)]
        own = asn1_x509.Certificate.load(ders[0])
        self._signer_id = cms.IssuerAndSerialNumber(
            {"issuer": own.issuer, "serial_number": own.serial_number}
        ).dump()
        self._signature_algorithm = algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pkcs1v15"
                if isinstance(key, rsa.RSAPrivateKey)
                else "sha256_ecdsa"
            }
        ).dump()
        self._signed_data_head = (
            cms.CMSVersion("v1").dump()
            + _der(0x31, _SHA256)  # digestAlgorithms
            + cms.EncapsulatedContentInfo({"content_type": "data"}).dump()
            + _der(0xA0, b"".join(ders))  # certificates [0] IMPLICIT CertificateSet
        )

    @property
    def info(self) -> CertificateInfo:
        return certificate_info(self.certificate)

    def __repr__(self) -> str:
        return f"SoftwareSigner({self.info.subject!r})"

    def sign_detached(self, content: BinaryIO) -> DetachedSignature:
        """Sign a stream's bytes, hashed by chunks (memory does not grow with the document)."""
        digest = hashlib.sha256()
        for chunk in iter(lambda: content.read(_CHUNK), b""):
            digest.update(chunk)
        return self.sign_digest(digest.digest())

    def sign_digest(self, sha256: bytes) -> DetachedSignature:
        """Sign a document known by its SHA-256 (32 bytes): a detached CMS ``SignedData``."""
        if len(sha256) != 32:
            raise InvalidInput(
                f"a SHA-256 digest is 32 bytes, not {len(sha256)}",
                field="sha256",
                rule="32 bytes",
                value=len(sha256),
            )
        # The certificate may have expired since loading (a long-running worker).
        now = self._clock()
        check_validity(self.certificate, now)
        # RFC 5652 §5.4: the signature covers the signed attributes' DER as a SET OF
        attributes = _signed_attributes(sha256, now)
        value = self._sign(_der(0x31, attributes))
        signer_info = _der(
            0x30,
            b"\x02\x01\x01"  # version 1: the signer named by issuer and serial number
            + self._signer_id
            + _SHA256
            + _der(0xA0, attributes)  # signedAttrs [0] IMPLICIT
            + self._signature_algorithm
            + _der(0x04, value),
        )
        signed_data = _der(0x30, self._signed_data_head + _der(0x31, signer_info))
        return DetachedSignature(_der(0x30, _SIGNED_DATA_OID + _der(0xA0, signed_data)))

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


# The CMS structure is written as DER directly: its constant parts are encoded once by
# asn1crypto (here and in SoftwareSigner.__init__), the three attributes and the value per
# signature. Each signature is checked by the separate verifier and by ``openssl cms``.


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _signed_attributes(sha256: bytes, now: dt.datetime) -> bytes:
    """content-type, signing-time, message-digest: in DER order (SET OF sorts by encoding,
    and their encodings grow in this order)."""
    utc = now.astimezone(dt.UTC)
    signing_time = (
        _der(0x17, utc.strftime("%y%m%d%H%M%SZ").encode("ascii"))  # UTCTime until 2049
        if utc.year < 2050
        else _der(0x18, utc.strftime("%Y%m%d%H%M%SZ").encode("ascii"))
    )
    return (
        _CONTENT_TYPE_ATTRIBUTE
        + _der(0x30, _SIGNING_TIME_OID + _der(0x31, signing_time))
        + _der(0x30, _MESSAGE_DIGEST_OID + _der(0x31, _der(0x04, sha256)))
    )


_SHA256: bytes = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_SIGNED_DATA_OID: bytes = cms.ContentType("signed_data").dump()
_CONTENT_TYPE_ATTRIBUTE: bytes = cms.CMSAttribute(
    {"type": "content_type", "values": ["data"]}
).dump()
_SIGNING_TIME_OID: bytes = cms.CMSAttributeType("signing_time").dump()
_MESSAGE_DIGEST_OID: bytes = cms.CMSAttributeType("message_digest").dump()


def check_validity(certificate: x509.Certificate, at: dt.datetime) -> None:
    if certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        return
    subject = certificate.subject.rfc4514_string()
    if at > certificate.not_valid_after_utc:
        raise CertificateExpired(
            f"the signing certificate {subject} expired on "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}",
            field="certificate",
            rule="valid at signing time",
            value=certificate.not_valid_after_utc.date().isoformat(),
        )
    if at < certificate.not_valid_before_utc:
        raise CertificateNotYetValid(
            f"the signing certificate {subject} is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            field="certificate",
            rule="valid at signing time",
            value=certificate.not_valid_before_utc.isoformat(),
        )


def _check_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no restriction stated: any usage is allowed (RFC 5280 §4.2.1.3)
    if not (usage.digital_signature or usage.content_commitment):
        raise WrongKeyUsage(
            "the certificate's key usage allows neither digital signature nor non-repudiation",
            field="certificate",
            rule="keyUsage digitalSignature or nonRepudiation",
        )


def _check_key(key: object, certificate: x509.Certificate) -> SigningKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise UnsupportedKey(
            f"{type(key).__name__} keys cannot sign CMS for ACTES; use RSA or EC",
            field="key",
            rule="RSA or EC key",
        )
    public = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mine = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != mine:
        raise KeyMismatch(
            "the private key does not belong to the certificate",
            field="key",
            rule="key matches certificate",
        )
    return key


def _read(source: Path | bytes, what: str) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError as exc:
        raise CredentialUnreadable(
            f"cannot read the {what} {source}: {exc.strerror}", field=what, value=str(source)
        ) from exc


def load_signer(
    pkcs12_or_key: Path | bytes,
    passphrase: Secret | None = None,
    *,
    certificate: Path | bytes | None = None,
    warn_days: int = 30,
    now: dt.datetime | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> SoftwareSigner:
    """Load a PKCS#12 (or, with ``certificate``, a PEM key) and check it before any signing."""
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    at = now or clock()
    data = _read(pkcs12_or_key, "key")
    password = passphrase.reveal() if passphrase else None
    chain: tuple[x509.Certificate, ...] = ()
    try:
        if certificate is None:
            bundle = pkcs12.load_pkcs12(data, password)
            key: object = bundle.key
            cert = bundle.cert.certificate if bundle.cert else None
            chain = tuple(c.certificate for c in bundle.additional_certs)
        else:
            key = serialization.load_pem_private_key(data, password)
            cert = x509.load_pem_x509_certificate(_read(certificate, "certificate"))
    except (ValueError, TypeError) as exc:
        # the library's text may echo nothing secret, but stay generic on purpose
        raise CredentialUnreadable(
            "cannot open the signing credential: wrong passphrase or not a PKCS#12/PEM file",
            field="key",
            rule="readable PKCS#12 or PEM with the right passphrase",
        ) from exc
    if cert is None or key is None:
        raise CredentialUnreadable(
            "the PKCS#12 file holds no key and certificate pair", field="key", rule="key + cert"
        )
    signing_key = _check_key(key, cert)
    check_validity(cert, at)
    _check_usage(cert)
    warnings: list[str] = []
    remaining = cert.not_valid_after_utc - at
    if remaining < dt.timedelta(days=warn_days):
        warnings.append(
            f"the signing certificate expires on {cert.not_valid_after_utc:%Y-%m-%d} "
            f"(in {remaining.days} days): order its renewal now"
        )
    return SoftwareSigner(signing_key, cert, chain, tuple(warnings), clock)
