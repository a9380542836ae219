"""Packaging an act (1-1) and the other outbound messages into ACTES archives."""

from __future__ import annotations

import datetime as dt
import tarfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow.collectivite import Collectivite
from workflow.errors import InvalidDocument, InvalidInput
from workflow.identifiers import ActNature, Classification, IDActe, TypologyCode
from workflow.numbering import NumberProfile, NumeroInterne
from workflow.packaging import (
    TRANSLITERATION,
    ActInput,
    DocumentInput,
    PackagingOptions,
    clean_objet,
    package_act,
    package_answer,
    package_cancellation,
    package_classification_request,
)
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.messages import (
    Acte,
    Annulation,
    DemandeClassification,
    EnveloppeCLMISILL,
    MessageCode,
)

DREUX = Collectivite.from_mapping(
    {
        "name": "Ville de Dreux",
        "siren": "212801344",
        "departement": "028",
        "arrondissement": 1,
        "emails": ["actes@ville-dreux.fr"],
    }
)
TODAY = dt.date(2022, 10, 18)
OPTIONS = PackagingOptions(generated_on=TODAY, serial=3)


def _act(document: Path, **changes: object) -> ActInput:
    values: dict[str, object] = {
        "collectivite": DREUX,
        "numero": NumeroInterne.parse("DEL2022_148"),
        "date": dt.date(2022, 10, 13),
        "nature": ActNature.DE,
        "classification": Classification.parse("8.1"),
        "classification_date": dt.date(2022, 1, 1),
        "objet": "Espace Numérique de Travail primOT",
        "document": DocumentInput(document),
    }
    values.update(changes)
    return ActInput(**values)  # type: ignore[arg-type]


def test_package_names_members_and_content(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    annexe = pdf_factory("annexe")
    package = package_act(
        _act(pdf_factory(), annexes=(DocumentInput(annexe, TypologyCode("99_AU")),)),
        tmp_path / "out",
        OPTIONS,
    )
    assert package.archive_name == "SLO-EACT--212801344--20221018-3.tar.gz"
    assert package.archive.path == tmp_path / "out" / package.archive_name
    stem = "028-212801344-20221013-DEL2022_148-DE-1-1"
    assert [f.name for f in package.files] == [
        "EACT--212801344--20221018-3.xml",
        f"{stem}_0.xml",
        f"99_DE-{stem}_1.pdf",
        f"99_AU-{stem}_2.pdf",
    ]
    assert [f.role for f in package.files] == ["envelope", "message", "document", "annexe"]
    assert package.id_acte == IDActe.parse("028-212801344-20221013-DEL2022_148-DE")
    with ReceivedArchive.open(package.archive.path) as archive:
        assert sorted(archive.names()) == sorted(f.name for f in package.files)
        message = xml_in.parse_message(archive.read(f"{stem}_0.xml"))
        envelope = xml_in.parse_message(archive.read("EACT--212801344--20221018-3.xml"))
        raw = archive.read(f"{stem}_0.xml")
    assert raw.startswith(b"<?xml")
    assert raw == package.message_xml  # kept from packaging: nobody reads the archive back
    assert b"ISO-8859-1" in raw[:60].upper()
    assert isinstance(message, Acte)
    assert message.data.objet == "Espace Numérique de Travail primOT"
    assert message.data.document.nom_fichier == f"99_DE-{stem}_1.pdf"
    assert [a.nom_fichier for a in message.data.annexes] == [f"99_AU-{stem}_2.pdf"]
    assert isinstance(envelope, EnveloppeCLMISILL)
    assert envelope.formulaires[0].nom_fichier == f"{stem}_0.xml"
    assert envelope.adresses_retour == ("actes@ville-dreux.fr",)


def test_same_input_same_bytes(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    document = pdf_factory()
    first = package_act(_act(document), tmp_path / "a", OPTIONS)
    second = package_act(_act(document), tmp_path / "b", OPTIONS)
    assert first.archive.path.read_bytes() == second.archive.path.read_bytes()
    assert first.archive.sha256 == second.archive.sha256


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"date": dt.date(2022, 10, 19)}, "date", "future"),
        ({"objet": ""}, "objet", "not empty"),
        ({"objet": "ligne 1\nligne 2"}, "objet", "no line break"),
        ({"objet": "x" * 500}, "objet", "499"),
        ({"objet": "Budget ₿ 2022"}, "objet", "ISO-8859-1"),
    ],
)
def test_bad_act_input(
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
    changes: dict[str, object],
    field: str,
    rule: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        package_act(_act(pdf_factory(), **changes), tmp_path, OPTIONS)
    assert caught.value.field == field
    assert rule in (caught.value.rule or "") + caught.value.message
    assert not any(tmp_path.glob("*.tar.gz"))


def test_objet_transliteration_is_reported() -> None:
    text, changes = clean_objet("L’école – “ENT” œuvre…", max_length=499)
    assert text == 'L\'école - "ENT" oeuvre...'
    assert "transliterated '’' → \"'\"" in changes
    assert len(clean_objet("é" * 500, max_length=500)[0]) == 500


def test_main_document_must_be_a_pdf_by_content(tmp_path: Path) -> None:
    fake = tmp_path / "act.pdf"
    fake.write_bytes(b"<?xml version='1.0'?><budget/>")
    with pytest.raises(InvalidDocument, match="XML is allowed only for a budget") as caught:
        package_act(_act(fake), tmp_path / "out", OPTIONS)
    assert caught.value.field == "document"
    budget = package_act(
        _act(fake, nature=ActNature.BF, classification=Classification.parse("7.1")),
        tmp_path / "out",
        OPTIONS,
    )
    assert budget.files[2].name.endswith("_1.xml")
    assert budget.files[2].typology == "99_BU"


def test_annexes_need_typology_and_pdf_with_xml_act(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    png = tmp_path / "plan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(InvalidInput, match="typology") as caught:
        package_act(_act(pdf_factory(), annexes=(DocumentInput(png),)), tmp_path, OPTIONS)
    assert caught.value.field == "typologie"
    ok = package_act(
        _act(pdf_factory(), annexes=(DocumentInput(png, TypologyCode("99_AU")),)), tmp_path, OPTIONS
    )
    assert ok.files[-1].name.endswith("_2.png")
    budget = tmp_path / "budget.xml"
    budget.write_bytes(b"<?xml version='1.0'?><budget/>")
    with pytest.raises(InvalidDocument, match="annexes must be PDF"):
        package_act(
            _act(
                budget,
                nature=ActNature.BF,
                classification=Classification.parse("7.1"),
                annexes=(DocumentInput(png, TypologyCode("99_AU")),),
            ),
            tmp_path,
            OPTIONS,
        )
    restricted = PackagingOptions(generated_on=TODAY, allowed_typologies=frozenset({"99_DE"}))
    with pytest.raises(InvalidInput, match="not allowed"):
        package_act(
            _act(pdf_factory(), annexes=(DocumentInput(png, TypologyCode("99_AU")),)),
            tmp_path,
            restricted,
        )


def test_size_limit_is_checked_before_reading(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as stream:  # a sparse file: 151 MiB on paper, nothing on disk
        stream.truncate(151 * 1024 * 1024)
    with pytest.raises(InvalidDocument, match="150 MiB") as caught:
        package_act(
            _act(pdf_factory(), annexes=(DocumentInput(huge, TypologyCode("99_AU")),)),
            tmp_path,
            OPTIONS,
        )
    assert caught.value.field == "documents"


def test_no_return_address(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    silent = Collectivite.from_mapping({"name": "X", "siren": "212801344", "departement": "028"})
    with pytest.raises(InvalidInput, match="return e-mail") as caught:
        package_act(_act(pdf_factory(), collectivite=silent), tmp_path, OPTIONS)
    assert caught.value.field == "emails"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    numero=st.from_regex(r"\A[A-Z0-9]([A-Z0-9_]{0,13}[A-Z0-9])?\Z"),
    nature=st.sampled_from(list(ActNature)),
    levels=st.lists(st.integers(1, 12), min_size=2, max_size=5),
    objet=st.text(
        st.characters(
            min_codepoint=32,
            max_codepoint=255,
            exclude_characters="\xa0",
            exclude_categories=["Cc"],  # no control character in an objet (issue 14 #4)
        ),
        min_size=1,
        max_size=499,
    ).filter(lambda s: s.strip() == s and s),
    annexes=st.integers(0, 3),
)
def test_any_valid_act_packages_and_reads_back(
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
    numero: str,
    nature: ActNature,
    levels: list[int],
    objet: str,
    annexes: int,
) -> None:
    document = pdf_factory()
    act = _act(
        document,
        numero=NumeroInterne.parse(numero),
        nature=nature,
        classification=Classification(tuple(levels)),
        objet=objet,
        annexes=tuple(DocumentInput(document, TypologyCode("99_AU")) for _ in range(annexes)),
    )
    package = package_act(act, tmp_path / numero, OPTIONS)
    with ReceivedArchive.open(package.archive.path) as archive:
        message = xml_in.parse_message(archive.read(package.message_name))
    assert isinstance(message, Acte)
    assert (message.data.numero, message.data.nature, message.data.classification.levels) == (
        numero,
        nature,
        tuple(levels),
    )
    assert message.data.objet == objet
    assert len(message.data.annexes) == annexes


def test_answers_cancellation_and_classification_request(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    id_acte = IDActe.parse("028-212801344-20221018-DEL2022-148-DE")
    letter = dt.date(2022, 11, 2)
    for code, count in [
        (MessageCode.REPONSE_COURRIER_SIMPLE, 1),
        (MessageCode.AR_DEMANDE_PIECE_COMPLEMENTAIRE, 0),
        (MessageCode.REFUS_PIECE_COMPLEMENTAIRE, 1),
        (MessageCode.PIECE_COMPLEMENTAIRE, 2),
        (MessageCode.AR_LETTRE_OBSERVATIONS, 0),
        (MessageCode.REJET_LETTRE_OBSERVATIONS, 1),
        (MessageCode.REPONSE_LETTRE_OBSERVATIONS, 1),
    ]:
        documents = [DocumentInput(pdf_factory()) for _ in range(count)]
        package = package_answer(
            DREUX, code, id_acte, letter, documents, tmp_path / code.value, OPTIONS
        )
        assert package.message_name == f"028-212801344-20221018-DEL2022-148-DE-{code.value}_0.xml"
        with ReceivedArchive.open(package.archive.path) as archive:
            message = xml_in.parse_message(archive.read(package.message_name))
            assert message.code is code
            assert len(archive.names()) == 2 + count
        wrong = 0 if code is MessageCode.PIECE_COMPLEMENTAIRE else count + 1
        with pytest.raises(InvalidInput, match="takes"):
            package_answer(
                DREUX,
                code,
                id_acte,
                letter,
                [DocumentInput(pdf_factory())] * wrong,
                tmp_path,
                OPTIONS,
            )
    cancel = package_cancellation(DREUX, id_acte, tmp_path / "6-1", OPTIONS)
    with ReceivedArchive.open(cancel.archive.path) as archive:
        assert xml_in.parse_message(archive.read(cancel.message_name)) == Annulation(str(id_acte))
    request = package_classification_request(
        DREUX, tmp_path / "7-1", OPTIONS, current=dt.date(2019, 3, 1)
    )
    assert request.message_name == "028-212801344----7-1_0.xml"
    with ReceivedArchive.open(request.archive.path) as archive:
        assert xml_in.parse_message(archive.read(request.message_name)) == DemandeClassification(
            dt.date(2019, 3, 1)
        )
    other = IDActe.parse("028-213002173-20221018-X-DE")
    with pytest.raises(InvalidInput, match="belongs to SIREN"):
        package_cancellation(DREUX, other, tmp_path, OPTIONS)


def test_ministry_profile_keeps_hyphens_and_allows_500(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    options = PackagingOptions(generated_on=TODAY, profile=NumberProfile.MINISTRY)
    package = package_act(
        _act(
            pdf_factory(),
            numero=NumeroInterne.parse("DEL2022-148", NumberProfile.MINISTRY),
            objet="x" * 500,
        ),
        tmp_path,
        options,
    )
    assert str(package.id_acte) == "028-212801344-20221013-DEL2022-148-DE"
    with tarfile.open(package.archive.path) as tar:
        assert "028-212801344-20221013-DEL2022-148-DE-1-1_0.xml" in tar.getnames()


class _DigestOnlySigner:
    """Signs digests only: packaging must reuse the hash it made, not read documents again."""

    def __init__(self) -> None:
        self.digests: list[bytes] = []

    def sign_detached(self, content: object) -> object:
        raise AssertionError("a document was read again to be signed")

    def sign_digest(self, sha256: bytes) -> object:
        from workflow.signing import DetachedSignature

        self.digests.append(sha256)
        return DetachedSignature(b"0" + sha256)


def test_signing_reuses_each_document_hash(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    import hashlib

    document, annexe = pdf_factory("acte"), pdf_factory("annexe")
    signer = _DigestOnlySigner()
    package = package_act(
        _act(document, annexes=(DocumentInput(annexe, TypologyCode("99_AU")),)),
        tmp_path / "out",
        OPTIONS,
        signer=signer,  # type: ignore[arg-type]
    )
    assert signer.digests == [
        hashlib.sha256(document.read_bytes()).digest(),
        hashlib.sha256(annexe.read_bytes()).digest(),
    ]
    assert [f.sha256 for f in package.files[2:]] == [d.hex() for d in signer.digests]


@given(
    st.text(
        st.characters(max_codepoint=0x2200, exclude_characters="\n\r")
        | st.sampled_from(sorted(TRANSLITERATION)),
        min_size=1,
        max_size=80,
    )
)
def test_an_objet_kept_as_it_is_is_one_checked_character_by_character(raw: str) -> None:
    """The printable Latin-1 objet taken whole gets what the character-by-character
    check gives it: the same text, the same refusal."""
    from workflow.packaging.objet import _transliterate

    text = unicodedata.normalize("NFC", raw).strip()
    try:
        expected: object = _transliterate(text, raw)
    except InvalidInput as error:
        expected = error.rule
    try:
        cleaned, changes = clean_objet(raw, max_length=10_000)
        got: object = (cleaned, [c.removeprefix("transliterated ") for c in changes])
    except InvalidInput as error:
        got = error.rule
    if text:
        assert got == expected
