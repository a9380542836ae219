"""The software signer: the collectivité's key from a PKCS#12 file (or PEM key + certificate).

Signatures are made by ``cryptography``'s PKCS#7 builder (OpenSSL underneath): detached,
binary content, SHA-256, with the signed attributes content-type, signing-time and
message-digest, and the signer certificate included. Verification lives elsewhere
(:mod:`workflow.adapters.cms_verify`) and shares none of this code (STYLE.md #11).

The certificate is checked before anything is signed (validity now, key usage, key/cert
match, key type), and a warning is kept when it expires within ``warn_days``. Passphrases are
:class:`~workflow.signing.Secret` values and never reach a message or a log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

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

    @property
    def info(self) -> CertificateInfo:
        return certificate_info(self.certificate)

    def __repr__(self) -> str:
        return f"SoftwareSigner({self.info.subject!r})"

    def sign_detached(self, content: BinaryIO) -> DetachedSignature:
        # The certificate may have expired since loading (a long-running worker).
        check_validity(self.certificate, self._clock())
        builder = pkcs7.PKCS7SignatureBuilder().set_data(content.read())
        builder = builder.add_signer(self.certificate, self._key, hashes.SHA256())
        for extra in self.chain:
            builder = builder.add_certificate(extra)
        der = builder.sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
        return DetachedSignature(der)


def check_validity(certificate: x509.Certificate, at: dt.datetime) -> None:
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
