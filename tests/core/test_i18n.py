"""Clerk-facing text comes from the catalogs: every message the code marks has its French
translation, with the same placeholders, and French is the default."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from workflow import i18n
from workflow.identifiers import ActNature, Departement
from workflow.legal.deadlines import DeadlineKind, LegalFacts, Residence, assess

PACKAGE = Path(i18n.__file__).parents[1]
KEYWORDS = {"_": None, "gettext": None, "N_": None}
METHODS = [
    ("**/locale/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]


def _marked() -> dict[str, str]:
    """Every message marked in the package's code, with the file it is in."""
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            found[message] = filename
    return found


def test_the_templates_are_extracted_too() -> None:
    assert any(f.endswith(".html") for f in _marked().values()), "no template message extracted"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_code_marks_messages_and_each_has_a_french_translation() -> None:
    marked = _marked()
    assert marked, "no message is marked for translation: the extraction found nothing"
    french = i18n.catalog("fr")
    missing = {m: f for m, f in marked.items() if m not in french}
    assert not missing, f"messages without a French translation (run make catalog): {missing}"


def test_translations_keep_the_placeholders_of_their_message() -> None:
    for message, translation in i18n.catalog("fr").items():
        assert _fields(translation) == _fields(message), message


def test_french_is_the_default_and_english_stays_available(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = " — last error: {error}"
    monkeypatch.delenv("ACTES_LOCALE", raising=False)
    assert i18n._(message, error="x") == " — dernière erreur : x"
    assert i18n._(message, locale="en", error="x") == " — last error: x"
    monkeypatch.setenv("ACTES_LOCALE", "en")
    assert i18n._(message, error="x") == " — last error: x"
    monkeypatch.setenv("ACTES_LOCALE", "xx")  # unknown: the default, never an error
    assert i18n._(message, error="x") == " — dernière erreur : x"


def test_an_unknown_message_is_shown_as_written() -> None:
    assert i18n._("not in any catalog {n}", n=1) == "not in any catalog 1"


def test_dates_in_sentences_are_written_as_the_locale_writes_them() -> None:
    assert i18n.long_date(dt.date(2015, 3, 17), "fr") == "17 mars 2015"
    assert i18n.long_date(dt.date(2023, 3, 1), "fr") == "1er mars 2023"
    assert i18n.long_date(dt.date(2015, 3, 17), "en") == "17 March 2015"
    message = "passed on {day}"
    assert i18n._(message, locale="fr", day=dt.date(2022, 12, 19)) == "échu le 19 décembre 2022"
    assert i18n._(message, locale="en", day=dt.date(2022, 12, 19)) == "passed on 19 December 2022"


def test_a_kept_message_is_translated_when_shown_and_survives_json() -> None:
    kept = i18n.N_("accusé de réception {id_acte} of {day}", id_acte="X", day=dt.date(2022, 10, 18))
    again = i18n.Message.from_json(kept.to_json())
    assert again == kept
    assert again.text("fr") == "accusé de réception X du 18 octobre 2022"
    assert again.text("en") == "accusé de réception X of 18 October 2022"
    for broken in (None, "", "not json", "[]", '{"params": {}}', '{"msgid": "a", "params": 3}'):
        assert i18n.Message.from_json(broken) is None, broken


def _every_branch() -> list[LegalFacts]:
    """Facts reaching each sentence of the legal core (LEGAL.md R9–R33)."""
    dreux, fort = Departement.parse("028"), Departement.parse("972")
    day = dt.date(2022, 10, 18)
    return [
        LegalFacts(ActNature.DE, dreux),
        LegalFacts(ActNature.DE, dreux, reception=day),
        LegalFacts(ActNature.DE, dreux, reception=day, publication=day, dpc=dt.date(2022, 11, 2)),
        LegalFacts(
            ActNature.DE,
            Departement.parse("067"),
            reception=dt.date(2022, 10, 25),
            publication=dt.date(2021, 12, 30),
            dpc=dt.date(2022, 12, 20),
            dpc_answer=dt.date(2022, 12, 30),
            observations=dt.date(2023, 1, 10),
            gracieux=dt.date(2022, 1, 5),
        ),
        LegalFacts(
            ActNature.DE, dreux, reception=day, publication=day, defere=dt.date(2022, 11, 2)
        ),
        LegalFacts(
            ActNature.DE, fort, reception=day, publication=day, residence=Residence.OUTRE_MER
        ),
        LegalFacts(ActNature.DE, dreux, reception=day, publication=day, residence=Residence.ABROAD),
        LegalFacts(ActNature.AR, dreux, publication=day, must_transmit=False),
        LegalFacts(ActNature.CC, dreux, signed=day, reception=dt.date(2022, 10, 20)),
        LegalFacts(ActNature.BF, dreux, signed=dt.date(2026, 4, 10), renewal_year=True),
        LegalFacts(
            ActNature.AI,
            dreux,
            signed=dt.date(2024, 3, 1),
            reception=dt.date(2024, 3, 4),
            notification=dt.date(2024, 3, 9),
            notification_mentions_routes=False,
        ),
        LegalFacts(
            ActNature.AI,
            dreux,
            notification=dt.date(2024, 3, 5),
            notification_mentions_routes=False,
            gracieux=dt.date(2024, 9, 2),
        ),
        LegalFacts(
            ActNature.AI,
            dreux,
            reception=dt.date(2025, 12, 1),
            publication=dt.date(2025, 12, 1),
            urbanism_decision=True,
        ),
    ]


def _texts(facts: LegalFacts, locale: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("ACTES_LOCALE", locale)
    result = assess(facts, today=dt.date(2026, 11, 29))
    texts = [result.executory.explanation]
    for d in result.deadlines:
        texts += [d.explanation, d.note or "", d.status_text, d.because or ""]
    return texts


def test_the_legal_core_speaks_french_and_english(monkeypatch: pytest.MonkeyPatch) -> None:
    english_only = re.compile(r"\b(the|is|until|of the|which|by the|from)\b")
    for facts in _every_branch():
        french = _texts(facts, "fr", monkeypatch)
        english = _texts(facts, "en", monkeypatch)
        for fr_text, en_text in zip(french, english, strict=True):
            assert not english_only.search(fr_text), fr_text  # every sentence translated
            assert not re.search(r"\d\d/\d\d/\d{4}", fr_text + en_text)  # dates in words
            assert fr_text == en_text == "" or fr_text != en_text, en_text
            for code in (c.value for c in DeadlineKind if "_" in c.value):  # not a word
                assert code not in fr_text + en_text  # no stable code in clerk text
