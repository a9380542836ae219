"""The API's answers to wrong input and its ways forward: a corrupt PDF is a draft with the
reason, a bad SIREN is 422, every error has one shape, an Idempotency-Key is one request
(concurrent posts all get the act; another body is 409), acts are found by IDActe, number,
state and age, and a refused act is corrected and resent (replacing it)."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import requests

from tests.integration import test_api as base
from tests.integration.test_api import DREUX_TEXT, post, token_for
from workflow.adapters.textpdf import text_pdf
from workflow.intake import service as service_module
from workflow.lifecycle import ActState
from workflow.protocol.pdfcheck import RULE as PDF_RULE
from workflow.usecases import Services

services = base.services  # the same fixtures: a store with three collectivités, the API
api = base.api

CORRUPT = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 9 0 R>>endobj\ngarbage\n%%EOF\n"
METADATA = {
    "siren": "212801344",
    "numero": "DEL2022_150",
    "date": "2022-10-13",
    "nature": "DE",
    "classification": "5.2",
    "objet": "Questions diverses",
}


def _shape(body: dict[str, object]) -> None:
    assert {"error", "title", "message"} <= set(body), body


def test_a_corrupt_pdf_is_a_draft_with_the_reason_never_an_act(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, queued = api
    dreux = token_for(services, "212801344")
    held = post(url, dreux, CORRUPT, "corrupt", METADATA)
    assert held.status_code == 202, held.text
    problems = [p for p in held.json()["problems"] if p["severity"] == "error"]
    assert [(p["field"], p["rule"]) for p in problems] == [("document", PDF_RULE)]
    assert problems[0]["code"] == "document.a_pdf_readable_to_its_last_page"
    assert problems[0]["title"] == "à corriger : le document de l'acte"
    assert services.store.list_acts() == [] and queued == []


def test_wrong_input_gets_the_right_status_in_one_shape(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, _ = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=150, objet="Questions diverses"))
    for siren, words in (("21280134", "9 digits"), ("212801345", "Luhn")):
        typo = post(url, dreux, pdf, f"typo-{siren}", {**METADATA, "siren": siren})
        assert typo.status_code == 422, typo.text
        assert typo.json()["field"] == "siren" and words in typo.json()["message"]
        _shape(typo.json())
    missing_key = requests.post(
        f"{url}/api/acts",
        headers=dreux,
        files={"document": ("a.pdf", pdf, "application/pdf")},
        timeout=30,
    )
    assert missing_key.status_code == 422
    assert missing_key.json()["field"] == "idempotency-key"
    assert "detail" not in missing_key.json()
    _shape(missing_key.json())
    unknown = requests.get(f"{url}/api/nothing-here", headers=dreux, timeout=10)
    assert unknown.status_code == 404
    _shape(unknown.json())
    bad_age = requests.get(f"{url}/api/acts?older_than=soon", headers=dreux, timeout=10)
    assert bad_age.status_code == 422 and bad_age.json()["field"] == "older_than"


def test_one_idempotency_key_is_one_request(api: tuple[str, list[int]], services: Services) -> None:
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=150, objet="Questions diverses"))
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: post(url, dreux, pdf, "same", METADATA), range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["act"]["id"] for a in answers}) == 1
    assert len(queued) == 1
    other = text_pdf(DREUX_TEXT.format(n=151, objet="Autre chose"))
    reused = post(url, dreux, other, "same", METADATA)
    assert reused.status_code == 409 and reused.json()["field"] == "idempotency_key"
    assert len(services.store.list_acts()) == 1


def test_acts_are_found_by_id_acte_number_state_and_age_then_resent(
    api: tuple[str, list[int]], services: Services, tmp_path: Path
) -> None:
    url, queued = api
    dreux, dole = token_for(services, "212801344"), token_for(services, "000000018")
    pdf = text_pdf(DREUX_TEXT.format(n=150, objet="Questions diverses"))
    act_id = post(url, dreux, pdf, "k150", METADATA).json()["act"]["id"]
    store = services.store
    store.transition(act_id, ActState.PACKAGED, actor="t", reason="t", at=dt.datetime.now(dt.UTC))
    services.submission.fail(act_id, "the platform answered KO")

    def acts(query: str, headers: dict[str, str] = dreux) -> list[int]:
        answer = requests.get(f"{url}/api/acts?{query}", headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return [a["id"] for a in answer.json()["acts"]]

    assert acts("numero=DEL2022_150") == [act_id] and acts("numero=DEL2022_150", dole) == []
    assert acts("state=failed") == [act_id] and acts("state=received") == []
    assert acts("state=failed&older_than=1d") == []
    failed = requests.get(f"{url}/api/acts/{act_id}", headers=dreux, timeout=10).json()
    assert failed["problem"]["code"] == "retries_exhausted"
    assert failed["problem"]["action"] and failed["events"][0]["label"]

    corrected = text_pdf(DREUX_TEXT.format(n=150, objet="Questions diverses (corrigé)"))
    resent = requests.post(
        f"{url}/api/acts/{act_id}/resend",
        headers=dreux,
        files={"document": ("corrige.pdf", corrected, "application/pdf")},
        data={"metadata": '{"objet": "Questions diverses, corrigé"}'},
        timeout=30,
    )
    assert resent.status_code == 201, resent.text
    body = resent.json()
    new_id = body["act"]["id"]
    assert body["numero"] == "DEL2022_150A" and body["numero_derived"] is True
    assert body["replaced"]["replaced_by"] == new_id and body["act"]["replaces"] == act_id
    assert store.get_act(new_id).documents[0].file_name == "corrige.pdf"
    assert queued[-1] == new_id
    assert acts("id_acte=nothing") == []
    again = requests.post(f"{url}/api/acts/{act_id}/resend", headers=dreux, timeout=30)
    assert again.status_code == 409
    not_failed = requests.post(f"{url}/api/acts/{new_id}/retry", headers=dreux, timeout=30)
    assert not_failed.status_code == 409 and not_failed.json()["error"] == "conflict"
    assert (
        requests.post(f"{url}/api/acts/{act_id}/retry", headers=dole, timeout=30).status_code == 404
    )


def test_a_publication_date_read_is_proposed_and_recorded_once_confirmed(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, _ = api
    dreux = token_for(services, "212801344")
    text = (
        DREUX_TEXT.format(n=152, objet="Questions diverses")
        + "\nDate de publication : 17 octobre 2022\n"
    )
    metadata = {**METADATA, "numero": "DEL2022_152"}
    proposed = post(url, dreux, text_pdf(text), "pub-1", metadata)
    assert proposed.status_code == 201, proposed.text
    hint = [p for p in proposed.json()["problems"] if p["field"] == "publication_date"]
    assert hint and hint[0]["value"] == "2022-10-17" and hint[0]["severity"] == "warning"
    assert services.store.publicities(proposed.json()["act"]["id"]) == []  # not without consent
    confirmed = post(
        url,
        dreux,
        text_pdf(text.replace("152", "153")),
        "pub-2",
        {**metadata, "numero": "DEL2022_153", "publication_date": "2022-10-17"},
    )
    assert confirmed.status_code == 201, confirmed.text
    assert not [p for p in confirmed.json()["problems"] if p["field"] == "publication_date"]
    recorded = services.store.publicities(confirmed.json()["act"]["id"])
    assert [(p.mode, p.day) for p in recorded] == [("electronic", dt.date(2022, 10, 17))]


def test_documents_over_the_archive_limit_stay_a_draft(
    api: tuple[str, list[int]], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, queued = api
    monkeypatch.setattr(service_module, "MAX_TOTAL_BYTES", 1000)  # the platform's limit, scaled
    dreux = token_for(services, "212801344")
    held = post(url, dreux, text_pdf(DREUX_TEXT.format(n=154, objet="Objet")), "big", METADATA)
    assert held.status_code == 202, held.text
    assert [p["field"] for p in held.json()["problems"] if p["severity"] == "error"] == ["document"]
    assert queued == []


def test_a_damaged_content_stream_is_a_draft_with_the_page_not_an_act(
    api: tuple[str, list[int]], services: Services
) -> None:
    """The PDF opens (pypdf reads it leniently), but its first page's flate stream is corrupt:
    the préfecture could not read that page, so the act stays a draft that says which."""
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=151, objet="Questions diverses"))
    damaged = corrupt_first_stream(pdf)
    held = post(url, dreux, damaged, "damaged-stream", {**METADATA, "numero": "DEL2022_151"})
    assert held.status_code == 202, held.text
    problems = [p for p in held.json()["problems"] if p["severity"] == "error"]
    assert [(p["field"], p["rule"]) for p in problems] == [("document", PDF_RULE)]
    assert "page 1 of" in problems[0]["message"] and "flate" in problems[0]["message"]
    assert services.store.list_acts() == [] and queued == []
    fine = post(url, dreux, pdf, "intact-stream", {**METADATA, "numero": "DEL2022_151"})
    assert fine.status_code == 201, fine.text  # the same PDF undamaged goes through


def corrupt_first_stream(pdf: bytes) -> bytes:
    """``pdf`` with 16 bytes in the middle of its first content stream flipped (the file's
    length and offsets unchanged)."""
    start = pdf.index(b"stream\n") + len(b"stream\n")
    end = pdf.index(b"endstream", start)
    middle = (start + end) // 2
    flipped = bytes(b ^ 0x5A for b in pdf[middle : middle + 16])
    return pdf[:middle] + flipped + pdf[middle + 16 :]


def test_signatures_posted_with_the_act_are_checked_index_aligned(
    api: tuple[str, list[int]], services: Services, tmp_path: Path
) -> None:
    """``document_signature`` and ``annexes_signatures`` (an empty part for an unsigned
    annex): a signature that does not match its document keeps a draft naming that annex."""
    from workflow.adapters.cms_verify import CmsVerifier
    from workflow.adapters.pki import create_dev_pki, read_passphrase_file
    from workflow.adapters.software_signer import load_signer
    from workflow.signing import Secret

    services.verifier = CmsVerifier()
    pki = create_dev_pki(tmp_path / "pki")
    signer = load_signer(pki.signer_p12, Secret(read_passphrase_file(pki.signer_passphrase)))
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=152, objet="Questions diverses"))
    plan, budget = text_pdf("Plan de situation"), text_pdf("Annexe budgétaire")

    def sign(data: bytes) -> bytes:
        return signer.sign_detached(io.BytesIO(data)).der

    def send(key: str, annex_signatures: list[bytes]) -> requests.Response:
        files = [
            ("document", ("152.pdf", pdf, "application/pdf")),
            ("annexes", ("plan.pdf", plan, "application/pdf")),
            ("annexes", ("budget.pdf", budget, "application/pdf")),
            ("document_signature", ("152.pdf.p7s", sign(pdf), "application/pkcs7-signature")),
        ]
        files += [
            ("annexes_signatures", (f"s{i}.p7s", data, "application/pkcs7-signature"))
            for i, data in enumerate(annex_signatures)
        ]
        metadata = {
            **METADATA,
            "numero": "DEL2022_152",
            "annexes": [{"typologie": "99_AU"}, {"typologie": "99_AU"}],
        }
        return requests.post(
            f"{url}/api/acts",
            headers={**dreux, "Idempotency-Key": key},
            files=files,
            data={"metadata": json.dumps(metadata)},
            timeout=30,
        )

    wrong = send("sig-wrong", [b"", sign(plan)])  # the plan's signature given for the budget
    assert wrong.status_code == 202, wrong.text
    errors = [p for p in wrong.json()["problems"] if p["severity"] == "error"]
    assert [p["field"] for p in errors] == ["annexes[1].signature"]
    assert "budget.pdf" in errors[0]["message"] and errors[0]["title"] == "à corriger : une annexe"
    too_many = send("sig-many", [b"", b"", b"x"])
    assert too_many.status_code == 422 and too_many.json()["field"] == "annexes_signatures"
    right = send("sig-right", [b"", sign(budget)])
    assert right.status_code == 201, right.text
    documents = services.store.get_act(right.json()["act"]["id"]).documents
    assert [d.signature_sha256 is not None for d in documents] == [True, False, True]
    assert [d["signature_sha256"] is not None for d in right.json()["draft"]["documents"]] == [
        True,
        False,
        True,
    ]
    assert queued == [right.json()["act"]["id"]]
