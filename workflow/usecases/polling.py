"""Following acts at the platform: one batched poll records accusés de réception, anomalies,
transmissions, the préfecture's later messages and acknowledged cancellations.

The poll's cost follows what is pending and what changed, not the platform's history
(PROTOCOL.md §6.6; S²LOW's listing rules in :mod:`workflow.usecases.listing`). Each account
(each collectivité's: an account sees only its own transactions) is polled in turn with its
own cursor. The statuses where an act waits (3, 17, 18) are listed first, whole: an act found
waiting is not looked for further. The statuses it arrives in (−1, 4) are listed from the last
successful poll's day less a margin (``min_date``). Every listing is read newest first and
stops once the acts it may hold are found, a page comes back short, or the pages reach ids
below every act still looked for (rows come by decreasing id). The arrival listings also stop
once they have read as many pages as acts are left to find: those acts are asked for one by
one (``get_status``), which then costs less. Acts parked in 17/18 are marked for a person; an
act the listings no longer show after weeks (it left status 4 for archiving) is asked for by
itself, its AR read with ``get_ARActe``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workflow.errors import (
    ActesError,
    Conflict,
    InvalidInput,
    Rejected,
)
from workflow.i18n import N_
from workflow.lifecycle import AT_PLATFORM, ActState
from workflow.platform import (
    AFTER_ACKNOWLEDGEMENT,
    WAITING_ON_PLATFORM,
    ListingWindow,
    PlatformStatus,
    StatusReport,
    TransmissionPlatform,
)
from workflow.problems import CurrentProblem, ProblemCode
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.store import ActRecord, ExchangeRecord
from workflow.usecases.context import GLOBAL_CURSOR, PARIS, AccountScope, Context
from workflow.usecases.exchanges import cancellation_request
from workflow.usecases.inbound import exchange_facts, quarantine, read_ar, record_ars
from workflow.usecases.listing import walk

POLL_LEASE = "poll"
#: a poll killed mid-way frees the lease after this; a running poll renews it at each act
POLL_LEASE_DURATION = dt.timedelta(seconds=30)
#: the global account's poll cursor in the store (each bound account has ``platform:SIREN``),
#: and the margin taken before it (clocks, time zones)
CURSOR = GLOBAL_CURSOR
MARGIN = dt.timedelta(days=1)
#: an act pending this long may have left status 4 for archiving (S²LOW: ~62 days after 4)
ASK_ALONE_AFTER = dt.timedelta(days=30)
#: where an act waits at the platform, listed first and whole (it may wait there for days):
#: an act found there is looked for no further
WAITING = (
    PlatformStatus.TRANSMIS,
    PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE,
    PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE,
)
#: where an act arrives, listed from the last successful poll less the margin
ARRIVING = (PlatformStatus.ERREUR, PlatformStatus.ACQUITTEMENT_RECU)
#: the statuses a poll lists, in this order
LISTED = WAITING + ARRIVING
#: an act whose status a poll learned, with the ``get_status`` report when it was asked alone
Seen = tuple[ActRecord, StatusReport | None]
PARKED = {
    PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE: (
        "status 17 « En attente d'être postée » on the platform: it will not be transmitted "
        "until a person with the TT right confirms it (actes platform confirm {act})"
    ),
    PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE: (
        "status 18 « En attente d'être signé » on the platform: it waits for a signature "
        "there before it can be transmitted"
    ),
}


@dataclass(frozen=True, slots=True)
class PollReport:
    requests: int = 0
    acknowledged: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    transmitted: tuple[int, ...] = ()
    prefecture_messages: tuple[int, ...] = ()
    cancelled: tuple[int, ...] = ()
    parked: tuple[int, ...] = ()
    #: another poll (another worker, the beat, a person) held the lease: this one did nothing
    skipped: bool = False


@dataclass
class _Lease:
    """This poll's hold on the store's poll lease (one per call: a Services is shared by
    threads)."""

    ctx: Context
    holder: str
    #: when this poll last took or extended the lease
    renewed: dt.datetime | None = None

    def renew(self) -> bool:
        """Take or extend the lease (short: a worker killed mid-poll frees it soon). Extended
        at most every third of its duration: two thirds of it are always left, and a poll of
        many acts does not spend a transaction per act on it."""
        now = self.ctx.clock()
        if self.renewed is not None and now - self.renewed < POLL_LEASE_DURATION / 3:
            return True
        until = now + POLL_LEASE_DURATION
        taken = self.ctx.store.acquire_lease(POLL_LEASE, self.holder, until=until, now=now)
        self.renewed = now if taken else None
        return taken


@dataclass
class Polling:
    ctx: Context
    #: the account this poll lists, and whose acts it follows (None: the global account)
    scope: AccountScope | None = None
    #: the acts awaiting their cancellation's acknowledgement, read with the poll's acts
    _cancelling: list[ActRecord] | None = field(default=None, init=False, repr=False)

    def poll(self, answered: Callable[[], None] | None = None) -> PollReport:
        """One poll at a time across processes (a lease in the store): two overlapping polls
        would both see an act move and the second would try the same move again. Each
        account is polled in turn; one failing does not stop the others (its cursor stays).
        ``answered`` runs when every account's poll got through, with the lease's release."""
        scopes = self.ctx.account_scopes()  # no platform configured: say so before any work
        lease = _Lease(self.ctx, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}")
        if not lease.renew():
            return PollReport(skipped=True)
        reports, failure, through = [], None, False
        try:
            for scope in scopes:
                try:
                    reports.append(Polling(self.ctx, scope)._poll(lease))
                except ActesError as error:
                    self.ctx.flush_attempts(None)
                    failure = failure or error
            through = failure is None
        finally:
            with self.ctx.store.together():  # the lease freed and ``answered``: one round
                self.ctx.store.release_lease(POLL_LEASE, lease.holder)
                if through and answered is not None:
                    answered()  # what follows a poll that got through (the operators' alert)
        if failure is not None:
            raise failure  # the task's retry and the operators' alert see it
        return _merged(reports)

    def _platform(self) -> TransmissionPlatform:
        return self.scope.platform if self.scope else self.ctx.require_platform()

    def _ours(self, act: ActRecord) -> bool:
        """An act this account carries (another account's transactions are not listed)."""
        return self.scope is None or self.scope.covers(act.siren)

    @property
    def _siren(self) -> str | None:
        """The one collectivité this account serves (the store is asked for its acts only)."""
        sirens = self.scope.sirens if self.scope else None
        return next(iter(sirens)) if sirens is not None and len(sirens) == 1 else None

    @property
    def _cursor(self) -> str:
        return self.scope.cursor if self.scope else CURSOR

    def _poll(self, lease: _Lease) -> PollReport:
        """One batched poll: requests grow with what is pending (a page per hundred acts
        waiting) and what changed, not with the platform's history.

        Lists the statuses where acts wait (3, 17, 18), then those they arrive in (−1, 4),
        matches them to our acts, and asks for the details (the ARActe, the anomaly) only of
        acts whose state changes.
        """
        ctx = self.ctx
        self._platform()  # no platform configured: say so before any work
        started = ctx.clock()
        changed, left, cut = self._changed()
        old = ctx.clock() - ASK_ALONE_AFTER
        # a listing cut short proves nothing of the acts it did not reach; a complete one
        # proves an act is in none of the listed statuses (1, 2, or gone on from 4 if old)
        self._ask_alone([a for a in left if cut or a.state_since <= old], changed, lease)
        acknowledged = self._acknowledge_all(changed[PlatformStatus.ACQUITTEMENT_RECU], lease)
        rejected = [_renewed(lease, self._reject, a, r) for a, r in changed[PlatformStatus.ERREUR]]
        transmitted = self._transmitted([a for a, _ in changed[PlatformStatus.TRANSMIS]], lease)
        parked = self._parked(changed)
        messages = self._prefecture_messages()
        cancelled = self._cancellations()
        with ctx.store.together():  # reached only when every step succeeded: one transaction
            ctx.store.set_poll_cursor(self._cursor, started)
            ctx.flush_attempts(None)
        return PollReport(
            acknowledged=tuple(a for a in acknowledged if a),
            rejected=tuple(r for r in rejected if r),
            transmitted=tuple(transmitted),
            prefecture_messages=tuple(messages),
            cancelled=tuple(cancelled),
            parked=tuple(parked),
        )

    def window(self, pending: Iterable[ActRecord]) -> ListingWindow:
        """From the last successful poll (or the oldest pending act) less the margin, as a
        Paris day: the day a transaction entered its status (S²LOW compares the moment it
        entered the status with the day's midnight)."""
        since = self.ctx.store.poll_cursor(self._cursor)
        if since is None:
            since = min((a.state_since for a in pending), default=None)
        if since is None:
            return ListingWindow()
        return ListingWindow(min_date=(since - MARGIN).astimezone(PARIS).date())

    def _changed(self) -> tuple[dict[PlatformStatus, list[Seen]], list[ActRecord], bool]:
        """Our acts at the platform, by the status the platform now lists them in; the
        pending acts no listing showed; and whether an arrival listing was cut short (then
        those acts may be in it, unseen)."""
        followed = sorted(AT_PLATFORM | {ActState.CANCELLATION_REQUESTED})
        with self.ctx.store.reading():  # the acts followed and the cursor: one transaction
            acts = [
                a
                for a in self.ctx.store.list_acts(siren=self._siren, states=followed)
                if a.platform_ref and self._ours(a)
            ]
            pending = {a.platform_ref or "": a for a in acts if a.state in AT_PLATFORM}
            since = self.window(pending.values())
        # the acts whose cancellation is asked, for this poll's last step
        self._cancelling = [a for a in acts if a.state is ActState.CANCELLATION_REQUESTED]
        changed: dict[PlatformStatus, list[Seen]] = {status: [] for status in LISTED}
        cut = False
        for status in LISTED:
            # a transaction is in 17/18 only from its creation until it is confirmed or
            # signed (PROTOCOL.md §6.6): an act seen transmitted is never there again
            wanted = {
                ref
                for ref, act in pending.items()
                if status not in WAITING_ON_PLATFORM or act.state is ActState.SUBMITTED
            }
            if not wanted:  # nothing to look for there: no listing request at all
                continue
            arriving = status in ARRIVING
            seen = walk(
                self._platform(),
                status,
                since if arriving else ListingWindow(),
                wanted,
                budget=len(wanted) if arriving else None,
            )
            cut = cut or not seen.complete
            changed[status] += [(pending.pop(listed.id), None) for listed in seen.found]
        return changed, list(pending.values()), cut

    def _parked(self, changed: dict[PlatformStatus, list[Seen]]) -> list[int]:
        """Acts the platform holds in 17/18: they never move by themselves, so each records the
        action a person must take (``status``, the API and the alerts show it)."""
        parked = []
        now = self.ctx.clock()
        for status in WAITING_ON_PLATFORM:
            for act, _report in changed.get(status, []):
                message = PARKED[status].format(act=act.id)
                if act.last_error != message:
                    problem = CurrentProblem(ProblemCode.PARKED_ON_PLATFORM, now, message)
                    self.ctx.store.set_problem(act.id, problem)
                parked.append(act.id)
        return parked

    def _ask_alone(
        self, acts: list[ActRecord], changed: dict[PlatformStatus, list[Seen]], lease: _Lease
    ) -> None:
        """One ``get_status`` per act the listings did not place: an act past a listing cut
        short, or sent long ago (it may have left status 4 for archiving: its AR is then read
        with ``get_ARActe``, and recorded as the acknowledgement it was)."""
        platform = self._platform()
        for act in acts:
            lease.renew()
            ref = act.platform_ref or ""
            report = platform.get_status(ref)
            if report.status in AFTER_ACKNOWLEDGEMENT:
                ar = platform.get_ar_acte(ref)
                report = StatusReport(ref, PlatformStatus.ACQUITTEMENT_RECU, message_xml=ar)
            if report.status in changed:
                changed[report.status].append((act, report))

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
                    reason=N_(
                        "the platform passed the act to the préfecture (status 3 « Transmis »)"
                    ),
                    at=now,
                )
            except Conflict:
                continue  # moved meanwhile (acknowledged already): nothing left to record
            transmitted.append(act.id)
        return transmitted

    def _prefecture_messages(self) -> list[int]:
        """Fetch unread préfecture messages (2-1, 3-1, 4-1, 5-1), record them, mark them read.

        A message that cannot be read (a truncated archive, a malformed XML) is quarantined:
        its bytes are kept in an incident, it is marked read, and the others are taken."""
        ctx = self.ctx
        platform = self._platform()
        documents = platform.list_prefecture_documents()
        # only the listed documents' acts: a poll's cost does not grow with the history
        by_ref = ctx.store.acts_by_platform_ref({d.related_transaction_id for d in documents})
        received = []
        for document in documents:
            act_id = by_ref.get(document.related_transaction_id)
            if act_id is None or not self._ours(ctx.store.get_act(act_id)):
                continue  # not one of ours (another tool on the same account): leave it unread
            archive = b""
            try:
                archive = platform.download_message_archive(document.id)
                self._take_message(act_id, document.id, archive)
            except (InvalidInput, Rejected) as error:
                quarantine(ctx, act_id, f"message {document.id}", error, archive)
            else:
                received.append(act_id)
            platform.mark_document_read(document.id)
        return received

    def _take_message(self, act_id: int, document_id: str, archive: bytes) -> None:
        """Parse every message of the archive first, then record them: all or nothing."""
        ctx = self.ctx
        parsed = []
        with ReceivedArchive.open(archive, name=f"prefecture-{document_id}.tar.gz") as package:
            for name in package.names():
                if not name.endswith(".xml") or name.startswith(("TACT", "EACT")):
                    continue
                raw = package.read(name)
                parsed.append((raw, xml_in.parse_message(raw, source=name)))
        now = ctx.clock()
        for raw, message in parsed:
            ctx.store.record_message(act_id, "in", message.code.value, raw, at=now)
            day, detail = exchange_facts(message)
            if day is not None:
                exchange = ExchangeRecord(message.code.value, day, document_id, None, detail)
                ctx.store.record_exchange(act_id, exchange)

    def _acknowledge_all(self, seen: list[Seen], lease: _Lease) -> list[int | None]:
        """Record the ARActes of this poll: each read first (asked for when the listing
        brought no report), then recorded together (:func:`record_ars`)."""
        ready = []
        for act, report in seen:
            lease.renew()
            ar = self._read_ar(act, report)
            if ar is not None:
                ready.append((act, *ar))
        return record_ars(self.ctx, ready, lease.renew)

    def _read_ar(
        self, act: ActRecord, report: StatusReport | None
    ) -> tuple[m.ARActe, bytes] | None:
        """The act's ARActe (asked for when the report is not given), or None."""
        if report is None:
            report = self._platform().get_status(act.platform_ref or "")
        return read_ar(self.ctx, act, report)

    def _reject(self, act: ActRecord, report: StatusReport | None = None) -> int:
        """Status −1: the AnomalieActe (from the ministry) comes first in the body, then the
        platform's message; a refusal by the platform's own checks has the message only."""
        ctx = self.ctx
        if report is None:
            report = self._platform().get_status(act.platform_ref or "")
        nature, detail = None, report.error_text
        now = ctx.clock()
        if report.message_xml:
            try:
                anomaly = xml_in.parse_message(report.message_xml, source="AnomalieActe")
            except InvalidInput:
                anomaly = None
            ctx.store.record_message(act.id, "in", "1-3", report.message_xml, at=now)
            if isinstance(anomaly, m.AnomalieActe):
                nature, detail = anomaly.nature, anomaly.detail or detail
        code = ProblemCode.PREFECTURE_ANOMALY if nature else ProblemCode.PLATFORM_REFUSED
        ctx.store.set_problem(act.id, CurrentProblem(code, now, detail or "anomaly"))
        ctx.store.transition(
            act.id,
            ActState.REJECTED,
            actor="prefecture",
            at=now,
            reason=detail or N_("no detail given"),
            anomaly_nature=nature,
            anomaly_detail=detail,
        )
        return act.id

    def _cancellations(self) -> list[int]:
        """Acts whose cancellation the préfecture acknowledged (the act's status 0)."""
        ctx = self.ctx
        platform = self._platform()
        cancelling = self._cancelling
        if cancelling is None:  # not read with the poll's acts
            cancelling = ctx.store.list_acts(
                siren=self._siren, states=[ActState.CANCELLATION_REQUESTED]
            )
        waiting = {a.platform_ref: a for a in cancelling if a.platform_ref and self._ours(a)}
        if not waiting:
            return []
        done = []
        window = self.window(waiting.values())
        for transaction in walk(platform, PlatformStatus.ANNULE, window, set(waiting)).found:
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
                reason=N_("accusé de réception of the cancellation (6-2)"),
                at=ctx.clock(),
            )
            done.append(act.id)
        return done


def _merged(reports: list[PollReport]) -> PollReport:
    """The accounts' polls, as one."""
    return PollReport(
        requests=sum(r.requests for r in reports),
        acknowledged=tuple(i for r in reports for i in r.acknowledged),
        rejected=tuple(i for r in reports for i in r.rejected),
        transmitted=tuple(i for r in reports for i in r.transmitted),
        prefecture_messages=tuple(i for r in reports for i in r.prefecture_messages),
        cancelled=tuple(i for r in reports for i in r.cancelled),
        parked=tuple(i for r in reports for i in r.parked),
    )


def _renewed(
    lease: _Lease,
    step: Callable[[ActRecord, StatusReport | None], int | None],
    act: ActRecord,
    report: StatusReport | None,
) -> int | None:
    """One act's step under a renewed lease; an act another actor moved meanwhile is left as
    it is (its move is recorded once, by whoever made it)."""
    lease.renew()
    try:
        return step(act, report)
    except Conflict:
        return None
