"""Act rows made records: each with its documents and platform reference, read for a whole
batch of acts in one query (never one per act)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.adapters.store.base import utc
from workflow.adapters.store.models import ActDocumentRow, ActRow, TransactionRow
from workflow.adapters.store.recovery import problem_of
from workflow.lifecycle import ActState
from workflow.store import ActRecord, DocumentRef

#: acts whose documents and transaction are read in one query (IN lists stay short)
_BATCH = 500


def records_of(session: Session, rows: Iterable[ActRow]) -> list[ActRecord]:
    """Records of ``rows``, in their order: one query per batch of acts."""
    records: list[ActRecord] = []
    batch: list[ActRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            records.extend(_batch_records(session, batch))
            batch = []
    records.extend(_batch_records(session, batch))
    return records


def _batch_records(session: Session, rows: list[ActRow]) -> list[ActRecord]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    documents: dict[int, list[DocumentRef]] = {act_id: [] for act_id in ids}
    refs: dict[int, str] = {}
    # the documents and the platform reference in one query (an act has at least its act)
    for d, ref in session.execute(
        select(ActDocumentRow, TransactionRow.platform_ref)
        .outerjoin(TransactionRow, TransactionRow.act_id == ActDocumentRow.act_id)
        .where(ActDocumentRow.act_id.in_(ids))
        .order_by(ActDocumentRow.act_id, ActDocumentRow.position)
    ):
        documents[d.act_id].append(
            DocumentRef(d.position, d.sha256, d.file_name, d.typology, d.signature_sha256)
        )
        if ref is not None:
            refs[d.act_id] = ref
    bare = [act_id for act_id, found in documents.items() if not found]
    if bare:  # none in practice; their reference alone
        for act_id, ref in session.execute(
            select(TransactionRow.act_id, TransactionRow.platform_ref).where(
                TransactionRow.act_id.in_(bare)
            )
        ):
            refs[act_id] = ref
    return [
        ActRecord(
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
            platform_ref=refs.get(row.id),
            documents=tuple(documents[row.id]),
            problem=problem_of(row),
            replaces=row.replaces_id,
            replaced_by=row.replaced_by_id,
            claimed=row.claimed_until is not None,
        )
        for row in rows
    ]
