"""The store's part in recovery: an act's current problem, the link from a corrected act to
the one it replaces, and named leases (one poll at a time across processes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from workflow.adapters.store.base import StoreBase, utc
from workflow.adapters.store.models import ActRow, EventRow, LeaseRow, reason_columns
from workflow.errors import AlreadyExists, Conflict, NotFound
from workflow.i18n import N_
from workflow.problems import CurrentProblem, ProblemCode


class RecoveryStore(StoreBase):
    def set_problem(self, act_id: int, problem: CurrentProblem | None) -> None:
        """Record why the act is not moving (``since`` kept while the same problem lasts)."""
        with self._session() as session:
            row = session.get(ActRow, act_id)
            if row is None:
                raise NotFound(f"no act {act_id}", field="act", value=act_id)
            if problem is None:
                row.problem_code, row.problem_next_at = None, None
                return
            if row.problem_code != problem.code.value or row.problem_since is None:
                row.problem_since = problem.since
                row.problem_alerted_at = None  # a new problem: nobody was alerted about it yet
            row.problem_code = problem.code.value
            row.problem_next_at = problem.next_attempt
            row.problem_detail = problem.detail[:2000]
            row.last_error = problem.detail[:2000]

    def acquire_lease(
        self, name: str, holder: str, *, until: dt.datetime, now: dt.datetime
    ) -> bool:
        """Take the lease ``name`` until ``until`` unless another holder has it past ``now``.
        Atomic in the database, so it holds across processes and machines."""
        with self._session() as session:
            taken = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, (LeaseRow.until < now) | (LeaseRow.holder == holder))
                .values(holder=holder, until=until)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return True
        try:
            with self._session() as session:
                session.add(LeaseRow(name=name, holder=holder, until=until))
        except AlreadyExists:
            return False  # held by another, not expired
        return True

    def release_lease(self, name: str, holder: str) -> None:
        with self._session() as session:
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(until=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
            )


def link_replacement(
    session: Session, old_id: int, new_id: int, numero: str, at: dt.datetime, actor: str
) -> None:
    """Mark ``old_id`` replaced by ``new_id`` in the new act's transaction: only once."""
    old = session.get(ActRow, old_id)
    if old is None:
        raise NotFound(f"no act {old_id}", field="act", value=old_id)
    result = session.execute(
        update(ActRow)
        .where(ActRow.id == old_id, ActRow.replaced_by_id.is_(None))
        .values(replaced_by_id=new_id, problem_code=None, problem_next_at=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"act {old_id} was already replaced by act {old.replaced_by_id}",
            field="act",
            rule="an act is replaced once",
            value=old_id,
            act_id=old.replaced_by_id,
        )
    session.add(
        EventRow(
            act_id=old_id,
            at=at,
            actor=actor,
            event="replaced",
            from_state=old.state,
            to_state=old.state,
            **reason_columns(N_("replaced by act {id} ({numero})", id=new_id, numero=numero)),
        )
    )


def problem_of(row: ActRow) -> CurrentProblem | None:
    if row.problem_code is None or row.problem_since is None:
        return None
    try:
        code = ProblemCode(row.problem_code)
    except ValueError:  # a code of a newer version: shown by the detail alone
        code = ProblemCode.PACKAGING_FAILED
    return CurrentProblem(
        code,
        utc(row.problem_since),
        row.problem_detail or "",
        utc(row.problem_next_at) if row.problem_next_at else None,
        utc(row.problem_alerted_at) if row.problem_alerted_at else None,
    )
