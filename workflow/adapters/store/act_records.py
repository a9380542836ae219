"""Act rows made records: each with its documents and platform reference, read for a whole
batch of acts in one query (never one per act), or for one act in the very query that reads
its row (:func:`read_act`, the hot paths).

The rows are the ORM's (``ActRow``) or plain rows of the ``acts`` table (:mod:`.statements`,
the hot paths): anything whose attributes are the table's columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from workflow.adapters.store.base import utc
from workflow.adapters.store.recovery import problem_of
from workflow.adapters.store.statements import ACT_DOCUMENTS as _DOCUMENTS
from workflow.adapters.store.statements import TRANSACTIONS as _TRANSACTIONS
from workflow.adapters.store.statements import core, row_with
from workflow.lifecycle import ActState
from workflow.store import ActRecord, DocumentRef

#: acts whose documents and transaction are read in one query (IN lists stay short)
_BATCH = 500

#: the documents and the platform reference of a batch of acts (an act has at least its act)
_DOCUMENTS_OF = (
    select(
        _DOCUMENTS.c.act_id,
        _DOCUMENTS.c.position,
        _DOCUMENTS.c.sha256,
        _DOCUMENTS.c.file_name,
        _DOCUMENTS.c.typology,
        _DOCUMENTS.c.signature_sha256,
        _TRANSACTIONS.c.platform_ref,
    )
    .outerjoin(_TRANSACTIONS, _TRANSACTIONS.c.act_id == _DOCUMENTS.c.act_id)
    .where(_DOCUMENTS.c.act_id.in_(bindparam("ids", expanding=True)))
    .order_by(_DOCUMENTS.c.act_id, _DOCUMENTS.c.position)
)
_REFS_OF = select(_TRANSACTIONS.c.act_id, _TRANSACTIONS.c.platform_ref).where(
    _TRANSACTIONS.c.act_id.in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True, slots=True)
class ActRead:
    """One act as :func:`read_act` read it: its row, its documents, its platform reference."""

    row: Any
    documents: tuple[DocumentRef, ...]
    platform_ref: str | None

    def record(
        self, values: Mapping[str, Any] | None = None, *, platform_ref: str | None = None
    ) -> ActRecord:
        """The act's record; with ``values``, as an update of them left its row (and with
        ``platform_ref``, the reference the same transaction added)."""
        row = row_with(self.row, values) if values else self.row
        return record_of(row, self.documents, platform_ref or self.platform_ref)


def read_act(
    session: Session, statement: Executable, parameters: Mapping[str, Any]
) -> ActRead | None:
    """The act a statement of :mod:`.statements` made ``with_documents`` finds (a row per
    document), or None: its row, documents and reference in one query."""
    rows = core(session).execute(statement, parameters).all()
    if not rows:
        return None
    documents = tuple(
        DocumentRef(r.doc_position, r.doc_sha256, r.doc_file_name, r.doc_typology, r.doc_signature)
        for r in rows
        if r.doc_position is not None
    )
    return ActRead(rows[0], documents, rows[0].doc_platform_ref)


def records_of(session: Session, rows: Iterable[Any]) -> list[ActRecord]:
    """Records of ``rows`` (``ActRow`` objects or rows of ``acts``: what their columns are
    named), in their order: one query per batch of acts."""
    records: list[ActRecord] = []
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            records.extend(_batch_records(session, batch))
            batch = []
    records.extend(_batch_records(session, batch))
    return records


def _batch_records(session: Session, rows: list[Any]) -> list[ActRecord]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    documents: dict[int, list[DocumentRef]] = {act_id: [] for act_id in ids}
    refs: dict[int, str] = {}
    db = core(session)
    for act_id, position, sha256, name, typology, signature, ref in db.execute(
        _DOCUMENTS_OF, {"ids": ids}
    ):
        documents[act_id].append(DocumentRef(position, sha256, name, typology, signature))
        if ref is not None:
            refs[act_id] = ref
    bare = [act_id for act_id, found in documents.items() if not found]
    if bare:  # none in practice; their reference alone
        for act_id, ref in db.execute(_REFS_OF, {"ids": bare}):
            refs[act_id] = ref
    return [record_of(row, tuple(documents[row.id]), refs.get(row.id)) for row in rows]


def record_of(row: Any, documents: tuple[DocumentRef, ...], platform_ref: str | None) -> ActRecord:
    """The record of an act's row (its columns as attributes), given its documents and
    platform reference."""
    return ActRecord(
        id=row.id,
        siren=row.siren,
        numero=row.numero,
        numero_printed=row.numero_printed,
        act_date=row.act_date,
        nature=row.nature,
        classification=row.classification,
        classification_date=row.classification_date,
        objet=row.objet,
        state=ActState(row.state),
        state_since=utc(row.state_since),
        id_acte=row.id_acte,
        date_reception=row.date_reception,
        anomaly_nature=row.anomaly_nature,
        anomaly_detail=row.anomaly_detail,
        last_error=row.last_error,
        platform_ref=platform_ref,
        documents=documents,
        problem=problem_of(row),
        replaces=row.replaces_id,
        replaced_by=row.replaced_by_id,
        claimed=row.claimed_until is not None,
    )
