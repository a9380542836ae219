"""The metadata a caller may give with a document (JSON): every field optional, each one
given wins over what the document says. Unknown fields are refused by name.

::

    {"siren": "212801344", "numero": "DEL2022-148", "date": "2022-10-13", "nature": "DE",
     "classification": "8.1", "classification_date": "2019-03-01",
     "objet": "Espace Numérique de Travail primOT", "typologie": "99_DE",
     "annexes": [{"typologie": "22_AG"}],
     "convocation_date": "2022-10-07", "members_in_office": 39, "present": 30,
     "proxies": 7, "voters": 37, "vote": {"unanimous": true}}
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from workflow.errors import InvalidInput

#: metadata is a small flat object: refuse a bigger body before decoding it
MAX_METADATA_CHARS = 64 * 1024


def _printable(value: str) -> str:
    """No lone surrogate (it cannot be stored or encoded) and no control character (the XML
    of the 1-1 cannot hold one; a clerk cannot see one): the caller is told which, where."""
    for position, char in enumerate(value, start=1):
        category = unicodedata.category(char)
        if category in ("Cs", "Cc"):
            kind = "a lone surrogate" if category == "Cs" else "a control character"
            raise ValueError(f"{kind} (U+{ord(char):04X}) at position {position}: remove it")
    return value


Text = Annotated[str, AfterValidator(_printable)]


def _date_text(value: Any) -> Any:
    """A date is written ``YYYY-MM-DD``: a number (read as seconds since 1970) is refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")  # noqa: TRY004
    return value


Day = Annotated[dt.date, BeforeValidator(_date_text)]


class VoteMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unanimous: StrictBool = False
    for_: StrictInt | None = Field(default=None, alias="for", ge=0)
    against: StrictInt | None = Field(default=None, ge=0)
    abstentions: StrictInt | None = Field(default=None, ge=0)
    result: Text | None = Field(default=None, pattern="^(adopted|rejected)$")


class AnnexeMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    typologie: Text | None = Field(default=None, description="typology code, e.g. 22_AG")


class AlreadyTransmitted(BaseModel):
    """The act was transmitted before the service knew it: record it with the préfecture's
    accusé de réception (from the metadata, else the stamp printed on the document) so its
    deadlines are followed. Nothing is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_acte: Text | None = Field(default=None, description="the IDActe of the accusé de réception")
    reception: Day | None = Field(default=None, description="its date of reception")


class ActMetadata(BaseModel):
    """What the deliberation software knows about the act (all optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    siren: Text | None = Field(default=None, description="the collectivité's SIREN")
    numero: Text | None = Field(default=None, description="the act's number as printed")
    date: Day | None = Field(default=None, description="decision (session) date")
    nature: Text | None = Field(default=None, description="DE, AR, AI, CC, BF or AU")
    classification: Text | None = Field(default=None, description="e.g. 8.1")
    classification_date: Day | None = None
    objet: Text | None = None
    typologie: Text | None = Field(default=None, description="the main document's typology")
    annexes: list[AnnexeMetadata] = Field(default_factory=list)
    convocation_date: Day | None = None
    members_in_office: StrictInt | None = Field(default=None, ge=0)
    present: StrictInt | None = Field(default=None, ge=0)
    proxies: StrictInt | None = Field(default=None, ge=0)
    voters: StrictInt | None = Field(default=None, ge=0)
    vote: VoteMetadata | None = None
    rapporteur: Text | None = None
    already_transmitted: AlreadyTransmitted | None = None
    publication_date: Day | None = Field(
        default=None,
        description="the day the act was made public, confirmed by the caller (the document's "
        "own date is only proposed): recorded as the act's publicity",
    )

    def given(self) -> dict[str, Any]:
        """The fields the caller set, as JSON-ready data."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def parse_metadata(
    raw: bytes | str | dict[str, Any] | None, *, where: str = "metadata"
) -> ActMetadata:
    """Validate metadata; :class:`InvalidInput` names the first wrong field and why."""
    if raw is None or raw in (b"", ""):
        return ActMetadata()
    if not isinstance(raw, dict) and len(raw) > MAX_METADATA_CHARS:
        raise InvalidInput(
            f"{where} has {len(raw)} characters, more than {MAX_METADATA_CHARS}",
            field=where,
            rule=f"at most {MAX_METADATA_CHARS} characters",
        )
    try:
        data = raw if isinstance(raw, dict) else json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput(
            f"{where} is not JSON, or nests too deep ({type(exc).__name__})",
            field=where,
            rule="JSON object",
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must be a JSON object", field=where, rule="JSON object")
    try:
        return ActMetadata.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or where
        raise InvalidInput(
            f"{where}.{name}: {first['msg']}",
            field=name,
            rule=first["type"],
            value=first.get("input"),
        ) from exc
