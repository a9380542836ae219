"""The store: when the acts' open deadlines fall due (rows indexed on the date), so that the
alert sweep reads the acts with a deadline in its window and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import delete, select, update

from workflow.adapters.store.base import StoreBase
from workflow.adapters.store.models import ActRow, DeadlineRow
from workflow.lifecycle import ActState


class DeadlinesStore(StoreBase):
    def replace_deadlines(
        self, act_id: int, deadlines: Sequence[tuple[str, dt.date]], *, version: int
    ) -> bool:
        """Keep ``deadlines`` (kind, due) as the act's rows, computed from the facts of
        ``version``. When the facts changed meanwhile, nothing is kept (False): the act stays
        stale and the next sweep computes it again."""
        with self._session() as session:
            done = session.execute(
                update(ActRow)
                .where(ActRow.id == act_id, ActRow.facts_version == version)
                .values(deadlines_stale=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.execute(delete(DeadlineRow).where(DeadlineRow.act_id == act_id))
            session.add_all(DeadlineRow(act_id=act_id, kind=k, due=due) for k, due in deadlines)
            return True

    def acts_due_between(
        self,
        first: dt.date,
        last: dt.date,
        *,
        states: Collection[ActState],
        siren: str | None = None,
    ) -> list[int]:
        """Ids of the acts in ``states`` with a deadline row due in ``[first, last]``."""
        query = (
            select(DeadlineRow.act_id)
            .join(ActRow, ActRow.id == DeadlineRow.act_id)
            .where(
                DeadlineRow.due >= first,
                DeadlineRow.due <= last,
                ActRow.state.in_(sorted(s.value for s in states)),
            )
            .distinct()
        )
        if siren is not None:
            query = query.where(ActRow.siren == siren)
        with self._session() as session:
            return sorted(session.scalars(query))
