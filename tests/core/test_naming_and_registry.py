"""File names (PROTOCOL.md §3.4), document kinds by content, and the collectivité registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.collectivite import load_registry
from workflow.errors import ConfigurationError, InvalidDocument, InvalidIdentifier
from workflow.identifiers import ActNature, Departement, Siren, TypologyCode
from workflow.protocol.documents import DocumentKind, examine, sniff_kind
from workflow.protocol.messages import MessageCode
from workflow.protocol.naming import (
    EnvelopeName,
    MessageStem,
    compact_date,
    parse_envelope_name,
    parse_file_name,
)

SIREN = Siren.parse("214502494")


def test_names_match_the_s2low_fixtures() -> None:
    envelope = EnvelopeName.build("EACT", SIREN, dt.date(2017, 7, 17), 6)
    assert envelope.xml_name == "EACT--214502494--20170717-6.xml"
    assert envelope.archive_name("SLO") == "SLO-EACT--214502494--20170717-6.tar.gz"
    stem = MessageStem.for_act(
        Departement.parse("045"), SIREN, dt.date(2017, 7, 17), "D201717", ActNature.DE
    )
    assert stem.message_name(MessageCode.ACTE) == "045-214502494-20170717-D201717-DE-1-1_0.xml"
    assert (
        stem.document_name(MessageCode.ACTE, 1, "pdf", TypologyCode("99_DE"))
        == "99_DE-045-214502494-20170717-D201717-DE-1-1_1.pdf"
    )
    classification = MessageStem.for_classification(Departement.parse("034"), SIREN)
    assert (
        classification.message_name(MessageCode.DEMANDE_CLASSIFICATION)
        == "034-214502494----7-1_0.xml"
    )


def test_envelope_name_rules() -> None:
    with pytest.raises(InvalidIdentifier, match="9999"):
        EnvelopeName.build("EACT", SIREN, dt.date(2024, 1, 1), 10000)
    with pytest.raises(InvalidIdentifier, match="trigramme"):
        EnvelopeName.build("EACT", SIREN, dt.date(2024, 1, 1), 1).archive_name("SL")
    parsed = parse_envelope_name("SLO-EACT--214502494--20170717-5.tar.gz")
    assert (parsed.trigramme, parsed.name.serial, parsed.is_archive) == ("SLO", 5, True)
    assert parse_envelope_name("EACT--214502494--20170717-6.xml").trigramme is None
    with pytest.raises(InvalidIdentifier, match="not an ACTES envelope"):
        parse_envelope_name("random.tar.gz")


@pytest.mark.parametrize(
    ("name", "code", "index", "typology"),
    [
        ("034-000000000-20170701-20170725A-AI-2-1_17.xml", "2-1", 17, None),
        ("32_DP-034-491011698-20171207-CL20171227_06-DE-1-1_1.pdf", "1-1", 1, "32_DP"),
        ("034-491011698-20171207-CL20171227_06-DE-1-2.xml", "1-2", None, None),
        ("999-1234----7-2_1.xml", "7-2", 1, None),
        ("044-214400152----1-3_1.xml", "1-3", 1, None),
    ],
)
def test_parse_file_names(name: str, code: str, index: int | None, typology: str | None) -> None:
    parsed = parse_file_name(name)
    assert parsed is not None
    assert parsed.code is not None
    assert (parsed.code.value, parsed.index, parsed.typology) == (code, index, typology)


@given(st.dates())
def test_compact_dates_are_strftimes(date: dt.date) -> None:
    assert compact_date(date) == date.strftime("%Y%m%d")


def test_sniffing_reads_content_not_names(tmp_path: Path) -> None:
    assert sniff_kind(b"%PDF-1.7\n", b"...%%EOF\n") is DocumentKind.PDF
    assert sniff_kind(b"%PDF-1.7\n", b"truncated") is None
    assert sniff_kind(b"\x89PNG\r\n\x1a\n....") is DocumentKind.PNG
    assert sniff_kind(b"\xff\xd8\xff\xe0") is DocumentKind.JPEG
    assert sniff_kind(b"\xef\xbb\xbf<?xml version='1.0'?><a/>") is DocumentKind.XML
    assert sniff_kind(b"PK\x03\x04 a zip") is None
    fake = tmp_path / "letter.pdf"
    fake.write_text("Dear préfet, this is text")
    with pytest.raises(InvalidDocument, match="not a PDF, XML, PNG or JPEG") as caught:
        examine(fake, field="document")
    assert caught.value.field == "document"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(InvalidDocument, match="empty"):
        examine(empty, field="annexe")
    with pytest.raises(InvalidDocument, match="does not exist"):
        examine(tmp_path / "nope.pdf", field="document")


def _registry(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_registry_loads(tmp_path: Path) -> None:
    path = _registry(
        tmp_path,
        """
[[collectivite]]
name = "Ville de Dreux"
siren = "212801344"
departement = "28"
arrondissement = 1
emails = ["actes@ville-dreux.fr"]
referent = { nom = "Service des assemblées", email = "assemblees@ville-dreux.fr" }
""",
    )
    registry = load_registry(path)
    dreux = registry.get("212801344")
    assert dreux is not None
    assert dreux.departement.value == "028"
    assert dreux.nature.value == "31"
    assert dreux.referent is not None
    assert "212801344" in registry


@pytest.mark.parametrize(
    ("body", "field", "where"),
    [
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801345"\ndepartement = "028"',
            "siren",
            "entry 1 (A)",
        ),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "020"',
            "departement",
            "entry 1 (A)",
        ),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "028"\ncolour = "red"',
            "colour",
            "entry 1",
        ),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "028"\nemails = ["bad"]',
            "emails",
            "entry 1",
        ),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "028"\n[[collectivite]]\nname = "B"\nsiren = "212801344"\ndepartement = "028"',
            "siren",
            "entry 2 (B)",
        ),
        ('[[collectivite]]\nsiren = "212801344"\ndepartement = "028"', "name", "entry 1"),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "028"\npopulation = "many"',
            "population",
            "entry 1 (A)",
        ),
        (
            '[[collectivite]]\nname = "A"\nsiren = "212801344"\ndepartement = "028"\npublicity_mode = "radio"',
            "publicity_mode",
            "entry 1 (A)",
        ),
        ("not toml [", "registry", "TOML"),
        ("title = 'x'", "collectivite", "no [[collectivite]]"),
    ],
)
def test_registry_errors_name_file_entry_and_field(
    tmp_path: Path, body: str, field: str, where: str
) -> None:
    path = _registry(tmp_path, body)
    with pytest.raises(ConfigurationError) as caught:
        load_registry(path)
    assert caught.value.field == field
    assert where in caught.value.message
    assert str(path) in caught.value.message or field == "registry"
