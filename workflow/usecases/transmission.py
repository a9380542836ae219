"""Sending a packaged act to the platform, exactly once (DESIGN.md): ``submitting`` is committed
before the HTTP call; an act found in ``submitting`` is first looked up on the platform, and
re-sent only when the platform does not hold it. The database refuses a second transaction for
an act."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import (
    ActesError,
    AlreadyExists,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NoPlatformAccount,
    PlatformAccessRefused,
    Rejected,
    SecurityError,
    TransientError,
)
from workflow.i18n import N_
from workflow.lifecycle import ActState
from workflow.platform import Attempt, FormSubmission, TransmissionPlatform
from workflow.problems import CurrentProblem, ProblemCode
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.recovery import Candidate, Outcome, judge
from workflow.store import ActRecord, KeptAttempts, KeptTransaction
from workflow.usecases.context import Context
from workflow.usecases.submission import Submission


@dataclass
class Transmission:
    ctx: Context

    def transmit(self, act_id: int) -> ActRecord:
        """Send the act's archive to the platform, exactly once."""
        ctx = self.ctx
        # the claim, one transaction: the act, its archive, its account and, for an act
        # packaged, its move to submitting — committed before any request to the platform
        with ctx.store.together():
            act = ctx.store.get_act(act_id)
            archive = ctx.store.latest_package(act_id)
            if act.state not in (ActState.PACKAGED, ActState.SUBMITTING):
                return act  # received (not packaged yet), or already at the platform or beyond
            platform: TransmissionPlatform | ActesError
            try:
                platform = ctx.platform_for(act.siren)  # its collectivité's account, no other
            except (NoPlatformAccount, InvalidInput) as error:
                platform = error  # not sent: said on the act below, once the claim is read
            # moved to submitting by this very call: no earlier attempt can have reached the
            # platform (submitting is committed before any request), so nothing to look up
            fresh = act.state is ActState.PACKAGED
            if fresh and not isinstance(platform, ActesError):
                act = ctx.store.transition(
                    act.id,
                    ActState.SUBMITTING,
                    actor=ctx.actor,
                    reason=N_("sending to the platform"),
                    at=ctx.clock(),
                )
        if isinstance(platform, NoPlatformAccount):  # not sent: it waits for its account
            return self._hold(act)
        if isinstance(platform, ActesError):
            return self._stop(act, ProblemCode.PLATFORM_NOT_CONFIGURED, platform)
        try:
            return self._send(act, platform, archive, fresh=fresh)
        except SecurityError as error:  # the platform refused the service's login
            return self._stop(act, ProblemCode.PLATFORM_LOGIN_REFUSED, error)
        except TransientError as error:  # the task retries later: say so on the act
            code = ProblemCode.PLATFORM_UNREACHABLE
            ctx.store.set_problem(act.id, CurrentProblem(code, ctx.clock(), error.one_line()))
            raise

    def _send(
        self, act: ActRecord, platform: TransmissionPlatform, archive: Path | None, *, fresh: bool
    ) -> ActRecord:
        ctx = self.ctx
        if not fresh:
            # an earlier attempt may have reached the platform (the same account: its own)
            recovered = self._recover(act, platform)
            if recovered is not None:
                return recovered
        if archive is None:
            raise Conflict(f"act {act.id} has no package", field="package", act_id=act.id)
        try:
            if ctx.submit_mode == "form":
                with tempfile.TemporaryDirectory() as work:
                    result = platform.submit_form(form_from_package(archive, Path(work)))
            else:
                result = platform.submit_archive(archive)
        except PlatformAccessRefused as error:
            ctx.flush_attempts(act.id)
            code = ProblemCode.PLATFORM_LOGIN_REFUSED  # a person must fix the access
            return Submission(ctx).fail(act.id, error.one_line(), code=code)
        except Rejected as error:
            ctx.flush_attempts(act.id)
            now = ctx.clock()
            ctx.store.set_problem(
                act.id, CurrentProblem(ProblemCode.PLATFORM_REFUSED, now, error.message)
            )
            return ctx.store.transition(
                act.id, ActState.REJECTED, actor="platform", reason=error.message, at=now
            )
        except BaseException:
            ctx.flush_attempts(act.id)
            raise
        # the calls that made the transaction are recorded with the move they bring
        return self._accepted(
            act.id, result.transaction_id, recovered=False, attempts=ctx.take_attempts()
        )

    def _stop(self, act: ActRecord, code: ProblemCode, error: ActesError) -> ActRecord:
        """A fault of the service's configuration: the act fails, to be retried once fixed."""
        now = self.ctx.clock()
        self.ctx.store.set_problem(act.id, CurrentProblem(code, now, error.one_line()))
        return self.ctx.store.transition(
            act.id, ActState.FAILED, actor=self.ctx.actor, reason=error.one_line(), at=now
        )

    def _hold(self, act: ActRecord) -> ActRecord:
        """The act stays where it is (never sent with another collectivité's account), with
        a problem saying what the operator must do; the sweep sends it once bound."""
        problem = CurrentProblem(ProblemCode.NO_PLATFORM_ACCOUNT, self.ctx.clock(), act.siren)
        if act.problem is None or act.problem.code is not problem.code:
            self.ctx.store.set_problem(act.id, problem)
        return self.ctx.store.get_act(act.id)

    def _recover(self, act: ActRecord, platform: TransmissionPlatform) -> ActRecord | None:
        """Bind the act to a transaction an earlier attempt created, only when it is proven
        ours (workflow.recovery); None when nothing of ours is there (send it). ``platform``
        is the account of the act's SIREN: candidates are looked for there only."""
        ctx = self.ctx
        try:
            listed_now = platform.find_candidates(act.numero)
            bound = ctx.store.acts_by_platform_ref({listed.id for listed in listed_now})
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
                for listed in listed_now
                if bound.get(listed.id) in (None, act.id)
                for details in (platform.transaction_details(listed.id),)
            ]
        finally:
            ctx.flush_attempts(act.id)
        verdict = judge(act, candidates)
        if verdict.outcome is Outcome.BIND and verdict.transaction_id is not None:
            return self._accepted(act.id, verdict.transaction_id, recovered=True)
        if verdict.outcome is Outcome.PENDING:
            raise TransientError(
                f"act {act.id}: {verdict.explanation.text('en')}",
                field="recovery",
                act_id=act.id,
            )
        if verdict.outcome is Outcome.AMBIGUOUS:
            ctx.store.record_incident(
                "recovery_ambiguous",
                verdict.explanation.text("en"),
                at=ctx.clock(),
                act_id=act.id,
            )
        return None

    def _accepted(
        self,
        act_id: int,
        platform_ref: str,
        *,
        recovered: bool,
        attempts: tuple[Attempt, ...] = (),
    ) -> ActRecord:
        ctx = self.ctx
        now = ctx.clock()
        reason = (
            N_("platform transaction {ref} (found after a lost reply)", ref=platform_ref)
            if recovered
            else N_("platform transaction {ref}", ref=platform_ref)
        )
        try:  # the binding, the calls and the move in one transaction: the usual case
            return ctx.store.transition(
                act_id,
                ActState.SUBMITTED,
                actor="platform",
                reason=reason,
                at=now,
                keep=(
                    KeptTransaction(platform_ref, recovered=recovered),
                    *((KeptAttempts(attempts),) if attempts else ()),
                ),
            )
        except Conflict:  # bound or moved meanwhile: all undone; the calls, then the binding
            ctx.store.record_attempts(act_id, attempts, at=now)
        try:
            ctx.store.record_transaction(act_id, platform_ref, at=now, recovered=recovered)
        except AlreadyExists:
            # another run of this act's task (a redelivered message beside the sweep's) bound
            # it first: the same binding is that run's effect, never a second one
            current = ctx.store.get_act(act_id)
            if current.platform_ref != platform_ref:
                raise Conflict(
                    f"act {act_id} is already bound to platform transaction "
                    f"{current.platform_ref}, not {platform_ref}",
                    field="platform_ref",
                    act_id=act_id,
                ) from None
            if current.state is not ActState.SUBMITTING:
                return current
        try:
            return ctx.store.transition(
                act_id, ActState.SUBMITTED, actor="platform", reason=reason, at=now
            )
        except IllegalTransition:
            current = ctx.store.get_act(act_id)
            if current.platform_ref == platform_ref:
                return current  # the other run moved it on meanwhile
            raise


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
        siren=message_name.split("-")[1],
    )
