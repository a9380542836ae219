"""Text for people (clerks' pages, alerts, draft problems, API messages) from message catalogs.

Messages are written in the code in English (the msgid, also the English text) and translated
by the catalogs under ``locale/<lang>/LC_MESSAGES/messages.po`` (gettext's format, read with
Babel). French is the default: the service's users are French collectivités; English stays
available (``ACTES_LOCALE=en``, or ``locale=`` per call). Placeholders are ``{name}`` fields
filled after translation, so a translation may reorder them.

Dates given as parameters (``datetime.date``, not datetimes) are written as the locale writes
them inside a sentence: « 1er mars 2023 », « 17 mars 2015 », "17 March 2015".

Text the store keeps (an event's reason) is kept untranslated, as a :class:`Message` (the
English msgid and its parameters, made by :func:`N_`), and translated when it is shown: a
clerk reading French and an operator reading English each read their language.

Extraction and checks: ``tests/core/test_i18n.py`` extracts every ``_()`` message
of the package (and of the templates) with Babel and fails on one without a French
translation; ``make catalog`` updates the catalogs (``pybabel``) after a change.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.pofile import read_po

PARIS = ZoneInfo("Europe/Paris")
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
    where = locale or current_locale()
    text = catalog(where).get(message, message)
    if not params:
        return text
    return text.format(**{k: _shown(v, where) for k, v in params.items()})


gettext = _


def long_date(day: dt.date, locale: str | None = None) -> str:
    """A date inside a sentence: « 17 mars 2015 », « 1er mars 2023 »; "17 March 2015"."""
    return _long_date(dt.date(day.year, day.month, day.day), locale or current_locale())


@functools.lru_cache(maxsize=4096)
def _long_date(day: dt.date, locale: str) -> str:
    # Babel's formatting costs a tenth of a millisecond, paid at every act's move (its reason)
    text = str(format_date(day, "d MMMM y", locale=locale))
    return "1er" + text[1:] if locale == "fr" and day.day == 1 else text


def long_moment(moment: dt.datetime, locale: str | None = None) -> str:
    """An instant inside a sentence, on the legal calendar's clock (Paris): « 29 novembre 2026
    à 10 h 30 », "29 November 2026 at 10:30"."""
    where = locale or current_locale()
    local = moment.astimezone(PARIS)
    return _(
        "{day} at {hour}:{minute}",
        locale=where,
        day=long_date(local.date(), where),
        hour=f"{local.hour:02d}",
        minute=f"{local.minute:02d}",
    )


def _shown(value: Any, locale: str) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return long_date(value, locale)
    return value


#: what a kept message's parameters may be (dates are written in the reader's locale)
Param = str | int | dt.date


@dataclass(frozen=True, slots=True)
class Message:
    """A message to translate when it is shown, not when it is made: the English msgid and its
    parameters, as the store keeps them (JSON)."""

    msgid: str
    params: tuple[tuple[str, Param], ...] = ()

    def text(self, locale: str | None = None) -> str:
        return _(self.msgid, locale=locale, **dict(self.params))

    def __str__(self) -> str:
        return self.text()

    def to_json(self) -> str:
        def encoded(value: Param) -> object:
            return {"date": value.isoformat()} if isinstance(value, dt.date) else value

        return json.dumps(
            {"msgid": self.msgid, "params": {k: encoded(v) for k, v in self.params}},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | None) -> Message | None:
        """The kept message; None for nothing kept (older rows) or a value this version cannot
        read (the row's English text is shown instead)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            params: Mapping[str, Any] = data.get("params") or {}
            return cls(str(data["msgid"]), tuple((k, _decoded(v)) for k, v in params.items()))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def _decoded(value: Any) -> Param:
    if isinstance(value, dict):
        return dt.date.fromisoformat(str(value["date"]))
    return value if isinstance(value, int | str) else str(value)


def N_(message: str, /, **params: Param) -> Message:  # noqa: N802 - gettext's marker name
    """Mark ``message`` for the catalogs and keep it untranslated, with its parameters, to be
    translated when shown (``make catalog`` extracts ``N_`` as it does ``_``)."""
    return Message(message, tuple(params.items()))
