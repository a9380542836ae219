"""The application layer: one set of use cases called by the CLI, the API and the tasks.

Each use case loads the act by id, returns early when its work is already done (so a task
run twice has one effect), does one step, and records it. The exactly-once rule for
transmission (DESIGN.md): ``submitting`` is committed before the HTTP call; an act found in
``submitting`` is first looked up on the platform by its number, and re-sent only when the
platform does not hold it. The database refuses a second transaction for an act.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from workflow.alerts import DEFAULT_HORIZONS, Alert, Digest, Notifier, horizon_for
from workflow.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotFound,
    Rejected,
    TransientError,
)
from workflow.identifiers import (
    ActNature,
    Classification,
    NumberProfile,
    NumeroInterne,
    TypologyCode,
)
from workflow.legal.deadlines import Deadline, LegalAssessment, LegalFacts, assess, due_within
from workflow.legal.publicity import PublicityAdvice, expected_publicity
from workflow.lifecycle import AT_PLATFORM, ActState
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.platform import (
    FormSubmission,
    ListedTransaction,
    PlatformStatus,
    TransmissionPlatform,
)
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.nomenclature import national_classification
from workflow.recovery import Candidate, Outcome, judge
from workflow.signing import Signer
from workflow.store import ActRecord, ExchangeRecord, NewAct, PublicityRecord, Store

Clock = Callable[[], dt.datetime]
PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class PollReport:
    requests: int = 0
    acknowledged: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()
    transmitted: tuple[int, ...] = ()
    prefecture_messages: tuple[int, ...] = ()
    cancelled: tuple[int, ...] = ()


@dataclass
class Services:
    store: Store
    outbox: Path
    platform: TransmissionPlatform | None = None
    signer: Signer | None = None
    clock: Clock = utc_now
    trigramme: str = "SLO"
    profile: NumberProfile = NumberProfile.S2LOW
    actor: str = "service"
    #: "archive" (actes_transac_submit.php) or "form" (actes_transac_create.php), per platform
    submit_mode: str = "archive"

    # ------------------------------------------------------------------ intake

    def submit(self, new: NewAct) -> tuple[ActRecord, bool]:
        """Record an act (``received``); the same idempotency key returns the same act."""
        self.store.get_collectivite(new.siren)  # NotFound for an unknown collectivité
        NumeroInterne.parse(new.numero, self.profile)
        return self.store.create_act(new, at=self.clock(), actor=self.actor)

    # ------------------------------------------------------------------ packaging

    def package(self, act_id: int) -> ActRecord:
        act = self.store.get_act(act_id)
        if act.state is not ActState.RECEIVED:
            return act  # already done: a redelivered task has no second effect
        collectivite = self.store.get_collectivite(act.siren)
        main, *annexes = act.documents
        now = self.clock()
        today = now.astimezone(dt.UTC).date()
        act_input = ActInput(
            collectivite=collectivite,
            numero=NumeroInterne.parse(act.numero, self.profile),
            date=act.act_date,
            nature=ActNature[act.nature],
            classification=Classification.parse(act.classification),
            classification_date=act.classification_date,
            objet=act.objet,
            document=DocumentInput(self.store.document_path(main.sha256), _typology(main.typology)),
            annexes=tuple(
                DocumentInput(self.store.document_path(a.sha256), _typology(a.typology))
                for a in annexes
            ),
        )
        for _ in range(5):  # the serial is per collectivité per day; retry if another act took it
            serial = self.store.next_serial(act.siren, today)
            options = PackagingOptions(
                generated_on=today, serial=serial, trigramme=self.trigramme, profile=self.profile
            )
            try:
                package = package_act(
                    act_input, self.outbox / str(act.id), options, signer=self.signer
                )
            except InvalidInput as error:
                self.store.set_error(act.id, error.one_line())
                return self.store.transition(
                    act.id, ActState.FAILED, actor=self.actor, reason=error.one_line(), at=now
                )
            try:
                self.store.record_package(
                    act.id,
                    act.siren,
                    today,
                    package.archive_name,
                    package.archive.path,
                    package.archive.sha256,
                    package.archive.size,
                    at=now,
                )
            except AlreadyExists:
                continue
            with ReceivedArchive.open(package.archive.path) as archive:
                self.store.record_message(
                    act.id, "out", "1-1", archive.read(package.message_name), at=now
                )
            return self.store.transition(
                act.id,
                ActState.PACKAGED,
                actor=self.actor,
                reason=f"archive {package.archive_name}",
                at=now,
            )
        raise TransientError("could not reserve an envelope serial", field="serial", act_id=act.id)

    # ------------------------------------------------------------------ transmission

    def transmit(self, act_id: int) -> ActRecord:
        """Send the act's archive to the platform, exactly once."""
        platform = self._require_platform()
        act = self.store.get_act(act_id)
        if act.state is ActState.PACKAGED:
            act = self.store.transition(
                act.id, ActState.SUBMITTING, actor=self.actor, reason="sending", at=self.clock()
            )
        elif act.state is ActState.SUBMITTING:
            recovered = self._recover(act)  # an earlier attempt may have reached the platform
            if recovered is not None:
                return recovered
        else:
            return act  # received (not packaged yet), or already at the platform or beyond
        archive = self.store.latest_package(act.id)
        if archive is None:
            raise Conflict(f"act {act.id} has no package", field="package", act_id=act.id)
        try:
            if self.submit_mode == "form":
                with tempfile.TemporaryDirectory() as work:
                    result = platform.submit_form(form_from_package(archive, Path(work)))
            else:
                result = platform.submit_archive(archive)
        except Rejected as error:
            self.store.set_error(act.id, error.message)
            return self.store.transition(
                act.id, ActState.REJECTED, actor="platform", reason=error.message, at=self.clock()
            )
        finally:
            self._flush_attempts(act.id)
        return self._accepted(act.id, result.transaction_id, recovered=False)

    def _recover(self, act: ActRecord) -> ActRecord | None:
        """Bind the act to a transaction an earlier attempt created, only when it is proven
        ours (workflow.recovery); None when nothing of ours is there (send it)."""
        platform = self._require_platform()
        try:
            bound = self.store.acts_by_platform_ref()
            candidates = [
                Candidate(
                    listed.id,
                    listed.number,
                    listed.subject,
                    listed.date,
                    details.status,
                    details.id_acte,
                    details.message_name,
                    bound.get(listed.id),
                )
                for listed in platform.find_candidates(act.numero)
                if bound.get(listed.id) in (None, act.id)
                for details in (platform.transaction_details(listed.id),)
            ]
        finally:
            self._flush_attempts(act.id)
        verdict = judge(act, candidates)
        if verdict.outcome is Outcome.BIND and verdict.transaction_id is not None:
            return self._accepted(act.id, verdict.transaction_id, recovered=True)
        if verdict.outcome is Outcome.PENDING:
            raise TransientError(
                f"act {act.id}: {verdict.explanation}", field="recovery", act_id=act.id
            )
        if verdict.outcome is Outcome.AMBIGUOUS:
            self.store.record_incident(
                "recovery_ambiguous", verdict.explanation, at=self.clock(), act_id=act.id
            )
        return None

    def _accepted(self, act_id: int, platform_ref: str, *, recovered: bool) -> ActRecord:
        now = self.clock()
        self.store.record_transaction(act_id, platform_ref, at=now, recovered=recovered)
        reason = f"platform transaction {platform_ref}" + (
            " (found after a lost reply)" if recovered else ""
        )
        return self.store.transition(
            act_id, ActState.SUBMITTED, actor="platform", reason=reason, at=now
        )

    def fail(self, act_id: int, reason: str) -> ActRecord:
        """Retries exhausted or a permanent local error: visible to clerks as ``failed``."""
        act = self.store.get_act(act_id)
        self.store.set_error(act_id, reason)
        if act.state in {ActState.RECEIVED, ActState.PACKAGED, ActState.SUBMITTING}:
            return self.store.transition(
                act_id, ActState.FAILED, actor=self.actor, reason=reason, at=self.clock()
            )
        return act

    def retry(self, act_id: int, *, actor: str) -> ActRecord:
        """A person sends a failed act again (from the start: packaging)."""
        return self.store.transition(
            act_id, ActState.RECEIVED, actor=actor, reason="retry", at=self.clock()
        )

    # ------------------------------------------------------------------ polling

    def poll(self) -> PollReport:
        """One batched poll: requests grow with what changed, not with what is pending.

        Lists the platform's transactions in statuses 3, 4 and −1 (paged), matches them to
        our acts, and asks for the details (the ARActe, the anomaly) only of acts whose
        state changes.
        """
        self._require_platform()  # no platform configured: say so before any work
        pending = {
            a.platform_ref: a
            for a in self.store.list_acts(states=sorted(AT_PLATFORM))
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
        acknowledged = [self._acknowledge(a) for a in changed[PlatformStatus.ACQUITTEMENT_RECU]]
        rejected = [self._reject(a) for a in changed[PlatformStatus.ERREUR]]
        transmitted = []
        now = self.clock()
        for act in changed[PlatformStatus.TRANSMIS]:
            if act.state is ActState.SUBMITTED:
                self.store.transition(
                    act.id,
                    ActState.TRANSMITTED,
                    actor="platform",
                    reason="status 3 Transmis",
                    at=now,
                )
                transmitted.append(act.id)
        messages = self._prefecture_messages()
        cancelled = self._cancellations()
        self._flush_attempts(None)
        return PollReport(
            acknowledged=tuple(a for a in acknowledged if a),
            rejected=tuple(r for r in rejected if r),
            transmitted=tuple(transmitted),
            prefecture_messages=tuple(messages),
            cancelled=tuple(cancelled),
        )

    def _prefecture_messages(self) -> list[int]:
        """Fetch unread préfecture messages (2-1, 3-1, 4-1, 5-1), record them, mark them read."""
        platform = self._require_platform()
        by_ref = self.store.acts_by_platform_ref()
        received = []
        for document in platform.list_prefecture_documents():
            act_id = by_ref.get(document.related_transaction_id)
            if act_id is None:
                continue  # not one of ours (another tool on the same account): leave it unread
            archive = platform.download_message_archive(document.id)
            now = self.clock()
            with ReceivedArchive.open(archive, name=f"prefecture-{document.id}.tar.gz") as package:
                for name in package.names():
                    if not name.endswith(".xml") or name.startswith(("TACT", "EACT")):
                        continue
                    raw = package.read(name)
                    message = xml_in.parse_message(raw, source=name)
                    self.store.record_message(act_id, "in", message.code.value, raw, at=now)
                    day, detail = _exchange_facts(message)
                    if day is not None:
                        exchange = ExchangeRecord(
                            message.code.value, day, document.id, None, detail
                        )
                        self.store.record_exchange(act_id, exchange)
            platform.mark_document_read(document.id)
            received.append(act_id)
        return received

    # ------------------------------------------------------------------ the law

    def record_publicity(
        self, act_id: int, mode: str, day: dt.date, url: str | None = None
    ) -> None:
        """How and when the act was made public (R5–R7)."""
        if mode not in PUBLICITY_MODES:
            raise InvalidInput(
                f"publicity mode {mode!r} is unknown",
                field="mode",
                rule=" / ".join(PUBLICITY_MODES),
                value=mode,
            )
        self.store.record_publicity(act_id, PublicityRecord(mode, day, url), at=self.clock())

    def legal_facts(self, act: ActRecord) -> LegalFacts:
        collectivite = self.store.get_collectivite(act.siren)
        publicities = self.store.publicities(act.id)
        published = [p.day for p in publicities if p.mode != "notification"]
        notified = [p.day for p in publicities if p.mode == "notification"]
        exchanges = {e.code: e for e in self.store.exchanges(act.id)}
        dpc, observations, defere = (exchanges.get(c) for c in ("3-1", "4-1", "5-1"))
        return LegalFacts(
            nature=ActNature[act.nature],
            departement=collectivite.departement,
            signed=act.act_date,
            reception=act.date_reception,
            publication=min(published) if published else None,
            notification=min(notified) if notified else None,
            dpc=dpc.day if dpc else None,
            dpc_answer=dpc.answered_on if dpc else None,
            observations=observations.day if observations else None,
            observations_answer=observations.answered_on if observations else None,
            defere=defere.day if defere else None,
        )

    def publicity_advice(self, act_id: int, *, siren: str | None = None) -> PublicityAdvice:
        """The publicity the law expects for the act (R4–R6), from the collectivité's
        population and the council's choice, and whether the recorded one fits."""
        act = self.store.get_act(act_id, siren=siren)
        collectivite = self.store.get_collectivite(act.siren)
        recorded = self.store.publicities(act.id)
        first = min(recorded, key=lambda p: p.day) if recorded else None
        return expected_publicity(
            ActNature[act.nature],
            population=collectivite.population,
            chosen_mode=collectivite.publicity_mode,
            on=first.day if first else act.act_date,
            recorded=first.mode if first else None,
        )

    def assess(self, act_id: int, *, siren: str | None = None) -> LegalAssessment:
        return assess(self.legal_facts(self.store.get_act(act_id, siren=siren)))

    def deadlines(
        self, *, today: dt.date, within_days: int, siren: str | None = None
    ) -> list[tuple[ActRecord, Deadline]]:
        """Open deadlines of transmitted acts falling within the horizon, soonest first."""
        states = [ActState.ACKNOWLEDGED, ActState.CANCELLATION_REQUESTED]
        found = []
        for act in self.store.list_acts(siren=siren, states=states):
            for deadline in due_within(assess(self.legal_facts(act)), today, within_days):
                found.append((act, deadline))
        return sorted(found, key=lambda pair: (pair[1].due or today, pair[0].id))

    def _acknowledge(self, act: ActRecord) -> int | None:
        report = self._require_platform().get_status(act.platform_ref or "")
        if report.message_xml is None:
            return None
        message = xml_in.parse_message(report.message_xml, source="ARActe")
        if not isinstance(message, m.ARActe):
            return None
        now = self.clock()
        self.store.record_message(act.id, "in", "1-2", report.message_xml, at=now)
        self.store.transition(
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
        report = self._require_platform().get_status(act.platform_ref or "")
        nature, detail = None, report.error_text
        now = self.clock()
        if report.message_xml:
            self.store.record_message(act.id, "in", "1-3", report.message_xml, at=now)
        if report.error_text and "<" in report.error_text:
            text, _, xml = report.error_text.partition("<")
            try:
                anomaly = xml_in.parse_message(
                    ("<" + xml).encode("iso-8859-1"), source="AnomalieActe"
                )
            except InvalidInput:
                anomaly = None
            if isinstance(anomaly, m.AnomalieActe):
                self.store.record_message(
                    act.id, "in", "1-3", ("<" + xml).encode("iso-8859-1"), at=now
                )
                nature, detail = anomaly.nature, anomaly.detail
            else:
                detail = text.strip()
        self.store.transition(
            act.id,
            ActState.REJECTED,
            actor="prefecture",
            at=now,
            reason=detail or "anomaly",
            anomaly_nature=nature,
            anomaly_detail=detail,
        )
        return act.id

    def send_alerts(
        self,
        *,
        today: dt.date,
        notifiers: Sequence[Notifier],
        horizons: tuple[int, ...] = DEFAULT_HORIZONS,
        stuck_after: dt.timedelta | None = None,
    ) -> list[Digest]:
        """Send each collectivité one digest of the deadlines that entered a horizon, once —
        and, with ``stuck_after``, of the acts waiting in one state longer than that (once per
        act and state).

        An alert is recorded as sent per channel only after that channel accepted it, so a
        failing channel is tried again by the next sweep while the others are not repeated.
        """
        due: dict[str, list[Alert]] = {}
        for act, deadline in self.deadlines(today=today, within_days=max(horizons)):
            horizon = horizon_for(deadline.due or today, today, horizons)
            if horizon is None or deadline.due is None:
                continue
            alert = Alert(
                act.id,
                act.siren,
                act.numero,
                act.id_acte,
                deadline.kind.value,
                deadline.due,
                horizon,
                deadline.rule,
                deadline.explanation,
            )
            due.setdefault(act.siren, []).append(alert)
        if stuck_after is not None:
            for act in self.stuck(stuck_after):
                since = act.state_since.astimezone(PARIS)
                due.setdefault(act.siren, []).append(
                    Alert(
                        act.id,
                        act.siren,
                        act.numero,
                        act.id_acte,
                        f"stuck_{act.state.value}",
                        since.date(),
                        0,
                        "no progress",
                        f"l'acte est « {act.state.value} » depuis le {since:%d/%m/%Y %H:%M} "
                        f"(plus de {stuck_after.total_seconds() / 3600:g} h) : vérifier les "
                        "workers et la plateforme (actes status)"
                        + (f" — dernière erreur : {act.last_error}" if act.last_error else ""),
                    )
                )
        sent = []
        for siren, alerts in sorted(due.items()):
            collectivite = self.store.get_collectivite(siren)
            for notifier in notifiers:
                fresh = tuple(
                    a for a in alerts if not self.store.alert_sent(a.key, notifier.channel)
                )
                if not fresh:
                    continue
                digest = Digest(
                    siren,
                    collectivite.name,
                    tuple(e.value for e in collectivite.emails),
                    today,
                    fresh,
                )
                notifier.send(digest)
                for alert in fresh:
                    self.store.record_alert(alert.key, notifier.channel, at=self.clock())
                sent.append(digest)
        return sent

    # ------------------------------------------------------------------ reading

    # ------------------------------------------------------------------ cancellation

    def cancel(self, act_id: int, *, reason: str, siren: str | None = None) -> ActRecord:
        """Withdraw an acknowledged act (6-1); the poll records the ARAnnulation (6-2).

        ``cancellation_requested`` is committed before the platform is asked, so a crash in
        between leaves a visible act a second ``cancel`` completes; a platform refusal brings
        the act back to ``acknowledged`` with the platform's message.
        """
        platform = self._require_platform()
        act = self.store.get_act(act_id, siren=siren)
        if act.state is ActState.CANCELLED:
            return act
        asked = self._cancellation_request(act.id)
        if act.state is ActState.CANCELLATION_REQUESTED and asked is not None:
            return act  # already asked: the poll waits for the ARAnnulation
        now = self.clock()
        if act.state is not ActState.CANCELLATION_REQUESTED:
            act = self.store.transition(
                act.id, ActState.CANCELLATION_REQUESTED, actor=self.actor, reason=reason, at=now
            )
        if not act.platform_ref:
            raise Conflict(f"act {act.id} has no platform transaction", field="act", act_id=act.id)
        try:
            cancellation = platform.cancel(act.platform_ref)
        except Rejected as error:
            self.store.transition(
                act.id,
                ActState.ACKNOWLEDGED,
                actor="platform",
                reason=f"cancellation refused: {error.message}",
                at=self.clock(),
            )
            raise
        finally:
            self._flush_attempts(act.id)
        day = now.astimezone(PARIS).date()  # the legal calendar's day
        self.store.record_exchange(act.id, ExchangeRecord("6-1", day, cancellation, None, reason))
        return self.store.get_act(act.id)

    def _cancellation_request(self, act_id: int) -> ExchangeRecord | None:
        """The 6-1 this service sent for the act, if any (the last one)."""
        asked = [e for e in self.store.exchanges(act_id) if e.code == "6-1"]
        return asked[-1] if asked else None

    def _listed(self, status: PlatformStatus) -> Iterable[ListedTransaction]:
        """Every transaction in ``status``: all pages when the platform pages its listing."""
        platform = self._require_platform()
        list_all = getattr(platform, "iter_transactions", None)
        listed: Iterable[ListedTransaction] = (
            list_all(status) if list_all else platform.list_transactions(status)
        )
        return listed

    def _cancellations(self) -> list[int]:
        """Acts whose cancellation the préfecture acknowledged (the act's status 0)."""
        platform = self._require_platform()
        waiting = {
            a.platform_ref: a
            for a in self.store.list_acts(states=[ActState.CANCELLATION_REQUESTED])
            if a.platform_ref
        }
        if not waiting:
            return []
        done = []
        for transaction in self._listed(PlatformStatus.ANNULE):
            act = waiting.get(transaction.id)
            if act is None:
                continue
            asked = self._cancellation_request(act.id)
            if asked is not None:
                report = platform.get_status(asked.platform_ref)
                if report.message_xml:
                    self.store.record_message(
                        act.id, "in", "6-2", report.message_xml, at=self.clock()
                    )
            self.store.transition(
                act.id,
                ActState.CANCELLED,
                actor="platform",
                reason="ARAnnulation (6-2)",
                at=self.clock(),
            )
            done.append(act.id)
        return done

    # ------------------------------------------------------------------ answers to the préfecture

    def answer(
        self,
        act_id: int,
        code: str,
        *,
        refuse: bool = False,
        document: Path | None = None,
        attachments: Sequence[tuple[Path, str]] = (),
        siren: str | None = None,
    ) -> ExchangeRecord:
        """Answer the préfecture's last ``code`` message about the act (2-1 → 2-2; 3-1 → 3-4
        with the documents, or 3-3 refusing; 4-1 → 4-4 or 4-3), through the platform. The
        answer's date restarts or ends the deadlines it governs (R17, R18). Answering twice
        sends once."""
        if code not in ("2-1", "3-1", "4-1"):
            raise InvalidInput(
                f"{code} cannot be answered (2-1, 3-1 or 4-1)",
                field="code",
                rule="2-1 / 3-1 / 4-1",
                value=code,
            )
        act = self.store.get_act(act_id, siren=siren)
        received = [e for e in self.store.exchanges(act.id) if e.code == code]
        if not received:
            raise NotFound(
                f"act {act.id} has no {code} message to answer", field="code", value=code
            )
        exchange = max(received, key=lambda e: e.day)
        if exchange.answered_on is not None:
            return exchange
        if not refuse and document is None:
            raise InvalidInput(
                "an answer carries a document (or refuse)",
                field="document",
                rule="a PDF, or --refuse",
            )
        checked = tuple(
            (path, TypologyCode.parse(typology).value) for path, typology in attachments
        )
        platform = self._require_platform()
        try:
            platform.reply(exchange.platform_ref, 3 if refuse else 4, document, checked)
        finally:
            self._flush_attempts(act.id)
        day = self.clock().astimezone(PARIS).date()
        self.store.answer_exchange(act.id, code, day)
        return next(
            e for e in self.store.exchanges(act.id) if e.platform_ref == exchange.platform_ref
        )

    # ------------------------------------------------------------------ documents from the platform

    def stamped_act(
        self, act_id: int, *, published_on: dt.date | None = None, siren: str | None = None
    ) -> bytes:
        """The act's PDF bearing the préfecture's stamp (IDActe, dates), ready to publish."""
        act, platform = self._acknowledged_act(act_id, siren)
        files = platform.files(act.platform_ref or "")
        if len(files) < 2:
            raise NotFound(
                f"the platform lists no document for act {act.id}", field="act", act_id=act.id
            )
        return platform.download_file(files[1].id, stamp=True, published_on=published_on)

    def bordereau(self, act_id: int, *, siren: str | None = None) -> bytes:
        """The bordereau d'acquittement (PDF) the platform issues for an acknowledged act."""
        act, platform = self._acknowledged_act(act_id, siren)
        return platform.bordereau(act.platform_ref or "")

    def _acknowledged_act(
        self, act_id: int, siren: str | None
    ) -> tuple[ActRecord, TransmissionPlatform]:
        platform = self._require_platform()
        act = self.store.get_act(act_id, siren=siren)
        if act.id_acte is None or not act.platform_ref:
            raise Conflict(
                f"act {act.id} has no accusé de réception yet ({act.state.value})",
                field="act",
                rule="an acknowledged act",
                act_id=act.id,
            )
        return act, platform

    # ------------------------------------------------------------------ classification

    def record_nomenclature(self, siren: str, raw: bytes) -> m.RetourClassification:
        """Keep a collectivité's 7-2 classification (validated first) for the suggestions."""
        self.store.get_collectivite(siren)
        message = xml_in.parse_message(raw)
        if not isinstance(message, m.RetourClassification):
            raise InvalidInput(
                f"expected a 7-2 RetourClassification, got {type(message).__name__}",
                field="nomenclature",
                rule="7-2 message",
            )
        self.store.save_nomenclature(siren, message.date_classification, raw, at=self.clock())
        return message

    def request_nomenclature(self) -> str:
        """Ask the préfecture for its current classification (7-1); the 7-2 follows."""
        return self._require_platform().request_classification()

    def fetch_nomenclature(self, siren: str) -> m.RetourClassification:
        """Ask the platform for the préfecture's current classification and keep it."""
        return self.record_nomenclature(siren, self._require_platform().fetch_classification())

    def nomenclature(self, siren: str | None) -> m.RetourClassification:
        """The collectivité's 7-2 when one was recorded, else the national levels 1–2."""
        raw = self.store.nomenclature(siren) if siren else None
        if raw is not None:
            message = xml_in.parse_message(raw)
            if isinstance(message, m.RetourClassification):
                return message
        return national_classification()

    def list_acts(self, *, siren: str | None = None) -> list[ActRecord]:
        return self.store.list_acts(siren=siren)

    def get_act(self, act_id: int, *, siren: str | None = None) -> ActRecord:
        return self.store.get_act(act_id, siren=siren)

    def stuck(self, longer_than: dt.timedelta) -> list[ActRecord]:
        """Acts the service still works on that have not moved for ``longer_than``."""
        return self.store.acts_needing_work(idle_since=self.clock() - longer_than)

    def unfinished(self, *, idle_seconds: float) -> list[ActRecord]:
        return self.store.acts_needing_work(
            idle_since=self.clock() - dt.timedelta(seconds=idle_seconds)
        )

    def close(self) -> None:
        """Release connections (database pool, HTTP session) held by the adapters."""
        for adapter in (self.store, self.platform):
            close = getattr(adapter, "close", None)
            if callable(close):
                close()

    # ------------------------------------------------------------------ helpers

    def _require_platform(self) -> TransmissionPlatform:
        if self.platform is None:
            raise InvalidInput(
                "no transmission platform is configured (ACTES_PLATFORM_URL)", field="platform_url"
            )
        return self.platform

    def _flush_attempts(self, act_id: int | None) -> None:
        attempts = getattr(self.platform, "attempts", None)
        if not attempts:
            return
        now = self.clock()
        while attempts:
            self.store.record_attempt(act_id, attempts.pop(0), at=now)


PUBLICITY_MODES = ("electronic", "posting", "paper", "notification")


def form_from_package(archive: Path, work: Path) -> FormSubmission:
    """The same package, posted field by field (form mode): the 1-1's values, its documents
    with the typology their names carry, and their detached signatures."""
    with ReceivedArchive.open(archive) as received:
        message_name = next(n for n in received.names() if n.endswith("-1-1_0.xml"))
        message = xml_in.parse_message(received.read(message_name), source=message_name)
        if not isinstance(message, m.Acte):
            raise InvalidInput(f"{message_name} is not a 1-1 message", field="package")
        data = message.data

        def extract(signed: m.SignedFile) -> tuple[Path, str, bytes | None]:
            target = work / signed.nom_fichier
            with target.open("wb") as out:
                received.copy_to(signed.nom_fichier, out)
            signature = signed.signature.encode("ascii") if signed.signature else None
            return target, signed.nom_fichier.split("-", 1)[0], signature

        document, typology, signature = extract(data.document)
        annexes = [extract(a) for a in data.annexes]
    return FormSubmission(
        nature_code=data.nature.code,
        classification=data.classification.levels,
        number=data.numero,
        decision_date=data.date.isoformat(),
        subject=data.objet,
        document=document,
        document_typology=typology,
        annexes=tuple((path, code) for path, code, _ in annexes),
        document_signature=signature,
        annexe_signatures=tuple(sig for _, _, sig in annexes),
        document_papier=bool(data.document_papier),
    )


def _exchange_facts(message: m.Message) -> tuple[dt.date | None, str]:
    if isinstance(message, m.DefereTA):
        return message.date_depot, message.nature_illegalite
    if isinstance(message, m.DemandePieceComplementaire):
        return message.date_courrier_pref, message.description_pieces
    if isinstance(message, m.LettreObservations):
        return message.date_courrier_pref, message.motif
    if isinstance(message, m.CourrierSimple):
        return message.date_courrier_pref, ""
    return None, ""


def _typology(value: str | None) -> TypologyCode | None:
    return TypologyCode.parse(value) if value else None
