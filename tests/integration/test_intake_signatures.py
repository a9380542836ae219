"""Detached signatures given at intake (issue 16): checked as the platform checks them (the
signature matches the document, the signer's certificate was valid at the signing time and
chains to the trust list when one is configured — a warning says when it is not), a failure
is a draft problem naming the file and the rule, and a signature that passes travels into the
act XML's ``Signature`` slot and the form's index-aligned signature fields."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tests.integration.test_intake_service import DOLE, DREUX, NOW, deliberation
from tests.support import open_store
from workflow.adapters.cms_verify import CmsVerifier
from workflow.adapters.pki import DevPki, make_certificate, read_passphrase_file
from workflow.adapters.software_signer import SoftwareSigner, load_signer
from workflow.adapters.store.repository import SqlStore
from workflow.errors import Conflict
from workflow.intake import signatures as rules
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import LOCAL, IntakeResult, Upload
from workflow.intake.service import Intake
from workflow.lifecycle import ActState
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.signing import Secret
from workflow.usecases import Services
from workflow.usecases.transmission import form_from_package

REAL_NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def signer(pki: DevPki) -> SoftwareSigner:
    return load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))


def _ca(pki: DevPki) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[SqlStore]:
    with open_store(database_url, tmp_path, DREUX, DOLE) as store:
        yield store


def _intake(store: SqlStore, tmp_path: Path, verifier: CmsVerifier | None) -> Intake:
    return Intake(
        Services(store=store, outbox=tmp_path / "outbox", clock=lambda: NOW, verifier=verifier)
    )


def _sign(signer: SoftwareSigner, document: Path, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(signer.sign_detached(io.BytesIO(document.read_bytes())).der)
    return path


def _other(tmp_path: Path, n: int) -> Path:
    """Another document (an annex, or what a wrong signature signed)."""
    folder = tmp_path / f"other-{n}"
    folder.mkdir()
    return deliberation(folder, n)


def _errors(result: IntakeResult) -> list[tuple[str, str]]:
    return [
        (p["field"], p["rule"]) for p in result.as_dict()["problems"] if p["severity"] == "error"
    ]


def test_a_matching_signature_travels_to_the_package_and_the_form(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    intake = _intake(store, tmp_path, CmsVerifier())
    act_pdf, annex = deliberation(tmp_path, 160), _other(tmp_path, 161)
    signature = _sign(signer, act_pdf, tmp_path, "160.pdf.p7s")
    uploads = [Upload(act_pdf, "160.pdf", signature=signature), Upload(annex, "annexe.pdf")]
    result = intake.submit(LOCAL, uploads, parse_metadata({"annexes": [{"typologie": "99_AU"}]}))
    assert result.act is not None, result.as_dict()["problems"]
    warnings = [p for p in result.as_dict()["problems"] if p["field"] == "document.signature"]
    assert [(p["rule"], p["severity"]) for p in warnings] == [(rules.RULE_CHAIN, "warning")]
    assert "ACTES_SIGNATURE_TRUST_DIR" in warnings[0]["message"]
    assert "n'a pas été vérifiée" in warnings[0]["message"]  # French, from the catalog
    documents = result.act.documents
    assert documents[0].signature_sha256 is not None and documents[1].signature_sha256 is None

    packaged = intake.services.submission.package(result.act.id)
    assert packaged.state is ActState.PACKAGED, packaged.last_error
    archive = next((tmp_path / "outbox" / str(result.act.id)).glob("*.tar.gz"))
    work = tmp_path / "form"
    work.mkdir()
    form = form_from_package(archive, work)
    expected = signer.sign_detached(io.BytesIO(b"")).pem  # only its form: PEM PKCS7
    assert form.document_signature is not None
    assert form.document_signature.startswith(expected.split("\n", 1)[0].encode())
    assert form.annexe_signatures == (None,)  # index-aligned: the unsigned annex has none
    one_one = store.message(result.act.id, "1-1")
    assert one_one is not None
    message = xml_in.parse_message(one_one)
    assert isinstance(message, m.Acte) and message.data.document.signature is not None
    assert message.data.annexes[0].signature is None


def test_a_signature_of_another_document_keeps_a_draft_naming_file_and_rule(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    intake = _intake(store, tmp_path, CmsVerifier())
    act_pdf = deliberation(tmp_path, 162)
    wrong = _sign(signer, _other(tmp_path, 163), tmp_path, "wrong.p7s")
    held = intake.submit(LOCAL, [Upload(act_pdf, "162.pdf", signature=wrong)], parse_metadata(None))
    assert held.act is None and store.list_acts() == []
    assert _errors(held) == [("document.signature", rules.RULE_MATCH)]
    problem = held.as_dict()["problems"][0]
    assert "162.pdf" in problem["message"] and "ne correspond pas" in problem["message"]
    assert problem["title"] == "à corriger : le document de l'acte"


def test_an_annex_signature_that_does_not_match_names_the_annex(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    intake = _intake(store, tmp_path, CmsVerifier())
    act_pdf, annex = deliberation(tmp_path, 164), _other(tmp_path, 165)
    wrong = _sign(signer, act_pdf, tmp_path, "plan.pdf.p7s")  # the act's, given for the annex
    uploads = [Upload(act_pdf, "164.pdf"), Upload(annex, "plan.pdf", signature=wrong)]
    held = intake.submit(LOCAL, uploads, parse_metadata({"annexes": [{"typologie": "99_AU"}]}))
    assert _errors(held) == [("annexes[0].signature", rules.RULE_MATCH)]
    assert "plan.pdf" in held.as_dict()["problems"][0]["message"]


def test_unreadable_attached_or_oversized_signatures_are_refused(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    intake = _intake(store, tmp_path, CmsVerifier())
    act_pdf = deliberation(tmp_path, 166)
    good = signer.sign_detached(io.BytesIO(act_pdf.read_bytes())).der
    truncated, garbage, big = tmp_path / "t.p7s", tmp_path / "g.p7s", tmp_path / "big.p7s"
    truncated.write_bytes(good[: len(good) // 2])
    garbage.write_bytes(b"-----BEGIN PKCS7-----\nnot base64 at all!\n-----END PKCS7-----\n")
    big.write_bytes(b"0" * (1024 * 1024 + 1))
    cert, key = _signer_material(signer)
    attached = tmp_path / "attached.p7s"
    attached.write_bytes(
        pkcs7.PKCS7SignatureBuilder()
        .set_data(act_pdf.read_bytes())
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])  # content inside
    )
    for name, path in (("t", truncated), ("g", garbage), ("big", big), ("att", attached)):
        held = intake.submit(
            LOCAL, [Upload(act_pdf, "166.pdf", signature=path)], parse_metadata(None), name
        )
        assert _errors(held) == [("document.signature", rules.RULE_FORM)], name
    attached_problem = held.as_dict()["problems"][0]["message"]
    assert "detached" in attached_problem or "détachée" in attached_problem


def _signer_material(signer: SoftwareSigner) -> tuple[x509.Certificate, object]:
    return signer.certificate, signer._key


def test_a_pem_signature_passes_and_a_trust_list_checks_the_chain(
    store: SqlStore, signer: SoftwareSigner, pki: DevPki, tmp_path: Path
) -> None:
    act_pdf = deliberation(tmp_path, 168)
    pem = tmp_path / "168.pdf.p7s"
    pem.write_text(signer.sign_detached(io.BytesIO(act_pdf.read_bytes())).pem)
    trusted = _intake(store, tmp_path, CmsVerifier((_ca(pki),)))
    done = trusted.submit(LOCAL, [Upload(act_pdf, "168.pdf", signature=pem)], parse_metadata(None))
    assert done.act is not None
    assert not [p for p in done.as_dict()["problems"] if "signature" in p["field"]]

    intruder_cert, intruder_key = make_certificate(
        "Intruder", None, None, not_before=REAL_NOW - dt.timedelta(days=1),
        not_after=REAL_NOW + dt.timedelta(days=30),
    )  # fmt: skip
    other_pdf = _other(tmp_path, 169)
    foreign = tmp_path / "foreign.p7s"
    foreign.write_bytes(
        pkcs7.PKCS7SignatureBuilder()
        .set_data(other_pdf.read_bytes())
        .add_signer(intruder_cert, intruder_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    upload = [Upload(other_pdf, "169.pdf", signature=foreign)]
    held = trusted.submit(LOCAL, upload, parse_metadata(None))
    assert _errors(held) == [("document.signature", rules.RULE_CHAIN)]
    untrusted = _intake(store, tmp_path, CmsVerifier()).submit(
        LOCAL, upload, parse_metadata(None), "no trust list"
    )
    assert untrusted.act is not None  # without a trust list only a warning says so
    assert [
        p["severity"] for p in untrusted.as_dict()["problems"] if "signature" in p["field"]
    ] == ["warning"]


def test_a_signer_certificate_expired_at_the_signing_time_is_refused(
    store: SqlStore, pki: DevPki, tmp_path: Path
) -> None:
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    expired, key = make_certificate(
        "Expired", _ca(pki), ca_key,  # type: ignore[arg-type]
        not_before=REAL_NOW - dt.timedelta(days=30), not_after=REAL_NOW - dt.timedelta(days=1),
    )  # fmt: skip
    act_pdf = deliberation(tmp_path, 170)
    signature = tmp_path / "expired.p7s"
    signature.write_bytes(  # the library signs with it anyway (the service's signer would not)
        pkcs7.PKCS7SignatureBuilder()
        .set_data(act_pdf.read_bytes())
        .add_signer(expired, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    intake = _intake(store, tmp_path, CmsVerifier((_ca(pki),)))
    held = intake.submit(
        LOCAL, [Upload(act_pdf, "170.pdf", signature=signature)], parse_metadata(None)
    )
    assert _errors(held) == [("document.signature", rules.RULE_VALIDITY)]


def test_no_verifier_is_never_a_silent_pass_and_a_key_is_one_set_of_signatures(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    act_pdf = deliberation(tmp_path, 172)
    signature = _sign(signer, act_pdf, tmp_path, "172.p7s")
    upload = [Upload(act_pdf, "172.pdf", signature=signature)]
    blind = _intake(store, tmp_path, None).submit(LOCAL, upload, parse_metadata(None), "k-172")
    assert _errors(blind) == [("document.signature", rules.RULE_MATCH)]
    with pytest.raises(Conflict):  # the same key without the signature is another request
        _intake(store, tmp_path, CmsVerifier()).submit(
            LOCAL, [Upload(act_pdf, "172.pdf")], parse_metadata(None), "k-172"
        )


def test_the_watched_folder_takes_name_pdf_p7s_as_the_signature(
    store: SqlStore, signer: SoftwareSigner, tmp_path: Path
) -> None:
    import os
    import time

    from workflow.interfaces.cli.intake_commands import process_folder

    intake = _intake(store, tmp_path, CmsVerifier())
    folder = tmp_path / "exports"
    folder.mkdir()
    good = deliberation(folder, 174)
    deliberation(folder, 175)
    _sign(signer, good, folder, "del-174.pdf.p7s")
    _sign(signer, good, folder, "del-175.pdf.p7s")  # the other act's signature
    past = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (past, past))
    outcomes = {pdf.name: outcome for pdf, outcome in process_folder(intake, folder)}
    done, held = outcomes["del-174.pdf"], outcomes["del-175.pdf"]
    assert not isinstance(done, Exception) and done.act is not None
    assert done.act.documents[0].signature_sha256 is not None
    assert not isinstance(held, Exception) and _errors(held) == [
        ("document.signature", rules.RULE_MATCH)
    ]
    assert (folder / "done" / "del-174.pdf.p7s").exists() and (
        folder / "drafts" / "del-175.pdf.p7s"
    ).exists()
