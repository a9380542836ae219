"""The detached signatures given with an act's documents, checked at intake as the platform
checks them after accepting the act (PROTOCOL.md §8: openssl against the RGS trust list — the
signature matches the content, the signer's certificate was valid at the signing date and
chains to a trusted CA). A signature that fails is a draft problem naming the file and the
rule, never an act the platform refuses later.

Without a trust list configured (``ACTES_SIGNATURE_TRUST_DIR``) only the chain is left
unchecked, and the draft says so in a warning.
"""

from __future__ import annotations

from pathlib import Path

from workflow.i18n import _
from workflow.intake.checks import Problem
from workflow.signing import MAX_SIGNATURE_BYTES, SignatureVerifier, VerificationReport

RULE_FORM = "a detached CMS/PKCS#7 signature (DER or PEM)"
RULE_MATCH = "the signature matches the document"
RULE_VALUE = "the signature verifies with its signer's certificate"
RULE_VALIDITY = "the signer's certificate valid at the signing time"
RULE_CHAIN = "the signer's certificate chains to the trust list"
RULE_USAGE = "the signer's certificate allows signing"


def signature_problems(
    verifier: SignatureVerifier | None,
    field: str,
    file_name: str,
    document: Path,
    signature: Path,
) -> list[Problem]:
    """What is wrong with ``signature`` as the detached signature of ``document`` (the file
    ``file_name``, the draft's ``field``): nothing when the platform would take it."""
    where = f"{field}.signature"
    if verifier is None:
        return [
            Problem(
                where,
                RULE_MATCH,
                _(
                    "{file}: its signature cannot be checked: this service has no signature "
                    "verifier configured",
                    file=file_name,
                ),
                file_name,
            )
        ]
    size = signature.stat().st_size
    if size > MAX_SIGNATURE_BYTES:
        return [
            Problem(
                where,
                RULE_FORM,
                _(
                    "{file}: its signature file has {size} bytes, more than a signature "
                    "holds (at most {limit})",
                    file=file_name,
                    size=size,
                    limit=MAX_SIGNATURE_BYTES,
                ),
                size,
            )
        ]
    with signature.open("rb") as stream:
        data = stream.read(MAX_SIGNATURE_BYTES)
    with document.open("rb") as content:
        report = verifier.verify_detached(content, data)
    return _problems(report, where, file_name, trusted=verifier.trust_configured)


def _problems(
    report: VerificationReport, where: str, file_name: str, *, trusted: bool
) -> list[Problem]:
    code = report.error_code
    if code is not None or not report.signature_value_valid:
        return [_refusal(code, report, where, file_name)]
    problems: list[Problem] = []
    if not trusted:
        problems.append(
            Problem(
                where,
                RULE_CHAIN,
                _(
                    "{file}: its signature matches the document, but its signer's certificate "
                    "chain was not checked: no trust list is configured here "
                    "(ACTES_SIGNATURE_TRUST_DIR); the platform checks it against the RGS "
                    "trust list",
                    file=file_name,
                ),
                file_name,
                "warning",
            )
        )
    if report.key_usage_ok is False:
        problems.append(
            Problem(
                where,
                RULE_USAGE,
                _(
                    "{file}: its signer's certificate is not meant for signatures "
                    "(key usage): the platform may refuse it",
                    file=file_name,
                ),
                file_name,
                "warning",
            )
        )
    return problems


def _refusal(code: str | None, report: VerificationReport, where: str, file_name: str) -> Problem:
    """The one error that keeps the act as a draft, in the clerks' words."""
    signer = report.signer.subject if report.signer else "?"
    day = f"{report.signing_time:%Y-%m-%d}" if report.signing_time else "?"
    if code == "digest_mismatch":
        rule = RULE_MATCH
        message = _(
            "{file}: its signature does not match this document (the signed digest "
            "differs): it signs another file or another version",
            file=file_name,
        )
    elif code == "signature_invalid":
        rule = RULE_VALUE
        message = _(
            "{file}: its signature value does not verify with its signer's certificate ({signer})",
            file=file_name,
            signer=signer,
        )
    elif code in ("certificate_expired", "certificate_not_yet_valid"):
        rule = RULE_VALIDITY
        message = _(
            "{file}: its signer's certificate ({signer}) was not valid on the signing date {day}",
            file=file_name,
            signer=signer,
            day=day,
        )
    elif code == "untrusted_signer":
        rule = RULE_CHAIN
        message = _(
            "{file}: its signer's certificate ({signer}) does not chain to a CA of the trust list",
            file=file_name,
            signer=signer,
        )
    else:
        rule = RULE_FORM
        message = _(
            "{file}: its signature is not a detached CMS/PKCS#7 signature the platform can "
            "read ({reason})",
            file=file_name,
            reason=report.error or code or "?",
        )
    return Problem(where, rule, message, file_name)
