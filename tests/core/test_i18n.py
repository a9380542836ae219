"""Clerk-facing text comes from the catalogs: every message the code marks has its French
translation, with the same placeholders, and French is the default."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from workflow import i18n

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
