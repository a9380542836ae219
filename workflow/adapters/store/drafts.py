"""The store: drafts, the acts held back at intake until a person settles them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from workflow.adapters.store.base import StoreBase, utc
from workflow.adapters.store.integrity import storable_id
from workflow.adapters.store.models import DraftRow
from workflow.adapters.store.statements import (
    DRAFT_BY_ID,
    DRAFT_OF,
    DRAFTS_BY_KEY,
    INSERT_DRAFT,
    core,
)
from workflow.errors import AlreadyExists, Conflict, NotFound
from workflow.store import DocumentRef, DraftRecord


class DraftsStore(StoreBase):
    def create_draft(
        self,
        *,
        principal: str,
        idempotency_key: str,
        siren: str | None,
        metadata: dict[str, Any],
        documents: Sequence[DocumentRef],
        report: dict[str, Any],
        at: dt.datetime,
    ) -> tuple[DraftRecord, bool]:
        """A new open draft; the same (principal, key) returns the first one."""
        try:
            with self._session() as session:  # the key looked up and the draft added: one round
                db = core(session)
                key = {"principal": principal, "key": idempotency_key}
                existing = db.execute(DRAFT_OF, key).first()
                if existing is not None:
                    return _draft(existing), False
                values = {
                    "principal": principal,
                    "idempotency_key": idempotency_key,
                    "siren": siren,
                    "status": "open",
                    "act_id": None,
                    "metadata_json": json.dumps(metadata, ensure_ascii=False),
                    "documents_json": json.dumps(
                        [
                            {
                                "sha256": d.sha256,
                                "file_name": d.file_name,
                                "typology": d.typology,
                                "signature_sha256": d.signature_sha256,
                            }
                            for d in documents
                        ]
                    ),
                    "report_json": json.dumps(report, ensure_ascii=False, default=str),
                    "created_at": at,
                    "updated_at": at,
                }
                draft_id = db.execute(INSERT_DRAFT, values).scalar_one()
                draft = _draft(SimpleNamespace(id=draft_id, **values))
        except AlreadyExists:
            again = self.draft_by_key(principal, idempotency_key)
            if again is None:
                raise
            return again, False
        return draft, True

    def draft_by_key(self, principal: str, key: str) -> DraftRecord | None:
        with self._session() as session:
            row = core(session).execute(DRAFT_OF, {"principal": principal, "key": key}).first()
            return _draft(row) if row is not None else None

    def drafts_by_key(self, key: str) -> list[DraftRecord]:
        with self._session() as session:
            return [_draft(row) for row in core(session).execute(DRAFTS_BY_KEY, {"key": key})]

    def get_draft(self, draft_id: int) -> DraftRecord:
        with self._session() as session:
            row = (
                core(session).execute(DRAFT_BY_ID, {"draft_id": draft_id}).first()
                if storable_id(draft_id)
                else None
            )
            if row is None:
                raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
            return _draft(row)

    def list_drafts(self, *, status: str | None = "open") -> list[DraftRecord]:
        with self._session() as session:
            query = select(DraftRow).order_by(DraftRow.id)
            if status is not None:
                query = query.where(DraftRow.status == status)
            return [_draft(row) for row in session.scalars(query)]

    def update_draft(
        self,
        draft_id: int,
        *,
        at: dt.datetime,
        siren: str | None = None,
        metadata: dict[str, Any] | None = None,
        report: dict[str, Any] | None = None,
        status: str | None = None,
        act_id: int | None = None,
    ) -> DraftRecord:
        with self._session() as session:
            row = session.get(DraftRow, draft_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
            if row.status != "open":
                raise Conflict(
                    f"draft {draft_id} is {row.status}, no longer open",
                    field="draft",
                    rule="only an open draft changes",
                    value=row.status,
                )
            if siren is not None:
                row.siren = siren
            if metadata is not None:
                row.metadata_json = json.dumps(metadata, ensure_ascii=False)
            if report is not None:
                row.report_json = json.dumps(report, ensure_ascii=False, default=str)
            if status is not None:
                row.status = status
            if act_id is not None:
                row.act_id = act_id
            row.updated_at = at
            session.flush()
            return _draft(row)


def _draft(row: Any) -> DraftRecord:
    """A draft's record from its row (the ORM's, or a row of ``drafts``)."""
    return DraftRecord(
        id=row.id,
        principal=row.principal,
        idempotency_key=row.idempotency_key,
        siren=row.siren,
        status=row.status,
        act_id=row.act_id,
        metadata=json.loads(row.metadata_json),
        documents=tuple(
            DocumentRef(i, d["sha256"], d["file_name"], d["typology"], d.get("signature_sha256"))
            for i, d in enumerate(json.loads(row.documents_json))
        ),
        report=json.loads(row.report_json),
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )
