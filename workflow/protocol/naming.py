"""File names of ACTES archives, envelopes, messages and documents (PROTOCOL.md §3.4).

::

    archive    <TRI>-<APPLI>--<SIREN>--<YYYYMMDD>-<serial>.tar.gz   (date = generation day)
    envelope   <APPLI>--<SIREN>--<YYYYMMDD>-<serial>.xml
    message    <DEPT>-<SIREN>-<YYYYMMDD>-<NUMERO>-<NN>-<type>-<subtype>_0.xml  (date = act date)
    document   <TYPOLOGY>-<same stem>_<n>.<ext>   (n = 1 for the act, 2… for annexes)

A classification request has empty date, number and nature: ``<DEPT>-<SIREN>----7-1_0.xml``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from workflow.errors import InvalidIdentifier
from workflow.identifiers import ActNature, Departement, Siren, TypologyCode
from workflow.protocol.messages import MessageCode

# Old S²LOW code refused serials of 10000 and more (at most 9999 envelopes a day).
MAX_ENVELOPE_SERIAL = 9999

_TRIGRAMME_RE = re.compile(r"^[A-Za-z0-9]{3}$")


def compact_date(date: dt.date) -> str:
    """``YYYYMMDD``, as ``strftime("%Y%m%d")`` writes it, in a third of its time (names are
    made several times for each package)."""
    return f"{date.year}{date.month:02d}{date.day:02d}"


_APPLI_RE = re.compile(r"^[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True, slots=True)
class EnvelopeName:
    """``<APPLI>--<SIREN>--<YYYYMMDD>-<serial>``: the envelope file's stem."""

    appli: str
    siren: str
    date: dt.date
    serial: int

    @classmethod
    def build(cls, appli: str, siren: Siren, date: dt.date, serial: int) -> EnvelopeName:
        if not _APPLI_RE.match(appli):
            raise InvalidIdentifier(
                f"application name {appli!r} must be 1–10 letters or digits (e.g. EACT)",
                field="appli",
                rule="[A-Za-z0-9]{1,10}",
                value=appli,
            )
        if not 1 <= serial <= MAX_ENVELOPE_SERIAL:
            raise InvalidIdentifier(
                f"envelope serial {serial} must be between 1 and {MAX_ENVELOPE_SERIAL} "
                "(a counter per collectivité, reset every day)",
                field="serial",
                rule=f"1–{MAX_ENVELOPE_SERIAL}",
                value=serial,
            )
        return cls(appli, siren.value, date, serial)

    @property
    def stem(self) -> str:
        return f"{self.appli}--{self.siren}--{compact_date(self.date)}-{self.serial}"

    @property
    def xml_name(self) -> str:
        return f"{self.stem}.xml"

    def archive_name(self, trigramme: str) -> str:
        if not _TRIGRAMME_RE.match(trigramme):
            raise InvalidIdentifier(
                f"operator trigramme {trigramme!r} must be 3 letters or digits (e.g. SLO)",
                field="trigramme",
                rule="3 characters",
                value=trigramme,
            )
        return f"{trigramme}-{self.stem}.tar.gz"


_ENVELOPE_RE = re.compile(
    r"^(?:(?P<tri>[A-Za-z0-9]{3})-)?(?P<appli>[A-Za-z0-9]+)--(?P<siren>[0-9]{9})--"
    r"(?P<date>[0-9]{8})-(?P<serial>[0-9]+)(?P<ext>\.xml|\.tar\.gz)$"
)


@dataclass(frozen=True, slots=True)
class ParsedEnvelopeName:
    trigramme: str | None
    name: EnvelopeName
    is_archive: bool


def parse_envelope_name(file_name: str) -> ParsedEnvelopeName:
    """Read an archive or envelope file name back into its parts."""
    match = _ENVELOPE_RE.match(file_name)
    if not match:
        raise InvalidIdentifier(
            f"{file_name!r} is not an ACTES envelope or archive name "
            "(<TRI>-<APPLI>--<SIREN>--<YYYYMMDD>-<n>.tar.gz)",
            field="file_name",
            rule="<TRI>-<APPLI>--<SIREN>--<YYYYMMDD>-<n>.tar.gz",
            value=file_name,
        )
    raw_date = match["date"]
    try:
        date = dt.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
    except ValueError as exc:
        raise InvalidIdentifier(
            f"{file_name!r}: {raw_date!r} is not a date",
            field="file_name",
            rule="YYYYMMDD",
            value=file_name,
        ) from exc
    name = EnvelopeName(match["appli"], match["siren"], date, int(match["serial"]))
    return ParsedEnvelopeName(match["tri"], name, match["ext"] == ".tar.gz")


@dataclass(frozen=True, slots=True)
class MessageStem:
    """``<DEPT>-<SIREN>-<YYYYMMDD>-<NUMERO>-<NN>``, shared by a message and its documents."""

    departement: str
    siren: str
    date: dt.date | None
    numero: str
    nature: ActNature | None

    @classmethod
    def for_act(
        cls, departement: Departement, siren: Siren, date: dt.date, numero: str, nature: ActNature
    ) -> MessageStem:
        return cls(departement.value, siren.value, date, numero, nature)

    @classmethod
    def for_classification(cls, departement: Departement, siren: Siren) -> MessageStem:
        return cls(departement.value, siren.value, None, "", None)

    @property
    def text(self) -> str:
        date = compact_date(self.date) if self.date else ""
        nature = self.nature.abbrev if self.nature else ""
        return f"{self.departement}-{self.siren}-{date}-{self.numero}-{nature}"

    def message_name(self, code: MessageCode, index: int = 0) -> str:
        return f"{self.text}-{code.value}_{index}.xml"

    def document_name(
        self, code: MessageCode, index: int, extension: str, typology: TypologyCode | None
    ) -> str:
        prefix = f"{typology.value}-" if typology else ""
        return f"{prefix}{self.text}-{code.value}_{index}.{extension}"


_MESSAGE_FILE_RE = re.compile(
    r"^(?:(?P<typology>[A-Z0-9_]{5})-)?(?P<stem>.+)-(?P<type>[1-7])-(?P<sub>[1-5])"
    r"(?:_(?P<index>[0-9]+))?\.(?P<ext>[A-Za-z0-9]+)$"
)


@dataclass(frozen=True, slots=True)
class ParsedFileName:
    """What a message or document file name says (liberal: the index may be any number)."""

    typology: str | None
    stem: str
    code: MessageCode | None
    index: int | None
    extension: str


def parse_file_name(file_name: str) -> ParsedFileName | None:
    """Parse a business-message or document file name; ``None`` when it has another shape."""
    match = _MESSAGE_FILE_RE.match(file_name)
    if not match:
        return None
    try:
        code: MessageCode | None = MessageCode(f"{match['type']}-{match['sub']}")
    except ValueError:
        code = None
    index = int(match["index"]) if match["index"] is not None else None
    return ParsedFileName(match["typology"], match["stem"], code, index, match["ext"].lower())
