"""What S²LOW answers, rule by rule (PROTOCOL.md §6.6), as one table both sides are held to.

Each scenario names the rule, the request that provokes it, the reply S²LOW gives — a pattern
of the exact bytes (status, body, ``Location``) and one recorded example of them — and what a
conformant client does with that reply. ``test_simulator.py`` sends each request to the
simulator and checks its reply against the pattern; ``test_client.py`` feeds the recorded
example to the client and checks its behaviour. The table checks its own examples against
its patterns, so the two sides cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflow.adapters.s2low_wire import CONFIRM_RETURN
from workflow.errors import PlatformAccessRefused, Rejected, TransientError
from workflow.identifiers import ActNature, Classification
from workflow.platform import ListingWindow
from workflow.protocol import messages as m
from workflow.protocol import xml_out

ACTES = "/modules/actes"


def _anomaly_xml() -> bytes:
    acte = m.ActeData(
        dt.date(2026, 1, 5),
        "ANO1",
        ActNature.DE,
        Classification.parse("8.1"),
        "Délibération",
        dt.date(2019, 3, 1),
        m.SignedFile("99_DE-028-212801344-20260105-ANO1-DE-1-1_1.pdf"),
    )
    return xml_out.to_xml(
        m.AnomalieActe(dt.date(2026, 1, 6), "042", "Classification inconnue", acte, None)
    )


ANOMALY = _anomaly_xml()
AR = xml_out.to_xml(
    m.ARActe(
        "028-212801344-20260105-AK1-DE",
        dt.date(2026, 1, 6),
        m.ActeData(
            dt.date(2026, 1, 5),
            "AK1",
            ActNature.DE,
            Classification.parse("8.1"),
            "Délibération",
            dt.date(2019, 3, 1),
            m.SignedFile("99_DE-028-212801344-20260105-AK1-DE-1-1_1.pdf"),
        ),
        None,
    )
)


@dataclass(frozen=True)
class Reply:
    """A reply S²LOW gives: ``body`` is a regex over the bytes (``None``: any body)."""

    status: int
    body: bytes | None = None
    location: str | None = None  # a regex over the Location header
    example: bytes = b""
    example_location: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    rule: str
    method: str
    path: str
    #: the query string and form fields sent to the simulator ({id} is the prepared id)
    params: dict[str, str] = field(default_factory=dict)
    fields: list[tuple[str, bytes]] = field(default_factory=list)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    #: what the simulator must hold first (see test_simulator.PREPARE)
    prepare: str = ""
    reply: Reply = field(default_factory=lambda: Reply(200))
    #: the client's call, and what it must make of the recorded example
    call: Callable[[Any], Any] = lambda platform: None
    expect: Callable[[Any], None] | tuple[type[BaseException], str] = lambda outcome: None


def _status_anomaly(report: Any) -> None:
    assert int(report.status) == -1
    assert report.message_xml is not None and b"AnomalieActe" in report.message_xml
    assert report.error_text == "Anomalie signalee par le MI : 042 - Classification inconnue"


def _status_acknowledged(report: Any) -> None:
    assert int(report.status) == 4 and report.error_text is None
    assert report.message_xml is not None and b"<actes:ARActe" in report.message_xml
    assert "Délibération".encode("iso-8859-1") in report.message_xml


def _status_refused(report: Any) -> None:
    assert int(report.status) == -1 and report.message_xml is None
    assert report.error_text.startswith("Enveloppe invalide : La typologie 22_AG")


def _only(rows: Any, expected: list[tuple[str, str]]) -> None:
    assert [(r.id, r.type) for r in rows] == expected


LISTING_BOTH = (
    b'{"status_id":"4","authority_id":"1","offset":"0","limit":"100",'
    b'"transactions":[{"id":"12","subject":"","number":"C1","date":"",'
    b'"nature_descr":"DE","classification":"","type":"6"},{"id":"11","subject":"x",'
    b'"number":"C1","date":"2026-01-05","nature_descr":"DE","classification":"8.1",'
    b'"type":"1"}]}'
)


def _found(listed: Any) -> None:
    assert [(t.id, t.type) for t in listed] == [("11", "1")]  # the act, not its cancellation


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "archive submission is gone",
        "S²LOW ≥ 6.0 answers KO to actes_transac_submit.php",
        "POST",
        f"{ACTES}/actes_transac_submit.php",
        fields=[("api", b"1")],
        files=[("enveloppe", "SLO-EACT--212801344--20260105-1.tar.gz", b"\x1f\x8b\x08")],
        reply=Reply(
            200,
            rb"KO\nCette fonctionnalit\xe9 est d\xe9pr\xe9ci\xe9.*",
            example="KO\nCette fonctionnalité est déprécié".encode("iso-8859-1"),
        ),
        call=lambda p: p.submit_archive(p.test_archive),
        expect=(Rejected, "déprécié"),
    ),
    Scenario(
        "a call without api=1",
        "without api=1 an error is a 302 to the web interface",
        "GET",
        f"{ACTES}/actes_transac_get_status.php",
        params={"transaction": "1"},
        reply=Reply(
            302,
            location=r"^/.*",
            example=b"",
            example_location="/?message=Vous%20devez%20vous%20authentifier",
        ),
        call=lambda p: p.get_status("1"),
        expect=(PlatformAccessRefused, "web interface"),
    ),
    Scenario(
        "the web interface's page",
        "what a redirect leads to is an HTML page, never an API reply",
        "GET",
        "/",
        reply=Reply(
            200,
            rb"(?s)<!DOCTYPE html>.*",
            example=b"<!DOCTYPE html>\n<html><head><title>S2LOW</title></head></html>",
        ),
        call=lambda p: p.get_status("1"),
        expect=(PlatformAccessRefused, "HTML page"),
    ),
    Scenario(
        "status -1 with the ministry's anomaly",
        "get_status on -1: the reply XML first, then the message, no separator",
        "GET",
        f"{ACTES}/actes_transac_get_status.php",
        params={"api": "1", "transaction": "{id}"},
        prepare="anomaly",
        reply=Reply(
            200,
            rb"(?s)OK\n-1\n<\?xml.*</actes:AnomalieActe>\n?"
            rb"Anomalie signalee par le MI : 042 - Classification inconnue",
            example=b"OK\n-1\n"
            + ANOMALY
            + b"Anomalie signalee par le MI : 042 - Classification inconnue",
        ),
        call=lambda p: p.get_status("7"),
        expect=_status_anomaly,
    ),
    Scenario(
        "status 4 with the ARActe",
        "get_status on 4: the ARActe XML after OK and the status, nothing else",
        "GET",
        f"{ACTES}/actes_transac_get_status.php",
        params={"api": "1", "transaction": "{id}"},
        prepare="acknowledged",
        reply=Reply(
            200,
            rb"(?s)OK\n4\n<\?xml version=.1\.0. encoding=.ISO-8859-1.\?>.*</actes:ARActe>\n?",
            example=b"OK\n4\n" + AR,
        ),
        call=lambda p: p.get_status("7"),
        expect=_status_acknowledged,
    ),
    Scenario(
        "status -1 by the platform's own checks",
        "validation after OK: -1 'Enveloppe invalide : …' with no XML",
        "GET",
        f"{ACTES}/actes_transac_get_status.php",
        params={"api": "1", "transaction": "{id}"},
        prepare="typology",
        reply=Reply(
            200,
            rb"OK\n-1\nEnveloppe invalide : La typologie 22_AG n'est pas permise .*",
            example=b"OK\n-1\nEnveloppe invalide : La typologie 22_AG n'est pas permise sur "
            b"le fichier 22_AG-028-212801344-20260105-TY1-DE-1-1_2.pdf",
        ),
        call=lambda p: p.get_status("8"),
        expect=_status_refused,
    ),
    Scenario(
        "an answer without type_acte",
        "type_acte is mandatory in actes_transac_reponse_create.php",
        "POST",
        f"{ACTES}/actes_transac_reponse_create.php",
        params={"api": "1"},
        fields=[("id", b"{letter}"), ("type_envoie", b"4")],
        files=[("acte_pdf_file", "reponse.pdf", b"%PDF-1.4\n%%EOF\n")],
        prepare="letter",
        reply=Reply(200, rb"KO : typologie absente", example=b"KO : typologie absente"),
        call=lambda p: p.reply("9", 4, p.test_pdf),
        expect=(Rejected, "typologie absente"),
    ),
    Scenario(
        "an answer, api in the query string",
        "the reply endpoint answers 'OK : id généré : <id>'",
        "POST",
        f"{ACTES}/actes_transac_reponse_create.php",
        params={"api": "1"},
        fields=[("id", b"{letter}"), ("type_envoie", b"4"), ("type_acte", b"99_AU")],
        files=[("acte_pdf_file", "reponse.pdf", b"%PDF-1.4\n%%EOF\n")],
        prepare="letter",
        reply=Reply(
            200, rb"OK : id g\xe9n\xe9r\xe9 : \d+", example=b"OK : id g\xe9n\xe9r\xe9 : 42"
        ),
        call=lambda p: p.reply("9", 4, p.test_pdf),
        expect=lambda outcome: None if outcome == "42" else pytest_fail(outcome),
    ),
    Scenario(
        "an answer, api in the POST body only",
        "the reply endpoint answers 'OK\\n<id>' when api comes in the POST body",
        "POST",
        f"{ACTES}/actes_transac_reponse_create.php",
        fields=[("api", b"1"), ("id", b"{letter}"), ("type_envoie", b"4"), ("type_acte", b"99_AU")],
        files=[("acte_pdf_file", "reponse.pdf", b"%PDF-1.4\n%%EOF\n")],
        prepare="letter",
        reply=Reply(200, rb"OK\n\d+", example=b"OK\n43"),
        call=lambda p: p.reply("9", 4, p.test_pdf),
        expect=lambda outcome: None if outcome == "43" else pytest_fail(outcome),
    ),
    Scenario(
        "KO messages are HTML-escaped",
        "replies are ISO-8859-1 and KO messages escaped (&#039;)",
        "POST",
        f"{ACTES}/actes_transac_cancel.php",
        fields=[("api", b"1"), ("id", b"{id}")],
        prepare="posted",
        reply=Reply(
            200,
            rb"KO\nImpossible d&#039;annuler une transaction .*",
            example=b"KO\nImpossible d&#039;annuler une transaction qui n&#039;est pas en "
            b"\xe9tat \xab Acquittement re\xe7u \xbb",
        ),
        call=lambda p: p.cancel("5"),
        expect=(Rejected, "Impossible d'annuler une transaction qui n'est pas"),
    ),
    Scenario(
        "listing: every type, newest first, values as strings",
        "list_actes returns all transaction types, ORDER BY id DESC, strings; a cancellation "
        "shares its act's number, so an act is looked up among type 1 rows only",
        "GET",
        f"{ACTES}/api/list_actes.php",
        params={"api": "1", "status_id": "4"},
        prepare="cancelled",
        reply=Reply(
            200,
            rb'\{"status_id":"4",[^\[]*"transactions":\[\{"id":"\d+",[^}]*"type":"6"\},'
            rb'\{"id":"\d+",[^}]*"type":"1"\}\]\}',
            example=LISTING_BOTH,
        ),
        call=lambda p: p.find_candidates("C1"),
        expect=_found,
    ),
    Scenario(
        "type_acte is an act's nature, not a transaction type",
        "list_actes reads type_acte as a nature code (99_DE…) and filters nothing by it; any "
        "other value puts an error object before the listing, in the same body: not JSON",
        "GET",
        f"{ACTES}/api/list_actes.php",
        params={"api": "1", "status_id": "4", "type_acte": "1"},
        prepare="cancelled",
        reply=Reply(
            200,
            rb'\{"error":"Code invalide : valeur parmi 99_DE, 99_AR, 99_AI, 99_CC, 99_BF, '
            rb'99_AU attendue, 1 fourni"\}\{"status_id":"4",[^\[]*"transactions":\['
            rb'\{"id":"\d+",[^}]*"type":"6"\},\{"id":"\d+",[^}]*"type":"1"\}\]\}',
            example=b'{"error":"Code invalide : valeur parmi 99_DE, 99_AR, 99_AI, 99_CC, '
            b'99_BF, 99_AU attendue, 1 fourni"}' + LISTING_BOTH,
        ),
        call=lambda p: p.list_transactions(4, window=ListingWindow(type_acte="1")),
        expect=(TransientError, "not JSON"),
    ),
    Scenario(
        "a nature in type_acte filters nothing",
        "list_actes with type_acte=99_DE and min_date lists every type that entered the "
        "status since that day (the clause type_acte adds does not filter)",
        "GET",
        f"{ACTES}/api/list_actes.php",
        params={"api": "1", "status_id": "4", "type_acte": "99_DE", "min_date": "2000-01-01"},
        prepare="cancelled",
        reply=Reply(
            200,
            rb'\{"status_id":"4",[^\[]*"transactions":\[\{"id":"\d+",[^}]*"type":"6"\},'
            rb'\{"id":"\d+",[^}]*"type":"1"\}\]\}',
            example=LISTING_BOTH,
        ),
        call=lambda p: p.list_transactions(4, window=ListingWindow(type_acte="99_DE")),
        expect=lambda rows: _only(rows, [("12", "6"), ("11", "1")]),
    ),
    Scenario(
        "a download that cannot be served",
        "download errors are a 302 to the home page, never KO",
        "GET",
        f"{ACTES}/actes_download_file.php",
        params={"api": "1", "file": "999999"},
        reply=Reply(302, location=r"^/.*", example_location="/"),
        call=lambda p: p.bordereau("5"),
        expect=(Rejected, "redirected"),
    ),
    Scenario(
        "the bordereau of an acknowledged act",
        "a download is the file itself (the client checks %PDF- before trusting it)",
        "GET",
        f"{ACTES}/actes_create_pdf.php",
        params={"api": "1", "trans_id": "{id}"},
        prepare="acknowledged",
        reply=Reply(200, rb"(?s)%PDF-.*", example=b"%PDF-1.4\n%%EOF\n"),
        call=lambda p: p.bordereau("5"),
        expect=lambda pdf: None if pdf.startswith(b"%PDF-") else pytest_fail(pdf),
    ),
    Scenario(
        "post_confirm on an act that does not wait",
        "post_confirm answers with a redirect to url_return, %%ERROR%% and %%MESSAGE%% filled",
        "GET",
        f"{ACTES}/actes_transac_post_confirm_api.php",
        params={"api": "1", "id": "{id}", "url_return": CONFIRM_RETURN},
        prepare="posted",
        reply=Reply(
            302,
            location=r"^https://actes-workflow\.invalid/confirm\?error=1&message=La transaction "
            r"n'est pas dans le statut.*",
            example_location="https://actes-workflow.invalid/confirm?error=1&message=La "
            "transaction n'est pas dans le statut « En attente d'être posté»",
        ),
        call=lambda p: p.confirm("5"),
        expect=(Rejected, "En attente d'être posté"),
    ),
)


def pytest_fail(outcome: object) -> None:
    raise AssertionError(f"unexpected outcome {outcome!r}")
