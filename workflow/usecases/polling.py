"""Following acts at the platform: one batched poll records accusés de réception, anomalies,
transmissions, the préfecture's later messages and acknowledged cancellations."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from workflow.errors import Conflict, InvalidInput
from workflow.lifecycle import AT_PLATFORM, ActState
from workflow.platform import ListedTransaction, PlatformStatus
from workflow.problems import CurrentProblem, ProblemCode
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.store import ActRecord, ExchangeRecord
from workflow.usecases.context import Context
from workflow.usecases.exchanges import cancellation_request

POLL_LEASE = "poll"
#: an act still not transmitted after this is looked for among the platform's waiting statuses
PARKED_AFTER = dt.timedelta(minutes=10)
#: a poll killed mid-way frees the lease after this; a running poll renews it at each act
POLL_LEASE_DURATION = dt.timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PollReport:
    requests: int = 0
    acknowledged: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    transmitted: tuple[int, ...] = ()
    prefecture_messages: tuple[int, ...] = ()
    cancelled: tuple[int, ...] = ()
    #: another poll (another worker, the beat, a person) held the lease: this one did nothing
    skipped: bool = False


@dataclass
class _Lease:
    """This poll's hold on the store's poll lease (one per call: a Services is shared by
    threads)."""

    ctx: Context
    holder: str

    def renew(self) -> bool:
        """Take or extend the lease (short: a worker killed mid-poll frees it soon)."""
        now = self.ctx.clock()
        until = now + POLL_LEASE_DURATION
        return self.ctx.store.acquire_lease(POLL_LEASE, self.holder, until=until, now=now)


@dataclass
class Polling:
    ctx: Context

    def poll(self) -> PollReport:
        """One poll at a time across processes (a lease in the store): two overlapping polls
        would both see an act move and the second would try the same move again."""
        self.ctx.require_platform()  # no platform configured: say so before any work
        lease = _Lease(self.ctx, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}")
        if not lease.renew():
            return PollReport(skipped=True)
        try:
            return self._poll(lease)
        finally:
            self.ctx.store.release_lease(POLL_LEASE, lease.holder)

    def _poll(self, lease: _Lease) -> PollReport:
        """One batched poll: requests grow with what changed, not with what is pending.

        Lists the platform's transactions in statuses 3, 4 and −1 (paged), matches them to
        our acts, and asks for the details (the ARActe, the anomaly) only of acts whose
        state changes.
        """
        changed, waiting = self._changed()
        self._parked(waiting)
        acknowledged = [
            _renewed(lease, self._acknowledge, a) for a in changed[PlatformStatus.ACQUITTEMENT_RECU]
        ]
        rejected = [_renewed(lease, self._reject, a) for a in changed[PlatformStatus.ERREUR]]
        transmitted = self._transmitted(changed[PlatformStatus.TRANSMIS], lease)
        messages = self._prefecture_messages()
        cancelled = self._cancellations()
        self.ctx.flush_attempts(None)
        return PollReport(
            acknowledged=tuple(a for a in acknowledged if a),
            rejected=tuple(r for r in rejected if r),
            transmitted=tuple(transmitted),
            prefecture_messages=tuple(messages),
            cancelled=tuple(cancelled),
        )

    def _changed(self) -> tuple[dict[PlatformStatus, list[ActRecord]], list[ActRecord]]:
        """Our acts at the platform, by the status the platform now lists them in; and those
        still waiting in none of these statuses."""
        pending = {
            a.platform_ref: a
            for a in self.ctx.store.list_acts(states=sorted(AT_PLATFORM))
            if a.platform_ref
        }
        changed: dict[PlatformStatus, list[ActRecord]] = {}
        for status in (
            PlatformStatus.ACQUITTEMENT_RECU,
            PlatformStatus.ERREUR,
            PlatformStatus.TRANSMIS,
        ):
            if not pending:  # nothing waiting at the platform: no listing request at all
                changed[status] = []
                continue
            listed = self._listed(status)
            changed[status] = [pending.pop(t.id) for t in listed if t.id in pending]
        return changed, list(pending.values())

    def _parked(self, waiting: list[ActRecord]) -> list[int]:
        """Acts submitted long ago that the platform holds in 17 (waiting to be posted) or 18
        (waiting to be signed): they never move by themselves (PROTOCOL.md §6.6), so each
        records the action a person must take. Asked only when such an act exists."""
        ctx = self.ctx
        now = ctx.clock()
        old = {
            a.platform_ref: a
            for a in waiting
            if a.state is ActState.SUBMITTED and now - a.state_since >= PARKED_AFTER
        }
        parked = []
        for status in (
            PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE,
            PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE,
        ):
            if not old:
                break
            for transaction in self._listed(status):
                act = old.pop(transaction.id, None)
                if act is None:
                    continue
                detail = f"status {status.value} ({status.name.lower().replace('_', ' ')})"
                code = ProblemCode.PARKED_ON_PLATFORM
                ctx.store.set_problem(act.id, CurrentProblem(code, now, detail))
                parked.append(act.id)
        return parked

    def _transmitted(self, acts: list[ActRecord], lease: _Lease) -> list[int]:
        ctx = self.ctx
        transmitted = []
        now = ctx.clock()
        for act in acts:
            if act.state is not ActState.SUBMITTED:
                continue
            lease.renew()
            try:
                ctx.store.transition(
                    act.id,
                    ActState.TRANSMITTED,
                    actor="platform",
                    reason="status 3 Transmis",
                    at=now,
                )
            except Conflict:
                continue  # moved meanwhile (acknowledged already): nothing left to record
            transmitted.append(act.id)
        return transmitted

    def _prefecture_messages(self) -> list[int]:
        """Fetch unread préfecture messages (2-1, 3-1, 4-1, 5-1), record them, mark them read."""
        ctx = self.ctx
        platform = ctx.require_platform()
        by_ref = ctx.store.acts_by_platform_ref()
        received = []
        for document in platform.list_prefecture_documents():
            act_id = by_ref.get(document.related_transaction_id)
            if act_id is None:
                continue  # not one of ours (another tool on the same account): leave it unread
            archive = platform.download_message_archive(document.id)
            now = ctx.clock()
            with ReceivedArchive.open(archive, name=f"prefecture-{document.id}.tar.gz") as package:
                for name in package.names():
                    if not name.endswith(".xml") or name.startswith(("TACT", "EACT")):
                        continue
                    raw = package.read(name)
                    message = xml_in.parse_message(raw, source=name)
                    ctx.store.record_message(act_id, "in", message.code.value, raw, at=now)
                    day, detail = exchange_facts(message)
                    if day is not None:
                        exchange = ExchangeRecord(
                            message.code.value, day, document.id, None, detail
                        )
                        ctx.store.record_exchange(act_id, exchange)
            platform.mark_document_read(document.id)
            received.append(act_id)
        return received

    def _acknowledge(self, act: ActRecord) -> int | None:
        ctx = self.ctx
        report = ctx.require_platform().get_status(act.platform_ref or "")
        if report.message_xml is None:
            return None
        message = xml_in.parse_message(report.message_xml, source="ARActe")
        if not isinstance(message, m.ARActe):
            return None
        now = ctx.clock()
        ctx.store.record_message(act.id, "in", "1-2", report.message_xml, at=now)
        ctx.store.transition(
            act.id,
            ActState.ACKNOWLEDGED,
            actor="prefecture",
            at=now,
            reason=f"accusé de réception {message.id_acte} du {message.date_reception}",
            id_acte=message.id_acte,
            date_reception=message.date_reception,
        )
        return act.id

    def _reject(self, act: ActRecord) -> int:
        ctx = self.ctx
        report = ctx.require_platform().get_status(act.platform_ref or "")
        nature, detail = None, report.error_text
        now = ctx.clock()
        if report.message_xml:
            ctx.store.record_message(act.id, "in", "1-3", report.message_xml, at=now)
        if report.error_text and "<" in report.error_text:
            text, _, xml = report.error_text.partition("<")
            try:
                anomaly = xml_in.parse_message(
                    ("<" + xml).encode("iso-8859-1"), source="AnomalieActe"
                )
            except InvalidInput:
                anomaly = None
            if isinstance(anomaly, m.AnomalieActe):
                ctx.store.record_message(
                    act.id, "in", "1-3", ("<" + xml).encode("iso-8859-1"), at=now
                )
                nature, detail = anomaly.nature, anomaly.detail
            else:
                detail = text.strip()
        code = ProblemCode.PREFECTURE_ANOMALY if nature else ProblemCode.PLATFORM_REFUSED
        ctx.store.set_problem(act.id, CurrentProblem(code, now, detail or "anomaly"))
        ctx.store.transition(
            act.id,
            ActState.REJECTED,
            actor="prefecture",
            at=now,
            reason=detail or "anomaly",
            anomaly_nature=nature,
            anomaly_detail=detail,
        )
        return act.id

    def _listed(self, status: PlatformStatus) -> Iterable[ListedTransaction]:
        """Every transaction in ``status``: all pages when the platform pages its listing."""
        platform = self.ctx.require_platform()
        list_all = getattr(platform, "iter_transactions", None)
        listed: Iterable[ListedTransaction] = (
            list_all(status) if list_all else platform.list_transactions(status)
        )
        return listed

    def _cancellations(self) -> list[int]:
        """Acts whose cancellation the préfecture acknowledged (the act's status 0)."""
        ctx = self.ctx
        platform = ctx.require_platform()
        waiting = {
            a.platform_ref: a
            for a in ctx.store.list_acts(states=[ActState.CANCELLATION_REQUESTED])
            if a.platform_ref
        }
        if not waiting:
            return []
        done = []
        for transaction in self._listed(PlatformStatus.ANNULE):
            act = waiting.get(transaction.id)
            if act is None:
                continue
            asked = cancellation_request(ctx, act.id)
            if asked is not None:
                report = platform.get_status(asked.platform_ref)
                if report.message_xml:
                    ctx.store.record_message(
                        act.id, "in", "6-2", report.message_xml, at=ctx.clock()
                    )
            ctx.store.transition(
                act.id,
                ActState.CANCELLED,
                actor="platform",
                reason="ARAnnulation (6-2)",
                at=ctx.clock(),
            )
            done.append(act.id)
        return done


def _renewed(lease: _Lease, step: Callable[[ActRecord], int | None], act: ActRecord) -> int | None:
    """One act's step under a renewed lease; an act another actor moved meanwhile is left as
    it is (its move is recorded once, by whoever made it)."""
    lease.renew()
    try:
        return step(act)
    except Conflict:
        return None


def exchange_facts(message: m.Message) -> tuple[dt.date | None, str]:
    """The day a préfecture message was written and what it says, for its exchange record."""
    if isinstance(message, m.DefereTA):
        return message.date_depot, message.nature_illegalite
    if isinstance(message, m.DemandePieceComplementaire):
        return message.date_courrier_pref, message.description_pieces
    if isinstance(message, m.LettreObservations):
        return message.date_courrier_pref, message.motif
    if isinstance(message, m.CourrierSimple):
        return message.date_courrier_pref, ""
    return None, ""
