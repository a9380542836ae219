"""Text for people (clerks' pages, alerts, draft problems, API messages) from message catalogs.

Messages are written in the code in English (the msgid, also the English text) and translated
by the catalogs under ``locale/<lang>/LC_MESSAGES/messages.po`` (gettext's format, read with
Babel). French is the default: the service's users are French collectivités; English stays
available (``ACTES_LOCALE=en``, or ``locale=`` per call). Placeholders are ``{name}`` fields
filled after translation, so a translation may reorder them.

Extraction and checks: ``tests/core/test_i18n.py`` extracts every ``_()`` message
of the package (and of the templates) with Babel and fails on one without a French
translation; ``make catalog`` updates the catalogs (``pybabel``) after a change.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "fr"
LOCALES = ("fr", "en")
CATALOGS = Path(__file__).parent / "locale"


@functools.cache
def catalog(locale: str) -> dict[str, str]:
    """msgid → translation for ``locale`` (fuzzy and empty entries left out)."""
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=locale)
    return {
        str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def current_locale() -> str:
    wanted = os.environ.get("ACTES_LOCALE", DEFAULT_LOCALE)
    return wanted if wanted in LOCALES else DEFAULT_LOCALE


def _(message: str, /, locale: str | None = None, **params: Any) -> str:
    """``message`` in ``locale`` (default: the service's), or as written when untranslated;
    then its ``{name}`` placeholders filled from ``params``:
    ``_("act {id} is waiting", id=3)``."""
    text = catalog(locale or current_locale()).get(message, message)
    return text.format(**params) if params else text


gettext = _
