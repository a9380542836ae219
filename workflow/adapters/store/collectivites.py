"""The store: collectivités, their classification (7-2) and the API tokens that act for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from workflow.adapters.store.base import StoreBase, facts_changed, utc
from workflow.adapters.store.models import (
    ActRow,
    ApiTokenRow,
    CollectiviteRow,
    NomenclatureRow,
)
from workflow.adapters.store.statements import (
    ALL_COLLECTIVITES,
    COLLECTIVITE,
    NOMENCLATURE_RAW,
    TOKEN_BY_HASH,
    core,
)
from workflow.collectivite import Collectivite
from workflow.errors import NotFound
from workflow.store import TokenRecord


class CollectivitesStore(StoreBase):
    def add_collectivite(self, collectivite: Collectivite) -> None:
        with self._session() as session:
            row = session.get(CollectiviteRow, collectivite.siren.value) or CollectiviteRow(
                siren=collectivite.siren.value
            )
            if row.departement not in (None, collectivite.departement.value):
                # the département decides the holidays the deadlines skip
                facts_changed(session, ActRow.siren == row.siren)
            row.name = collectivite.name
            row.departement = collectivite.departement.value
            row.arrondissement = collectivite.arrondissement.value
            row.nature = collectivite.nature.value
            row.emails = "\n".join(e.value for e in collectivite.emails)
            row.population = collectivite.population
            row.publicity_mode = collectivite.publicity_mode
            session.add(row)

    def get_collectivite(self, siren: str) -> Collectivite:
        with self._session() as session:
            row = core(session).execute(COLLECTIVITE, {"siren": siren}).first()
            if row is None:
                raise NotFound(f"no collectivité with SIREN {siren}", field="siren", value=siren)
            return _collectivite(row)

    def list_collectivites(self) -> list[Collectivite]:
        with self._session() as session:  # one query, not one per collectivité
            return [_collectivite(row) for row in core(session).execute(ALL_COLLECTIVITES)]

    def save_nomenclature(
        self, siren: str, version: dt.date, raw: bytes, *, at: dt.datetime
    ) -> None:
        with self._session() as session:
            row = session.get(NomenclatureRow, siren) or NomenclatureRow(siren=siren)
            row.version, row.raw, row.recorded_at = version, raw, at
            session.add(row)

    def nomenclature(self, siren: str) -> bytes | None:
        with self._session() as session:
            raw: bytes | None = (
                core(session).execute(NOMENCLATURE_RAW, {"siren": siren}).scalar_one_or_none()
            )
            return raw

    def add_token(self, name: str, sirens: Sequence[str], sha256: str, *, at: dt.datetime) -> int:
        with self._session() as session:
            row = ApiTokenRow(
                name=name, token_sha256=sha256, sirens="\n".join(sirens), created_at=at
            )
            session.add(row)
            session.flush()
            return row.id

    def token_by_hash(self, sha256: str) -> TokenRecord | None:
        with self._session() as session:  # every API call: in Core
            row = core(session).execute(TOKEN_BY_HASH, {"sha256": sha256}).first()
            return _token(row) if row is not None else None

    def list_tokens(self) -> list[TokenRecord]:
        with self._session() as session:
            return [
                _token(r) for r in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
            ]

    def revoke_token(self, token_id: int, *, at: dt.datetime) -> TokenRecord:
        with self._session() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                raise NotFound(f"no API token {token_id}", field="token", value=token_id)
            if row.revoked_at is None:
                row.revoked_at = at
            session.flush()
            return _token(row)


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        name=row.name,
        sirens=frozenset(s for s in row.sirens.split("\n") if s),
        created_at=utc(row.created_at),
        revoked_at=utc(row.revoked_at) if row.revoked_at else None,
    )


def _collectivite(row: Any) -> Collectivite:
    return Collectivite.from_mapping(
        {
            "name": row.name,
            "siren": row.siren,
            "departement": row.departement,
            "arrondissement": row.arrondissement,
            "nature": row.nature,
            "emails": [e for e in row.emails.split("\n") if e],
            "population": row.population,
            "publicity_mode": row.publicity_mode,
        }
    )
