"""Identifiers and coded values of the ACTES protocol, as small validated frozen types.

Each type has a ``parse`` constructor that either returns a valid value or raises
:class:`~workflow.errors.InvalidIdentifier` naming the field, the rule and the value.
Facts come from ``shared/actes/PROTOCOL.md`` (§1 IDCL attributes, §2 act attributes,
§5 IDActe, §7 classification) and the glossary (SIREN Luhn key, département codes).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from workflow.errors import InvalidIdentifier
from workflow.numbering import NumeroInterne


def ascii_digits(text: str) -> bool:
    """Only 0–9: ``str.isdigit`` is also true for ``²``, ``０`` or ``٣``, which ``int`` may
    refuse or read, and which no ACTES identifier holds (issue 14 #3)."""
    return text.isascii() and text.isdigit()


# --------------------------------------------------------------------------- SIREN


def luhn_valid(digits: str) -> bool:
    """Luhn checksum over a string of digits (the SIREN key, INSEE)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# La Poste's SIREN breaks the Luhn rule; INSEE documents the exception (sum of digits % 5 == 0).
_LA_POSTE_SIREN = "356000000"


@dataclass(frozen=True, slots=True)
class Siren:
    """A SIREN: 9 digits whose Luhn key is right (INSEE)."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "siren") -> Siren:
        text = str(raw).strip().replace(" ", "")
        if not ascii_digits(text):
            raise InvalidIdentifier(
                f"SIREN must be 9 digits, got {raw!r}", field=field, rule="9 digits", value=raw
            )
        if len(text) != 9:
            raise InvalidIdentifier(
                f"SIREN must have 9 digits, {raw!r} has {len(text)}",
                field=field,
                rule="9 digits",
                value=raw,
            )
        if not luhn_valid(text) and text != _LA_POSTE_SIREN:
            raise InvalidIdentifier(
                f"SIREN {text} fails its Luhn check key (a digit is wrong or swapped)",
                field=field,
                rule="Luhn key",
                value=raw,
            )
        return cls(text)

    def __str__(self) -> str:
        return self.value


def commune_departements(siren: Siren) -> frozenset[str] | None:
    """The départements a commune's SIREN allows (``PROTOCOL.md`` §5), or ``None``.

    A commune's SIREN is ``21``, its INSEE code (Corsica's ``2A``/``2B`` written ``20``),
    then the Luhn key: ``212801344`` is a commune of 028, ``212000962`` one of 02A or 02B,
    ``219740000``-like ones of 974. Other collectivités' SIRENs carry no département.
    """
    digits = siren.value
    if not digits.startswith("21"):
        return None
    code = digits[2:4]
    if code == "00":
        return None
    if code == "20":
        return frozenset({"02A", "02B"})
    if code == "97":
        return frozenset({"97" + digits[4]})
    return frozenset({"0" + code})


# --------------------------------------------------------------------------- département

_DEPARTEMENTS_OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976"})
_DEPARTEMENT_RULE = "001–095 (not 020), 02A, 02B or 971–976"


@dataclass(frozen=True, slots=True)
class Departement:
    """A département code as ACTES writes it: three characters (``028``, ``02A``, ``974``)."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "departement") -> Departement:
        text = str(raw).strip().upper()
        if ascii_digits(text) and len(text) < 3:
            text = text.zfill(3)  # "28" is how people write 028; ACTES wants three characters
        valid = (
            text in {"02A", "02B"}
            or text in _DEPARTEMENTS_OVERSEAS
            or (len(text) == 3 and ascii_digits(text) and 1 <= int(text) <= 95 and text != "020")
        )
        if not valid:
            why = " (Corsica is 02A or 02B since 1976)" if text == "020" else ""
            raise InvalidIdentifier(
                f"département {raw!r} is not a valid code{why}",
                field=field,
                rule=_DEPARTEMENT_RULE,
                value=raw,
            )
        return cls(text)

    @property
    def is_overseas(self) -> bool:
        return self.value in _DEPARTEMENTS_OVERSEAS

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Arrondissement:
    """The arrondissement number inside the département: one digit (XSD ``[0-9]{1}``)."""

    value: int

    @classmethod
    def parse(cls, raw: str | int, *, field: str = "arrondissement") -> Arrondissement:
        text = str(raw).strip()
        if len(text) != 1 or not ascii_digits(text):
            raise InvalidIdentifier(
                f"arrondissement must be one digit, got {raw!r}",
                field=field,
                rule="one digit 0–9",
                value=raw,
            )
        return cls(int(text))

    def __str__(self) -> str:
        return str(self.value)


# Collectivité nature codes as S²LOW seeds them (PROTOCOL.md §3.1, s2low db/init_data.sql).
COLLECTIVITE_NATURES: dict[str, str] = {
    "11": "Conseil régional",
    "21": "Conseil général / départemental",
    "31": "Commune",
    "32": "Établissement public de santé",
    "33": "Autre établissement public",
    "41": "EPCI",
    "42": "EPCI",
    "43": "EPCI",
    "44": "Communauté de communes",
    "45": "Communauté urbaine",
    "46": "Communauté d'agglomération",
    "47": "Syndicat",
    "51": "Service départemental d'incendie et de secours",
    "55": "Autre",
    "61": "Association syndicale",
    "62": "Association syndicale",
    "63": "Association syndicale",
    "71": "Autre",
    "72": "Société publique locale",
    "73": "Société d'économie mixte",
    "74": "Autre",
}


@dataclass(frozen=True, slots=True)
class CollectiviteNature:
    """The two-digit collectivité nature (``IDCL/@actes:Nature``, XSD ``[0-9]{2}``)."""

    value: str

    @classmethod
    def parse(cls, raw: str | int, *, field: str = "nature_collectivite") -> CollectiviteNature:
        text = str(raw).strip()
        if len(text) != 2 or not ascii_digits(text):
            raise InvalidIdentifier(
                f"collectivité nature must be two digits (31 = commune), got {raw!r}",
                field=field,
                rule="two digits",
                value=raw,
            )
        return cls(text)

    @property
    def label(self) -> str | None:
        return COLLECTIVITE_NATURES.get(self.value)

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- act nature


class ActNature(enum.Enum):
    """Nature of an act: the two-letter ``TypeAbrege`` with its ``CodeNatureActe`` (§2.3)."""

    DE = 1
    AR = 2
    AI = 3
    CC = 4
    BF = 5
    AU = 6

    @property
    def code(self) -> int:
        return self.value

    @property
    def abbrev(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return _NATURE_LABELS[self]

    @property
    def default_typology(self) -> TypologyCode:
        """The main document's typology S²LOW uses when none is chosen (§2.3)."""
        return TypologyCode(_NATURE_DEFAULT_TYPOLOGY[self])

    @classmethod
    def parse(cls, raw: str | int, *, field: str = "nature") -> ActNature:
        text = str(raw).strip().upper()
        if text in cls.__members__:
            return cls[text]
        if len(text) == 1 and ascii_digits(text) and 1 <= int(text) <= 6:
            return cls(int(text))
        raise InvalidIdentifier(
            f"act nature must be one of DE, AR, AI, CC, BF, AU (or 1–6), got {raw!r}",
            field=field,
            rule="DE/AR/AI/CC/BF/AU ↔ 1–6",
            value=raw,
        )


_NATURE_LABELS = {
    ActNature.DE: "Délibération",
    ActNature.AR: "Acte réglementaire",
    ActNature.AI: "Acte individuel",
    ActNature.CC: "Contrat, convention et avenant",
    ActNature.BF: "Document budgétaire et financier",
    ActNature.AU: "Autre",
}
_NATURE_DEFAULT_TYPOLOGY = {
    ActNature.DE: "99_DE",
    ActNature.AR: "99_AR",
    ActNature.AI: "99_AI",
    ActNature.CC: "99_DC",
    ActNature.BF: "99_BU",
    ActNature.AU: "99_AU",
}


# --------------------------------------------------------------------------- typology

_TYPOLOGY_RE = re.compile(r"^[A-Z0-9_]{5}$")


@dataclass(frozen=True, slots=True)
class TypologyCode:
    """A document typology (``CodeTypePJ``), five characters such as ``99_DE`` or ``21_EP``."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "typologie") -> TypologyCode:
        text = str(raw).strip().upper()
        if not _TYPOLOGY_RE.match(text):
            raise InvalidIdentifier(
                f"typology code must be 5 characters from A–Z, 0–9 and _ (e.g. 99_DE), got {raw!r}",
                field=field,
                rule="^[A-Z0-9_]{5}$",
                value=raw,
            )
        return cls(text)

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class Classification:
    """A classification code (``8.1``, ``7.1.2``): 2 to 5 levels, each a positive integer."""

    levels: tuple[int, ...]

    @classmethod
    def parse(cls, raw: str, *, field: str = "classification") -> Classification:
        text = str(raw).strip()
        parts = text.split(".") if text else []
        rule = "levels 1 and 2 required, at most 5 levels, digits separated by dots"
        if len(parts) < 2:
            raise InvalidIdentifier(
                f"classification {raw!r} needs at least levels 1 and 2 (e.g. 8.1)",
                field=field,
                rule=rule,
                value=raw,
            )
        if len(parts) > 5:
            raise InvalidIdentifier(
                f"classification {raw!r} has {len(parts)} levels; ACTES allows at most 5",
                field=field,
                rule=rule,
                value=raw,
            )
        levels = []
        for position, part in enumerate(parts, start=1):
            if not ascii_digits(part) or len(part) > 3 or int(part) == 0:
                raise InvalidIdentifier(
                    f"classification {raw!r}: level {position} is {part!r}, not a positive number",
                    field=field,
                    rule=rule,
                    value=raw,
                )
            levels.append(int(part))
        return cls(tuple(levels))

    def __str__(self) -> str:
        return ".".join(str(level) for level in self.levels)


# --------------------------------------------------------------------------- IDActe


def _parse_compact_date(text: str, *, field: str, what: str) -> dt.date:
    if len(text) != 8 or not ascii_digits(text):
        raise InvalidIdentifier(
            f"{what}: date segment {text!r} must be YYYYMMDD",
            field=field,
            rule="YYYYMMDD",
            value=text,
        )
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise InvalidIdentifier(
            f"{what}: date segment {text!r} is not a calendar date",
            field=field,
            rule="YYYYMMDD",
            value=text,
        ) from exc


_ID_NUMBER_RE = re.compile(r"^[A-Za-z0-9_\-]{1,15}$")


@dataclass(frozen=True, slots=True)
class IDActe:
    """The préfecture's unique act identifier ``DDD-SIREN-YYYYMMDD-NUMBER-NN`` (§5).

    The number may itself contain hyphens (real ARs show ``DEL2022-148``), so :meth:`parse`
    reads département, SIREN and date from the left, the nature from the right, and takes
    everything in between as the number.
    """

    departement: Departement
    siren: Siren
    date: dt.date
    numero: str
    nature: ActNature

    @classmethod
    def build(
        cls,
        departement: Departement,
        siren: Siren,
        date: dt.date,
        numero: NumeroInterne | str,
        nature: ActNature,
    ) -> IDActe:
        return cls(departement, siren, date, str(numero), nature)

    @classmethod
    def parse(cls, raw: str, *, field: str = "id_acte") -> IDActe:
        text = str(raw).strip()
        shape = "DDD-SIREN-YYYYMMDD-NUMBER-NN"
        parts = text.split("-")
        if len(parts) < 5:
            raise InvalidIdentifier(
                f"IDActe {raw!r} must have the form {shape}",
                field=field,
                rule=shape,
                value=raw,
            )
        dept_raw, siren_raw, date_raw = parts[0], parts[1], parts[2]
        nature_raw, numero = parts[-1], "-".join(parts[3:-1])
        what = f"IDActe {text}"
        if len(dept_raw) != 3:
            raise InvalidIdentifier(
                f"{what}: département segment {dept_raw!r} must have 3 characters",
                field=field,
                rule=shape,
                value=raw,
            )
        departement = Departement.parse(dept_raw, field=field)
        if not ascii_digits(siren_raw) or len(siren_raw) != 9:
            raise InvalidIdentifier(
                f"{what}: the SIREN segment {siren_raw!r} has {len(siren_raw)} "
                f"{'digits' if ascii_digits(siren_raw) else 'characters'}; a SIREN has 9 digits",
                field=field,
                rule="SIREN segment of 9 digits",
                value=raw,
            )
        siren = Siren.parse(siren_raw, field=field)
        date = _parse_compact_date(date_raw, field=field, what=what)
        if not _ID_NUMBER_RE.match(numero):
            raise InvalidIdentifier(
                f"{what}: number segment {numero!r} must be 1–15 letters, digits, _ or -",
                field=field,
                rule="number of 1–15 characters",
                value=raw,
            )
        if len(nature_raw) != 2 or nature_raw not in ActNature.__members__:
            raise InvalidIdentifier(
                f"{what}: nature segment {nature_raw!r} must be DE, AR, AI, CC, BF or AU",
                field=field,
                rule="two-letter nature",
                value=raw,
            )
        return cls(departement, siren, date, numero, ActNature[nature_raw])

    def __str__(self) -> str:
        return "-".join(
            [
                self.departement.value,
                self.siren.value,
                self.date.strftime("%Y%m%d"),
                self.numero,
                self.nature.abbrev,
            ]
        )

    def as_dict(self) -> dict[str, str | int]:
        return {
            "id": str(self),
            "departement": self.departement.value,
            "siren": self.siren.value,
            "date": self.date.isoformat(),
            "numero": self.numero,
            "nature": self.nature.abbrev,
            "nature_code": self.nature.code,
        }


# --------------------------------------------------------------------------- e-mail

# The XSD's ``actes:Email`` pattern (PROTOCOL.md §3.1), anchored.
_EMAIL_RE = re.compile(
    r"^[_a-zA-Z0-9\-]+(\.[_a-zA-Z0-9\-]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,6}$"
)


@dataclass(frozen=True, slots=True)
class Email:
    """A return address as the ACTES ``Email`` type accepts it."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> Email:
        text = str(raw).strip()
        if not _EMAIL_RE.match(text):
            raise InvalidIdentifier(
                f"e-mail address {raw!r} does not match the ACTES Email pattern",
                field=field,
                rule="ACTES Email pattern (ASCII local part, domain with a 2–6 letter TLD)",
                value=raw,
            )
        return cls(text)

    def __str__(self) -> str:
        return self.value
