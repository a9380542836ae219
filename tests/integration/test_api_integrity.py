"""The API under hostile requests (issue 14 #3, #4, #7): no 500, bodies read only once the
caller is known, poison refused at intake with its reason."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.integration import test_api as base
from tests.integration.test_api import DREUX_TEXT, post, token_for
from workflow.adapters.textpdf import text_pdf
from workflow.intake.service import Intake
from workflow.interfaces.api.app import create_api
from workflow.usecases import Services

services = base.services  # the same fixtures as the API's own tests
api = base.api
HUGE = "10000000000000000000"


def test_ids_past_any_integer_column_are_absent_or_invalid_never_500(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, _ = api
    dreux = token_for(services, "212801344")
    for method, path, body in (
        ("GET", f"/api/acts/{HUGE}", None),
        ("GET", f"/api/acts/-{HUGE}", None),
        ("GET", f"/api/drafts/{HUGE}", None),
        ("PATCH", f"/api/drafts/{HUGE}", {"objet": "x"}),
        ("DELETE", f"/api/drafts/{HUGE}", None),
        ("POST", f"/api/acts/{HUGE}/cancel", {"reason": "erreur matérielle"}),
    ):
        answer = requests.request(method, url + path, headers=dreux, json=body, timeout=10)
        assert answer.status_code in (404, 422), (method, path, answer.status_code, answer.text)


def test_poison_metadata_is_refused_at_intake_with_its_reason(
    api: tuple[str, list[int]], services: Services
) -> None:
    url, queued = api
    dreux = token_for(services, "212801344")
    pdf = text_pdf(DREUX_TEXT.format(n=150, objet="Tarifs de la restauration scolaire"))
    for objet, why in (("Tarifs\x01cantine", "control character"), ("Tarifs \ud800", "surrogate")):
        answer = post(url, dreux, pdf, f"k-{why}", {"objet": objet, "classification": "7.1"})
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "objet" and why in answer.json()["message"]
    assert queued == []
    deep = post(url, dreux, pdf, "k-deep", {"vote": 1})
    assert deep.status_code == 422
    nested = requests.post(
        f"{url}/api/acts",
        headers={**dreux, "Idempotency-Key": "k-nested"},
        files={"document": ("d.pdf", pdf, "application/pdf")},
        data={"metadata": '{"vote":' * 1000 + "1" + "}" * 1000},
        timeout=30,
    )
    assert nested.status_code == 422, nested.text


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(
    services: Services, tmp_path: Path
) -> None:
    """At the default limit (151 MiB) a 100 MB body is acceptable in size: only the missing
    or unknown token refuses it, before a byte of it is read."""
    app = create_api(lambda: Intake(services), upload_dir=tmp_path)
    with base.Server(app) as server:
        _refused_unread(server.url)


def _refused_unread(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    for headers in ({}, {"Authorization": "Bearer nope"}):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        sent = 0

        def body() -> Iterator[bytes]:
            nonlocal sent
            for _ in range(100):  # 100 MB, if anyone reads it
                sent += 1
                yield b"0" * (1024 * 1024)

        started = time.monotonic()
        try:
            connection.putrequest("POST", "/api/acts")
            for name, value in {
                **headers,
                "Idempotency-Key": "anon",
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(100 * 1024 * 1024),
            }.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()  # answered before any body byte is sent
            assert response.status == 401, response.read()[:300]
        finally:
            connection.close()
        assert sent == 0 and time.monotonic() - started < 5


def test_a_zip_pdf_polyglot_is_held_at_intake(
    api: tuple[str, list[int]], services: Services
) -> None:
    import io
    import zipfile

    url, queued = api
    dreux = token_for(services, "212801344")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "hidden")
    pdf = text_pdf(DREUX_TEXT.format(n=152, objet="Tarifs de la piscine")) + archive.getvalue()
    answer = post(url, dreux, pdf, "k-poly", {"classification": "7.1"})
    assert answer.status_code == 202, answer.text
    problems = answer.json()["problems"]
    assert any(p["field"] == "document" and "ZIP" in p["message"] for p in problems), problems
    assert queued == []
