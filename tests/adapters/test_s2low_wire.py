"""S²LOW's wire format: ISO-8859-1 forms, the -1 status body, what is not an API reply."""

from __future__ import annotations

from workflow.adapters.s2low_wire import (
    FilePart,
    latin1,
    looks_like_html,
    multipart,
    split_status_body,
)


def test_fields_and_file_names_go_in_iso_8859_1_with_replacements() -> None:
    assert latin1("budget 2024 € – « cœur »") == (
        "budget 2024 EUR - « coeur »",
        ("'€' → 'EUR'", "'–' → '-'", "'œ' → 'oe'"),
    )
    assert latin1("☃")[0] == "?"  # unknown outside Latin-1: replaced, never sent as UTF-8
    body, content_type = multipart(
        [("subject", "Délibération – n°3")],
        [FilePart("acte_attachments[]", 'annexe é".pdf', b"%PDF-"), FilePart("x", "", b"")],
    )
    assert content_type.startswith("multipart/form-data; boundary=")
    assert "Délibération - n°3".encode("iso-8859-1") in body
    assert 'filename="annexe é%22.pdf"'.encode("iso-8859-1") in body
    assert b'name="x"; filename=""' in body  # an empty input keeps its place
    assert "é".encode() not in body


def test_status_body_xml_first_then_the_message() -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<actes:AnomalieActe x="1"><a/></actes:AnomalieActe>'
    assert split_status_body(xml + "Anomalie signalee par le MI : 042 - x") == (
        xml,
        "Anomalie signalee par le MI : 042 - x",
    )
    assert split_status_body("Enveloppe invalide : raison") == (None, "Enveloppe invalide : raison")
    assert split_status_body("<actes:ARActe/>") == ("<actes:ARActe/>", None)
    assert split_status_body("") == (None, None)


def test_html_is_not_an_api_reply() -> None:
    assert looks_like_html(b"  <!DOCTYPE html><html>")
    assert looks_like_html(b"<HTML><body>")
    assert not looks_like_html(b"OK\n4\n<?xml version='1.0'?>")
    assert not looks_like_html(b"%PDF-1.4")
