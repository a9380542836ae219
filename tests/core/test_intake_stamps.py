"""Reading real acts as a clerk would (issue 12): every stamp layout of PROTOCOL.md §5, OCR
damage, natures from the identifier then from words, counts and votes over several lines,
consistency as evidence — and never a wrong value given as sure."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from workflow.identifiers import Siren, commune_departements
from workflow.intake.extract import Extraction, extract
from workflow.intake.ocr import ocr_missing
from workflow.intake.text import read_document_text


def _reviewed(extraction: Extraction) -> dict[str, str]:
    return {r.field: r.reason for r in extraction.review}


def _sure(extraction: Extraction, name: str) -> bool:
    return extraction.confident(name) and name not in _reviewed(extraction)


# --------------------------------------------------------------------------- identifiers


def test_a_commune_siren_names_its_departement() -> None:
    assert commune_departements(Siren.parse("212801344")) == frozenset({"028"})
    assert commune_departements(Siren.parse("212000962")) == frozenset({"02A", "02B"})
    assert commune_departements(Siren.parse("213401722")) == frozenset({"034"})
    assert commune_departements(Siren.parse("200066389")) is None  # an EPCI: no INSEE code


def test_corsican_identifiers_are_read() -> None:
    extraction = extract(
        "Commune de Corte\nDélibération n° 2024-12\n"
        "Accusé de réception en préfecture\n02B-212000962-20240115-2024_12-DE\n"
        "Date de réception préfecture : 17/01/2024\n"
    )
    assert extraction.value("id_acte") == "02B-212000962-20240115-2024_12-DE"
    assert (extraction.value("departement"), extraction.value("siren")) == ("02B", "212000962")
    assert _sure(extraction, "id_acte") and _sure(extraction, "departement")
    assert "siren" not in _reviewed(extraction) and "departement" not in _reviewed(extraction)


def test_corsica_read_as_eure_et_loir_is_repaired_by_the_siren() -> None:
    extraction = extract(
        "Reçu en préfecture le 17/01/2024\nID : 028-212000962-20240115-2024_12-DE\n"
    )
    assert extraction.value("id_acte") == "02B-212000962-20240115-2024_12-DE"
    assert extraction.value("departement") == "02B"
    assert "028 → 02B" in extraction.fields["id_acte"].how


def test_a_departement_the_siren_contradicts_is_flagged_not_believed() -> None:
    extraction = extract("Reçu en préfecture le 17/01/2024\nID : 090-213001100-20240115-502-AI\n")
    review = _reviewed(extraction)
    assert not _sure(extraction, "id_acte") and "disagrees with the SIREN" in review["id_acte"]
    assert not _sure(extraction, "departement")


def test_ocr_dashes_spaces_and_o_for_zero_are_undone() -> None:
    extraction = extract("ID : O34 — 213 401 722 – 2O130204 - 0000061086 - D E\n")
    assert extraction.value("id_acte") == "034-213401722-20130204-0000061086-DE"
    assert extraction.value("nature") == "DE"


def test_a_malformed_identifier_is_flagged_with_a_repair_the_document_supports() -> None:
    text = "Reçu en prétecture le 2102/2023\nD : 090-213001100-2230221-502-AI\n" \
           "ARRÊTÉ\nFait à Flaux, le 21 février 2023\n"  # fmt: skip
    extraction = extract(text)
    assert extraction.value("printed_ar")["valid"] is False
    assert extraction.value("id_acte") == "030-213001100-20230221-502-AI"
    assert not _sure(extraction, "id_acte")  # a suggestion, for a person to confirm
    assert extraction.value("reception_date") == dt.date(2023, 2, 21)
    assert not _sure(extraction, "reception_date")  # OCR lost its slash
    assert extraction.value("session_date") == dt.date(2023, 2, 21)  # the arrêté's signature


def test_the_actes_file_name_in_a_footer() -> None:
    extraction = extract(
        "Objet : Voirie\nPage 1/2 99_AR-059-215901232-20240301-A2024_15-AR-1-1_1.PDF\n"
    )
    assert extraction.value("id_acte") == "059-215901232-20240301-A2024_15-AR"
    assert extraction.value("nature") == "AR"


def test_two_stamps_the_act_and_an_annexed_act() -> None:
    text = (
        "Envoyé en préfecture le 12/02/2024\nReçu en préfecture le 13/02/2024\n"
        "ID : 030-213001100-20240202-DEL2024_3-DE\n"
        "Délibération n° DEL2024_3\n"
        + "texte de la délibération\n"
        * 20
        + "--- annexe : l'arrêté transmis l'an dernier ---\n"
        "Envoyé en préfecture le 03/05/2023\nReçu en préfecture le 04/05/2023\n"
        "ID : 030-213001100-20230502-A2023_9-AR\n"
    )
    pages = text.split("--- annexe : l'arrêté transmis l'an dernier ---\n")
    from workflow.intake.text import TextDocument

    extraction = extract(TextDocument.from_text("", pages=pages))
    assert extraction.value("id_acte") == "030-213001100-20240202-DEL2024_3-DE"
    assert extraction.value("transmission_date") == dt.date(2024, 2, 12)
    assert extraction.value("reception_date") == dt.date(2024, 2, 13)
    assert _sure(extraction, "reception_date") and _sure(extraction, "id_acte")
    assert extraction.value("printed_ar")["other_ids"] == ["030-213001100-20230502-A2023_9-AR"]


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("stamp", "sent", "received"),
    [
        ("Envoyé en préfecture le 19/06/2023\nReçu en préfecture le 20/06/2023", 19, 20),
        ("Envoi Préfecture : 19/06/2023\nRéception en Préfecture : 20/06/2023", 19, 20),
        (
            "Date de télétransmission : 19/06/2023\nDate de réception préfecture : 20/06/2023",
            19,
            20,
        ),
        ("Transmis en préfecture le 19 juin 2023\nRéception par le préfet : 20 juin 2023", 19, 20),
        (
            "Envoi Préfecture :\n19/06/2023\nDate d'émission de l'accusé de réception :\n"
            "mardi 20 juin 2023",
            19,
            20,
        ),
        ("Envoi Préfecture :\nRéception en Préfecture :\n19/06/2023\n20/06/2023", 19, 20),
    ],
)
def test_every_stamp_label_with_its_value_on_its_line_or_the_next(
    stamp: str, sent: int, received: int
) -> None:
    extraction = extract(f"{stamp}\nID : 030-213001100-20230609-PV31032023-DE\n")
    assert extraction.value("transmission_date") == dt.date(2023, 6, sent)
    assert extraction.value("reception_date") == dt.date(2023, 6, received)
    assert _sure(extraction, "reception_date") and _sure(extraction, "transmission_date")


def test_a_blank_label_never_takes_the_next_date() -> None:
    extraction = extract(
        "Envoyé en préfecture le 19/06/2023\nReçu en préfecture le 19/06/2023\n"
        "Publié le   Séance du 31 mars 2023\nID : 030-213001100-20230609-PV31032023-DE\n"
        "Affiché le\nConvoqué le 27/03/2023\n"
    )
    assert extraction.value("publication_date") is None
    assert "publication_date" not in extraction.fields


def test_a_reception_before_the_sending_is_not_believed() -> None:
    extraction = extract(
        "Envoyé en préfecture le 19/06/2023\nReçu en préfecture le 18/06/2023\n"
        "ID : 030-213001100-20230609-PV31032023-DE\n"
    )
    assert not _sure(extraction, "reception_date") and not _sure(extraction, "transmission_date")


# --------------------------------------------------------------------------- natures


def test_nature_from_the_identifier_before_the_words() -> None:
    extraction = extract(
        "Ville de Montpellier\nDélibération n° 2013/1\nObjet : Budget Primitif 2013\n"
        "ID : 034-213401722-20130204-0000061086-DE\n"
    )
    assert extraction.value("nature") == "DE" and _sure(extraction, "nature")


def test_a_budget_act_without_identifier_is_a_question() -> None:
    extraction = extract(
        "Ville de Montpellier\nDélibération n° 2013/143\nObjet : Décision Modificative n°1 2013\n"
        "Le Conseil, après en avoir délibéré, adopte à l'unanimité.\n"
    )
    assert "nature" not in extraction.fields
    assert extraction.choices("nature") == ("BF", "DE")


def test_an_arrete_is_a_question_between_ar_and_ai() -> None:
    extraction = extract(
        "Commune de Flaux\nArrêté n° 502\nportant constatation d'un bien sans maître\n"
    )
    assert "nature" not in extraction.fields
    assert extraction.choices("nature") == ("AR", "AI")


def test_a_convention_is_cc() -> None:
    extraction = extract("CONVENTION DE MISE À DISPOSITION\nEntre la commune de Flaux et …\n")
    assert extraction.value("nature") == "CC"
    assert "convention" in extraction.fields["nature"].how


# --------------------------------------------------------------------------- counts and votes


def test_counts_and_votes_split_over_lines() -> None:
    extraction = extract(
        "Commune de Flaux\nNombre de conseillers\nEn exercice :\n27\nPrésents : 22\n"
        "Pouvoirs : 4\nqui ont pris part à la\ndélibération : 26\n"
        "Le conseil municipal, après en avoir délibéré,\nPour : 12\n\nAbstentions : 12\n"
        "Contre : 2\n"
    )
    assert extraction.value("members_in_office") == 27
    assert extraction.value("voters") == 26
    assert extraction.value("vote") == {
        "result": "adopted", "unanimous": False, "for": 12, "abstentions": 12, "against": 2
    }  # fmt: skip
    assert _sure(extraction, "vote")


def test_an_ocr_count_that_breaks_attendance_is_never_confident() -> None:
    extraction = extract(
        "Commune de Flaux\nMembres en exercice : 27\nPrésents : 24\nPROCURATIONS = 103\n"
    )
    review = _reviewed(extraction)
    assert extraction.value("proxies") == 103 and not _sure(extraction, "proxies")
    assert "exceeds the 27 members" in review["proxies"]


def test_a_vote_that_does_not_add_up_is_never_confident() -> None:
    extraction = extract(
        "Votants : 20\nLe conseil municipal, après en avoir délibéré, par 15 voix pour, "
        "3 contre et 4 abstentions, décide\n"
    )
    assert not _sure(extraction, "vote") and not _sure(extraction, "voters")


def test_a_poll_in_the_body_is_not_the_councils_vote() -> None:
    extraction = extract(
        "recueillir 831 votes dont voici le détail :\n- 788 pour soit 95% ;\n"
        "- 29 contre soit 3,5% ;\nLe Conseil adopte.\n"
    )
    assert extraction.value("vote") == {"result": "adopted"}


def test_a_field_looked_for_and_not_found_says_what_was_looked_for() -> None:
    extraction = extract("Envoyé en préfecture le 19/06/2023\nUn texte.\n")
    review = _reviewed(extraction)
    assert "Reçu en préfecture le" in review["reception_date"]
    assert "ID :" in review["id_acte"]
    assert "Présents" in review["present"]


# --------------------------------------------------------------------------- the real acts


@pytest.mark.shared
def test_real_acts_are_never_read_wrong_and_sure(shared_dir: Path) -> None:
    """The bench's gate as a test: on the corpus, no wrong value is given as sure."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from extraction import judge

    folder = shared_dir / "fixtures" / "real-acts"
    cases = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    wrong = []
    for case in cases:
        verdicts = judge(
            extract(read_document_text(folder / f"{case['case']}.txt")), case["expected"]
        )
        wrong += [
            f"{case['case']} {key}" for key, (outcome, _) in verdicts.items() if outcome == "wrong"
        ]
    assert wrong == []


# --------------------------------------------------------------------------- scans


@pytest.mark.slow
@pytest.mark.shared
def test_a_scanned_real_act_is_read_through_ocr(shared_dir: Path, tmp_path: Path) -> None:
    if ocr_missing() is not None or shutil.which("pdftoppm") is None:
        pytest.skip(f"OCR not installed here ({ocr_missing()}); CI installs it")
    from PIL import Image

    source = shared_dir / "fixtures" / "real-acts" / "008.pdf"
    images = []
    for page in (1, 2):
        out = tmp_path / f"page{page}"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "200",
                "-f",
                str(page),
                "-l",
                str(page),
                "-png",
                "-singlefile",
                str(source),
                str(out),
            ],
            check=True,
        )
        images.append(Image.open(out.with_suffix(".png")).convert("RGB"))
    scan = tmp_path / "scan.pdf"
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=200)

    document = read_document_text(scan)
    assert document.source == "pdf+ocr"
    extraction = extract(document)
    assert extraction.value("numero_printed") == "2013/5"
    assert extraction.value("session_date") == dt.date(2013, 2, 4)
    assert extraction.value("vote") == {"result": "adopted"}
    assert "OCR" in extraction.fields["numero_printed"].how  # the OCR's confidence carried
    assert extraction.fields["numero_printed"].confidence < 0.85


def test_without_ocr_a_scan_is_refused_in_french(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fpdf import FPDF

    from workflow.errors import InvalidDocument
    from workflow.intake import text as text_module

    monkeypatch.setattr(text_module, "ocr_missing", lambda: "tesseract-ocr")
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 100, 100, style="F")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(bytes(pdf.output()))
    with pytest.raises(InvalidDocument, match="l'OCR n'est pas installé") as error:
        read_document_text(scan)
    assert "tesseract-ocr" in error.value.message


def test_a_budget_act_reaches_the_draft_as_a_question_with_both_choices() -> None:
    from tests.core.test_intake import _propose

    proposal = _propose(
        "Ville de Dole\nSéance du 9 mars 2015\nDélibération n° 15.09.03.36\n"
        "Objet : Budget primitif 2015\nLe Conseil Municipal, après en avoir délibéré, à l'unanimité\n",
        {"classification": "7.1"},
    )
    problem = next(p for p in proposal.problems if p.field == "nature")
    assert not proposal.ready and problem.value == ["BF", "DE"]
    assert "choisissez l'un de BF, DE" in problem.message  # French, the service's default
    given = _propose("Ville de Dole\nObjet : Budget primitif 2015\n", {"nature": "BF"})
    assert all(p.field != "nature" for p in given.problems)


def test_the_ocr_confidence_is_carried_into_each_field() -> None:
    from workflow.intake.text import TextDocument

    def document(confidence: float) -> TextDocument:
        return TextDocument.from_pages(
            [[("Délibération n° 2024-7", confidence), ("Séance du 9 mars 2024", confidence)]],
            source="ocr",
        )

    sure, unsure = extract(document(0.96)), extract(document(0.55))
    assert sure.value("numero_printed") == unsure.value("numero_printed") == "2024-7"
    assert sure.confident("numero_printed") and not unsure.confident("numero_printed")
    assert "OCR 55%" in unsure.fields["numero_printed"].how


def test_a_publication_date_in_a_sentence_is_not_the_stamps() -> None:
    extraction = extract("il a été publié le 23 janvier 2013, un appel d'offres\n")
    assert not _sure(extraction, "publication_date")


def test_a_word_tesseract_was_unsure_of_puts_its_line_under_review() -> None:
    from workflow.intake.ocr import _lines

    data = {
        "text": ["Procès", "verbai", "conseil", "Séance", "du", "9", "mars"],
        "conf": [96, 41, 95, 96, 95, 93, 96],
        "block_num": [1, 1, 1, 2, 2, 2, 2],
        "par_num": [1, 1, 1, 1, 1, 1, 1],
        "line_num": [1, 1, 1, 1, 1, 1, 1],
    }
    weak, blank, clean = _lines(data)
    assert weak.text == "Procès verbai conseil" and weak.confidence < 0.7
    assert blank.text == "" and clean.confidence > 0.9


def test_a_count_lost_on_the_first_page_is_not_taken_from_another_items_box() -> None:
    from workflow.intake.text import TextDocument

    first = "Nombre de membres\nen exercice :\nqui ont pris part à la\ndélibération :\nSéance du 31 mars 2023\n"
    later = "Nombre de membres\nen exercice : 11\nqui ont pris part à la\ndélibération : 11\n"
    extraction = extract(TextDocument.from_text("", pages=[first, later]))
    assert extraction.value("voters") == 11 and not _sure(extraction, "voters")
    assert not _sure(extraction, "members_in_office")
