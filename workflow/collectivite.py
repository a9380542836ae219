"""Collectivités (local authorities) and the registry file that lists them.

A registry is a TOML file with one ``[[collectivite]]`` table per authority::

    [[collectivite]]
    name = "Ville de Dreux"
    siren = "212801344"
    departement = "028"
    arrondissement = 1          # optional, default 0
    nature = "31"               # collectivité nature code, default 31 (commune)
    emails = ["actes@ville-dreux.fr"]   # AdressesRetour: where the préfecture answers
    referent = { nom = "Service des assemblées", email = "assemblees@ville-dreux.fr" }
    population = 30664          # optional: decides the publicity the law expects (R5–R6)
    publicity_mode = "posting"  # optional, under 3,500 inhabitants: the council's choice
                                # (posting, paper or electronic; R6)

Every error names the file, the entry (its position and name) and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.errors import ConfigurationError, InvalidIdentifier
from workflow.identifiers import Arrondissement, CollectiviteNature, Departement, Email, Siren

_KNOWN_KEYS = frozenset(
    {
        "name",
        "siren",
        "departement",
        "arrondissement",
        "nature",
        "emails",
        "referent",
        "population",
        "publicity_mode",
    }
)
PUBLICITY_CHOICES = ("posting", "paper", "electronic")
_REFERENT_KEYS = frozenset({"nom", "telephone", "email"})


@dataclass(frozen=True, slots=True)
class ReferentContact:
    nom: str | None = None
    telephone: str | None = None
    email: Email | None = None


@dataclass(frozen=True, slots=True)
class Collectivite:
    """A local authority as the protocol identifies it (``IDCL``) plus its return addresses."""

    name: str
    siren: Siren
    departement: Departement
    arrondissement: Arrondissement
    nature: CollectiviteNature
    emails: tuple[Email, ...]
    referent: ReferentContact | None = None
    population: int | None = None
    publicity_mode: str | None = None  # the council's choice under 3,500 inhabitants (R6)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, where: str = "collectivité") -> Collectivite:
        """Build and validate from plain data (a TOML table, a JSON body, CLI options)."""
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            raise ConfigurationError(
                f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})",
                field=unknown[0],
                rule="known fields only",
            )
        try:
            name = data.get("name")
            if not isinstance(name, str) or not name.strip():
                raise InvalidIdentifier(
                    "name is required", field="name", rule="non-empty text", value=name
                )
            emails_raw = data.get("emails", [])
            if isinstance(emails_raw, str):
                emails_raw = [emails_raw]
            if not isinstance(emails_raw, list):
                raise InvalidIdentifier(
                    "emails must be a list of addresses", field="emails", rule="list"
                )
            referent_raw = data.get("referent")
            population = data.get("population")
            if population is not None and (
                isinstance(population, bool) or not isinstance(population, int) or population < 0
            ):
                raise InvalidIdentifier(
                    "population must be a whole number of inhabitants",
                    field="population",
                    rule="integer ≥ 0",
                    value=population,
                )
            mode = data.get("publicity_mode")
            if mode is not None and mode not in PUBLICITY_CHOICES:
                raise InvalidIdentifier(
                    f"publicity_mode must be one of {', '.join(PUBLICITY_CHOICES)}",
                    field="publicity_mode",
                    rule=" / ".join(PUBLICITY_CHOICES),
                    value=mode,
                )
            return cls(
                name=name.strip(),
                siren=Siren.parse(_required(data, "siren")),
                departement=Departement.parse(_required(data, "departement")),
                arrondissement=Arrondissement.parse(data.get("arrondissement", 0)),
                nature=CollectiviteNature.parse(data.get("nature", "31")),
                emails=tuple(Email.parse(e, field="emails") for e in emails_raw),
                referent=_referent(referent_raw) if referent_raw else None,
                population=population,
                publicity_mode=mode,
            )
        except InvalidIdentifier as exc:
            raise ConfigurationError(
                f"{where}: {exc.message}", field=exc.field, rule=exc.rule, value=exc.value
            ) from exc


def _required(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        raise InvalidIdentifier(f"{key} is required", field=key, rule="required")
    return str(value)


def _referent(raw: Any) -> ReferentContact:
    if not isinstance(raw, dict):
        raise InvalidIdentifier(
            "referent must be a table with nom, telephone, email", field="referent", rule="table"
        )
    unknown = sorted(set(raw) - _REFERENT_KEYS)
    if unknown:
        raise InvalidIdentifier(
            f"unknown referent field {unknown[0]!r}", field=f"referent.{unknown[0]}", rule="known"
        )
    email = raw.get("email")
    return ReferentContact(
        nom=raw.get("nom"),
        telephone=raw.get("telephone"),
        email=Email.parse(email, field="referent.email") if email else None,
    )


@dataclass(frozen=True, slots=True)
class Registry:
    """The collectivités a service instance acts for, by SIREN."""

    collectivites: tuple[Collectivite, ...]

    def get(self, siren: str) -> Collectivite | None:
        return next((c for c in self.collectivites if c.siren.value == siren), None)

    def __contains__(self, siren: object) -> bool:
        return isinstance(siren, str) and self.get(siren) is not None


def load_registry(path: Path) -> Registry:
    """Load and validate a registry TOML file (see the module docstring for its shape)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"registry file {path} does not exist", field="registry", value=str(path)
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"{path}: not valid TOML ({exc})", field="registry", rule="TOML", value=str(path)
        ) from exc
    entries = data.get("collectivite")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(
            f"{path}: no [[collectivite]] entry", field="collectivite", rule="at least one entry"
        )
    seen: dict[str, str] = {}
    items = []
    for position, entry in enumerate(entries, start=1):
        label = entry.get("name") or entry.get("siren") or "?"
        where = f"{path}: entry {position} ({label})"
        item = Collectivite.from_mapping(entry, where=where)
        if item.siren.value in seen:
            raise ConfigurationError(
                f"{where}: SIREN {item.siren} already used by {seen[item.siren.value]}",
                field="siren",
                rule="unique SIREN",
                value=item.siren.value,
            )
        seen[item.siren.value] = item.name
        items.append(item)
    return Registry(tuple(items))
