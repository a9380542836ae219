"""``actes pki init`` (test PKI) and ``actes verify`` (independent signature verification)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, BinaryIO, cast

import click
from cryptography import x509

from workflow.adapters.cms_verify import verify_detached
from workflow.adapters.pki import create_dev_pki
from workflow.errors import InvalidInput
from workflow.interfaces.cli.app import EXIT_SECURITY, cli, command, emit_json
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.messages import Acte, SignedFile
from workflow.signing import VerificationReport


@cli.group("pki")
def pki_group() -> None:
    """Development PKI (TEST material, never for production)."""


@pki_group.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing PKI in DIRECTORY.")
def pki_init_command(directory: Path, force: bool) -> None:
    """Create a test CA, a collectivité signing PKCS#12, server and client certificates."""
    pki = create_dev_pki(directory, force=force)
    click.echo(f"TEST PKI written to {pki.directory} (see README.txt there)")
    for label, path in (
        ("CA", pki.ca_cert),
        ("signing PKCS#12", pki.signer_p12),
        ("its passphrase", pki.signer_passphrase),
        ("server certificate", pki.server_cert),
        ("client certificate", pki.client_cert),
    ):
        click.echo(f"  {label:<20} {path}")


def _trust(trust_store: Path | None) -> list[x509.Certificate]:
    if trust_store is None:
        return []
    try:
        return x509.load_pem_x509_certificates(trust_store.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"cannot read trust store {trust_store}", field="trust-store", rule="PEM certificates"
        ) from exc


def _archive_reports(path: Path, trust: list[x509.Certificate]) -> list[dict[str, Any]]:
    reports = []
    with ReceivedArchive.open(path) as archive:
        for name in archive.names():
            if not name.endswith("_0.xml"):
                continue
            message = xml_in.parse_message(archive.read(name), source=name)
            if not isinstance(message, Acte):
                continue
            signed: list[SignedFile] = [message.data.document, *message.data.annexes]
            for item in signed:
                if item.signature is None:
                    continue
                # on disk past 1 MiB: the verifier hashes it by chunks (issue 13)
                with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as copy:
                    buffer = cast(BinaryIO, copy)
                    archive.copy_to(item.nom_fichier, buffer)
                    buffer.seek(0)
                    signature = item.signature.encode("ascii")
                    report = verify_detached(buffer, signature, trust_store=trust)
                reports.append({"document": item.nom_fichier, **report.as_dict()})
    return reports


@command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--signature",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Detached signature (DER or PEM); default FILE.p7s.",
)
@click.option(
    "--trust-store",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="PEM file of trusted CA certificates.",
)
@click.option("--json", "as_json", is_flag=True)
def verify_command(
    file: Path, signature: Path | None, trust_store: Path | None, as_json: bool
) -> None:
    """Verify a document's detached CMS signature, or every signature inside an ACTES archive."""
    trust = _trust(trust_store)
    if file.name.endswith(".tar.gz") and signature is None:
        reports = _archive_reports(file, trust)
        if not reports:
            raise InvalidInput(
                f"{file.name} carries no signature", field="file", rule="signed documents"
            )
    else:
        signature = signature or file.with_name(file.name + ".p7s")
        if not signature.exists():
            raise InvalidInput(
                f"no signature given and {signature} does not exist", field="signature"
            )
        with file.open("rb") as stream:
            report: VerificationReport = verify_detached(
                stream, signature.read_bytes(), trust_store=trust
            )
        reports = [{"document": file.name, **report.as_dict()}]
    valid = all(r["valid"] for r in reports)
    if as_json:
        emit_json({"valid": valid, "signatures": reports})
    else:
        for r in reports:
            status = "VALID" if r["valid"] else f"INVALID ({r['error_code']}: {r['error']})"
            signer = r["signer"]["subject"] if r["signer"] else "?"
            click.echo(
                f"{r['document']}: {status}; signer {signer}; "
                f"signed {r['signing_time']}; chain {r['chain']}"
            )
    if not valid:
        raise SystemExit(EXIT_SECURITY)
