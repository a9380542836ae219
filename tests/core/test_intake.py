"""Intake's pure core: reading dates, fields, classification and consistency, on the fixture
deliberations and on layouts the extractor has never seen."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from workflow.adapters.textpdf import text_pdf
from workflow.collectivite import Collectivite
from workflow.errors import InvalidDocument, InvalidInput
from workflow.intake.checks import check_counts, check_dates, check_vote
from workflow.intake.classify import suggest
from workflow.intake.dates import find_dates, words_to_number
from workflow.intake.extract import REVIEW_BELOW, extract
from workflow.intake.metadata import parse_metadata
from workflow.intake.places import departement_by_name, departement_from_postcode
from workflow.intake.proposal import propose
from workflow.intake.text import read_document_text
from workflow.numbering import NumberProfile
from workflow.protocol.messages import Matiere, RetourClassification
from workflow.protocol.nomenclature import national_classification

NATIONAL = national_classification()
FIXTURES = ("dreux-2022-148.txt", "dole-15-09-03-35.txt", "saint-ambroix-2021-100.txt")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Séance du 9 mars 2015", ["2015-03-09"]),
        ("Séance du 1er mars 2015", ["2015-03-01"]),
        ("CONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022", ["2022-10-13"]),
        ("de la transmission en Préfecture le : 29 OCT. 2021", ["2021-10-29"]),
        ("Reçu le: 29/10/2021", ["2021-10-29"]),
        ("Date : 2022-10-13", ["2022-10-13"]),
        ("publié le 05.01.23", ["2023-01-05"]),
        ("dûment convoqué le sept octobre 2022", ["2022-10-07"]),
        ("convoqués le 19 octobre deux mille vingt et un", ["2021-10-19"]),
        (
            "L'an deux mille vingt-deux, le treize octobre à vingt heures, dûment convoqué le sept octobre 2022",
            ["2022-10-13", "2022-10-07"],
        ),
        ("L'an deux mille vingt et un, le vingt-sept du mois d'octobre", ["2021-10-27"]),
        ("le 31 février 2020 n'existe pas", []),
        ("Nombre de votants : 21", []),
    ],
)
def test_french_dates(line: str, expected: list[str]) -> None:
    assert [d.value.isoformat() for d in find_dates(line)] == expected


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("vingt-sept", 27),
        ("trente et un", 31),
        ("dix-neuf", 19),
        ("deux mille vingt et un", 2021),
        ("deux mille quatre-vingt-dix-neuf", 2099),
        ("soixante-douze", 72),
        ("1er", 1),
        ("bonjour", None),
    ],
)
def test_numbers_in_words(words: str, value: int | None) -> None:
    assert words_to_number(words) == value


def test_departements_by_name_and_postcode() -> None:
    assert departement_by_name("GARD") == "030"
    assert departement_by_name("de la Haute-Garonne") == "031"
    assert departement_by_name("du Jura") == "039"
    assert departement_by_name("Côte-d'Or") == "021"
    assert departement_by_name("Atlantide") is None
    assert departement_from_postcode("30500") == "030"
    assert departement_from_postcode("97400") == "974"
    assert departement_from_postcode("20000") is None  # 2A or 2B: the postcode does not say


# --------------------------------------------------------------------------- the fixtures


def _check_against_expected(
    extraction_values: dict[str, Any], review: set[str], expected: dict[str, Any]
) -> None:
    """Every expected value is read — or its field is listed for review; never wrong and sure."""
    for key, value in expected.items():
        if key == "classification_suggested":
            continue
        if value is None:
            assert key in review or extraction_values.get(key) is None, key
            continue
        got = extraction_values.get(key)
        if key == "printed_ar":
            assert got is not None
            for sub, subvalue in value.items():
                if sub == "why":  # the same reason, in our words: which segment, how many digits
                    assert "SIREN segment" in got[sub] and "8 digits" in got[sub], got[sub]
                else:
                    assert got.get(sub) == subvalue, (key, sub, got)
            continue
        if key == "vote":
            assert got is not None and all(got.get(k) == v for k, v in value.items()), got
            continue
        assert got == value or key in review, (key, got, value)


@pytest.mark.shared
@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("form", ["text", "pdf"])
def test_fixture_deliberations_give_what_a_clerk_reads(
    shared_dir: Path, tmp_path: Path, name: str, form: str
) -> None:
    folder = shared_dir / "fixtures" / "deliberations"
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))[name]
    source = folder / name
    if form == "pdf":
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(text_pdf(source.read_text(encoding="utf-8")))
        source = pdf
    extraction = extract(read_document_text(source))
    values = extraction.values()
    review = {r.field for r in extraction.review}
    _check_against_expected(values, review, expected)
    # what every deliberation must yield is read with confidence, not deferred to a person
    for key in ("collectivite", "numero_printed", "session_date", "nature", "objet", "rapporteur"):
        assert extraction.confident(key) and key not in review, (key, extraction.fields.get(key))
    # and the classification suggestion is clear
    theme = extraction.value("theme")
    suggestion = suggest(values["objet"], NATIONAL, *([theme] if theme else []))
    assert (
        suggestion.chosen is not None
        and suggestion.chosen.code == expected["classification_suggested"]
    )
    assert suggestion.chosen.words  # explained


@pytest.mark.shared
def test_malformed_printed_ar_is_reported_never_repaired(shared_dir: Path) -> None:
    text = (shared_dir / "fixtures" / "deliberations" / "saint-ambroix-2021-100.txt").read_text(
        encoding="utf-8"
    )
    extraction = extract(text)
    stamp = extraction.value("printed_ar")
    assert stamp["valid"] is False and stamp["id_as_printed"] == "030-21300217-20211027-2021100-DE"
    assert "8 digits" in stamp["why"]
    assert "siren" not in extraction.fields  # the 8-digit segment is not taken for a SIREN
    assert any(r.field == "printed_ar" and "malformed" in r.reason for r in extraction.review)


@pytest.mark.shared
def test_each_field_says_where_it_was_found(shared_dir: Path) -> None:
    text = (shared_dir / "fixtures" / "deliberations" / "dreux-2022-148.txt").read_text(
        encoding="utf-8"
    )
    lines = text.splitlines()
    extraction = extract(text)
    rapporteur = extraction.fields["rapporteur"]
    assert rapporteur.where is not None
    assert "Lydie GUÉRIN" in lines[rapporteur.where.line - 1]
    report = extraction.as_dict()
    assert report["fields"]["numero_printed"]["found"]["line"] == 9
    assert 0 < report["fields"]["objet"]["confidence"] <= 1


# --------------------------------------------------------------------------- unseen layouts

ARRETE = """COMMUNAUTÉ DE COMMUNES DU PAYS DE LUNEL
Extrait du registre des délibérations du conseil communautaire
Séance publique du 14/03/2024
Date de convocation : 07/03/2024
Nombre de délégués en exercice : 40
Présents : 28
Pouvoirs : 6
Votants : 34
DÉLIBÉRATION N° CC-2024/031
Objet : Attribution d'une subvention à l'association Les Amis de la Médiathèque
Rapporteur : M. Jean DUPONT, vice-président
Vu le code général des collectivités territoriales,
Vu l'avis à l'unanimité de la commission culture,
Après en avoir délibéré, le conseil communautaire, par 30 voix pour, 2 contre et 2 abstentions,
DÉCIDE d'attribuer une subvention de 1 500 € à l'association.
"""


def test_an_unseen_layout_with_a_split_vote() -> None:
    extraction = extract(ARRETE)
    values = extraction.values()
    assert values["collectivite"] == "Communauté de communes du Pays de Lunel"
    assert values["session_date"] == "2024-03-14"
    assert values["convocation_date"] == "2024-03-07"
    assert values["numero_printed"] == "CC-2024/031"
    assert (
        values["objet"] == "Attribution d'une subvention à l'association Les Amis de la Médiathèque"
    )
    assert values["rapporteur"] == "Jean DUPONT"
    assert (values["present"], values["proxies"], values["voters"]) == (28, 6, 34)
    assert values["vote"] == {
        "result": "adopted",
        "unanimous": False,
        "for": 30,
        "against": 2,
        "abstentions": 2,
    }
    assert values["nature"] == "DE"
    suggestion = suggest(values["objet"], NATIONAL)
    assert suggestion.ranked[0].code == "7.5"
    assert "subvention" in suggestion.ranked[0].words


def test_missing_fields_are_listed_for_review() -> None:
    extraction = extract("Compte rendu sans en-tête.\nLe texte ne dit presque rien.")
    missing = {r.field for r in extraction.review}
    assert {"numero_printed", "session_date", "objet"} <= missing


def test_low_confidence_is_flagged() -> None:
    extraction = extract(
        "Ville de Montargis\nDÉLIBÉRATION N° 12\n\nRénovation du gymnase\n\nLe conseil municipal, après en avoir délibéré, à l'unanimité"
    )
    objet = extraction.fields["objet"]
    assert objet.value == "Rénovation du gymnase"
    assert objet.confidence >= REVIEW_BELOW  # the block right under the number heading


# --------------------------------------------------------------------------- documents


def _pdf_without_text() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 100, 100, style="F")  # a scan: pixels, no text
    return bytes(pdf.output())


def test_scanned_encrypted_and_foreign_documents_are_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(_pdf_without_text())
    with pytest.raises(InvalidDocument, match="no text layer") as error:
        read_document_text(scanned)
    assert error.value.rule == "a PDF with a text layer"

    writer = PdfWriter(
        clone_from=PdfReader(io.BytesIO(text_pdf("Délibération n° 1\nObjet : essai")))
    )
    writer.encrypt("secret")
    encrypted = tmp_path / "locked.pdf"
    with encrypted.open("wb") as out:
        writer.write(out)
    with pytest.raises(InvalidDocument, match="encrypted") as error:
        read_document_text(encrypted)
    assert error.value.rule == "PDF not encrypted"

    png = tmp_path / "photo.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(InvalidDocument, match="neither a PDF nor a text"):
        read_document_text(png)


# --------------------------------------------------------------------------- classification


def test_classification_is_explained_and_unsure_cases_offer_three() -> None:
    sure = suggest("Budget primitif 2024 du budget principal", NATIONAL)
    assert sure.chosen is not None and sure.chosen.code == "7.1"
    assert "budget primitif" in sure.explain()
    unsure = suggest("Marchés publics de travaux de voirie", NATIONAL)
    assert unsure.chosen is None
    assert {s.code for s in unsure.top3} >= {"1.1", "8.3"}
    assert suggest("Questions diverses", NATIONAL).ranked == ()


def test_a_prefecture_subdivision_is_proposed_when_its_label_matches() -> None:
    local = RetourClassification(
        dt.date(2024, 1, 1),
        NATIONAL.natures,
        (
            *NATIONAL.matieres[:7],
            Matiere(
                8,
                "Domaines de compétences par thèmes",
                (Matiere(1, "Enseignement", (Matiere(2, "Restauration scolaire et cantine"),)),),
            ),
        ),
    )
    result = suggest("Tarifs de la restauration scolaire et de la cantine", local)
    assert result.ranked[0].code == "8.1.2"
    assert "restauration" in result.ranked[0].words or "cantine" in result.ranked[0].words


# --------------------------------------------------------------------------- checks


def test_attendance_and_vote_checks() -> None:
    assert check_counts(members_in_office=39, present=30, proxies=7, voters=37) == []
    [problem] = check_counts(members_in_office=39, present=30, proxies=7, voters=36)
    assert problem.field == "voters" and problem.rule == "present + proxies = voters"
    assert "30 present + 7 proxies = 37, but 36 voters" in problem.message
    [quorum] = check_counts(members_in_office=39, present=19, proxies=None, voters=None)
    assert quorum.severity == "warning" and "quorum" in quorum.rule
    [over] = check_counts(members_in_office=20, present=21, proxies=None, voters=None)
    assert over.field == "present"
    assert check_vote({"unanimous": True}, 35) == []
    [totals] = check_vote({"for": 20, "against": 3, "abstentions": 2}, 26)
    assert totals.rule == "for + against + abstentions = voters"
    [contradiction] = check_vote({"unanimous": True, "against": 2}, None)
    assert contradiction.field == "vote"


def test_date_checks() -> None:
    today = dt.date(2026, 11, 23)
    assert check_dates(act_date=today, convocation_date=dt.date(2026, 11, 17), today=today) == []
    [future] = check_dates(act_date=dt.date(2026, 11, 24), convocation_date=None, today=today)
    assert future.field == "date" and future.rule == "decision date not in the future"
    [late] = check_dates(
        act_date=dt.date(2026, 11, 2), convocation_date=dt.date(2026, 11, 3), today=today
    )
    assert late.field == "convocation_date"


# --------------------------------------------------------------------------- proposals

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
DOLE = Collectivite.from_mapping(
    {"name": "Ville de Dole", "siren": "000000018", "departement": "039", "emails": ["a@dole.fr"]}
)
TODAY = dt.date(2026, 11, 23)
PLAIN = """Ville de Dole
Séance du 9 mars 2015
Nombre de conseillers en exercice : 35
Nombre de conseillers présents : 30
Nombre de procurations : 5
Nombre de conseillers votants : 35
Délibération n° 15.09.03.35
Objet : Projet de plate-forme Environnement Numérique de Travail pour les écoles
Le Conseil Municipal, après en avoir délibéré, à l'unanimité
"""


def _propose(
    text: str,
    metadata: dict[str, Any] | None = None,
    collectivites: tuple[Collectivite, ...] = (DREUX, DOLE),
) -> Any:
    return propose(
        parse_metadata(metadata),
        extract(text) if text else None,
        collectivites=collectivites,
        nomenclature=NATIONAL,
        profile=NumberProfile.S2LOW,
        today=TODAY,
    )


def test_a_clear_document_needs_no_metadata() -> None:
    proposal = _propose(PLAIN)
    assert proposal.ready, proposal.problems
    values = proposal.values
    assert values["siren"] == "000000018"  # found by the collectivité's name
    assert values["numero"] == "15_09_03_35" and values["numero_printed"] == "15.09.03.35"
    assert values["classification"] == "8.1" and proposal.sources["classification"] == "suggestion"
    [change] = [p for p in proposal.problems if p.field == "numero"]
    assert change.severity == "warning" and "15_09_03_35" in change.message


def test_metadata_wins_and_contradictions_are_caught() -> None:
    proposal = _propose(PLAIN, {"classification": "8.2", "objet": "Autre intitulé"})
    assert proposal.values["classification"] == "8.2" and proposal.sources["objet"] == "metadata"
    wrong_pdf = _propose(PLAIN, {"numero": "15.09.03.36"})
    assert not wrong_pdf.ready
    assert any(p.field == "numero" and "right document" in p.message for p in wrong_pdf.errors)


def test_what_keeps_an_act_as_a_draft() -> None:
    unknown = _propose(PLAIN.replace("Ville de Dole", "Ville de Nulle-Part"))
    assert [p.field for p in unknown.errors] == ["siren"]
    future = _propose(PLAIN.replace("9 mars 2015", "9 mars 2027"))
    assert any(p.rule == "decision date not in the future" for p in future.errors)
    stamped = _propose(
        PLAIN + "Accusé de réception en préfecture\n039-000000018-20150317-15_09_03_35-DE\n"
    )
    assert any(
        p.field == "printed_ar" and p.rule == "an act is never transmitted twice"
        for p in stamped.errors
    )
    nothing = _propose("", {"siren": "212801344"})
    assert {p.field for p in nothing.errors} >= {"numero_printed", "date", "nature", "objet"}
    empty_objet = _propose(PLAIN, {"objet": "   "})
    assert any(p.field == "objet" for p in empty_objet.errors)
    foreign = _propose(PLAIN, {"siren": "999999999"})
    assert any(p.field == "siren" and "unknown collectivité" in p.message for p in foreign.errors)
    unclear = _propose(
        PLAIN.replace(
            "Projet de plate-forme Environnement Numérique de Travail pour les écoles",
            "Questions diverses",
        )
    )
    assert any(p.field == "classification" for p in unclear.errors)


def test_metadata_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_metadata({"date": "13/10/2022"})
    assert error.value.field == "date"
    with pytest.raises(InvalidInput) as error:
        parse_metadata({"colour": "blue"})
    assert error.value.field == "colour"
    with pytest.raises(InvalidInput, match="not JSON"):
        parse_metadata(b"{not json")


@pytest.mark.shared
@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_against_a_real_prefecture_classification(shared_dir: Path, name: str) -> None:
    from workflow.protocol import xml_in

    raw = (
        shared_dir / "reference" / "samples" / "7-2-classification" / "999-1234----7-2_1.xml"
    ).read_bytes()
    nomenclature = xml_in.parse_message(raw)
    assert isinstance(nomenclature, RetourClassification)
    extraction = extract(
        (shared_dir / "fixtures" / "deliberations" / name).read_text(encoding="utf-8")
    )
    theme = extraction.value("theme")
    result = suggest(extraction.value("objet"), nomenclature, *([theme] if theme else []))
    # "école" alone does not narrow the act to « école de la 2e chance » (8.1.4)
    assert result.chosen is not None and result.chosen.code == "8.1"
