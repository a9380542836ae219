"""Inputs that once escaped the error tree (issue 14 #3): only the project's own exceptions
(workflow.errors) may leave a parser of outside input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.hostile import hostile_pdfs
from workflow.errors import InvalidDocument, InvalidIdentifier, InvalidInput, InvalidMessage
from workflow.identifiers import (
    ActNature,
    Arrondissement,
    CollectiviteNature,
    Departement,
    IDActe,
    Siren,
)
from workflow.intake.metadata import parse_metadata
from workflow.intake.text import read_document_text
from workflow.packaging import clean_objet
from workflow.protocol import xml_in, xml_out
from workflow.protocol.nomenclature import national_classification

UNICODE_DIGITS = ("²", "０", "٣", "੩")  # str.isdigit() is true for each, some int() refuse


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
def test_unicode_digits_are_not_digits(digit: str) -> None:
    for parse, raw in (
        (Departement.parse, f"0{digit}"),
        (Departement.parse, f"0{digit}8"),
        (Arrondissement.parse, digit),
        (ActNature.parse, digit),
        (CollectiviteNature.parse, digit * 2),
        (Siren.parse, digit * 9),
        (IDActe.parse, f"0{digit}8-212801344-20260105-E1-DE"),
        (IDActe.parse, f"028-212801344-2026010{digit}-E1-DE"),
    ):
        with pytest.raises(InvalidIdentifier):
            parse(raw)


@pytest.mark.parametrize("value", ["²", "０", "9" * 5000, "-1"])
def test_xml_integer_attributes_take_ascii_digits_only(value: str) -> None:
    xml = xml_out.to_xml(national_classification())
    hostile = xml.replace(b'CodeMatiere="1"', f'CodeMatiere="{value}"'.encode(), 1)
    assert hostile != xml
    with pytest.raises(InvalidMessage):
        xml_in.parse_message(hostile)


@pytest.mark.parametrize(
    "raw",
    [
        '{"vote":' * 1000 + "1" + "}" * 1000,
        "[" * 100_000 + "]" * 100_000,
        '{"objet": "Budget \\ud800 primitif"}',
        '{"numero": "\\udfff"}',
    ],
)
def test_metadata_nested_or_with_lone_surrogates_is_invalid_input(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_metadata(raw)


def test_objet_with_a_lone_surrogate_or_a_control_character_is_refused() -> None:
    for objet in ("Budget \ud800", "Budget\x01primitif", "Bud\x85get", "Budget\x7f"):
        with pytest.raises(InvalidInput, match="objet"):
            clean_objet(objet, max_length=499)


@pytest.mark.parametrize("name", sorted(hostile_pdfs()))
def test_hostile_pdfs_are_invalid_documents(name: str, tmp_path: Path) -> None:
    path = tmp_path / "act.pdf"
    path.write_bytes(hostile_pdfs()[name])
    with contextlib.suppress(InvalidDocument):  # refused with our error, or read: both fine
        read_document_text(path)
