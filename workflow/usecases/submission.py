"""From a recorded act to its package: record the act (``received``), build and sign its
archive (``packaged``), and the two ways out of trouble a person or the retry policy takes
(``failed``, retry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.errors import (
    ActesError,
    AlreadyExists,
    Conflict,
    InvalidInput,
    SecurityError,
    TransientError,
)
from workflow.i18n import N_
from workflow.identifiers import ActNature, Classification, TypologyCode
from workflow.lifecycle import ActState
from workflow.numbering import NumeroInterne
from workflow.packaging import (
    ActInput,
    DocumentInput,
    PackagingOptions,
    clean_objet,
    objet_limit,
    package_act,
)
from workflow.problems import CurrentProblem, ProblemCode
from workflow.protocol.nomenclature import recorded_classification
from workflow.signing import MAX_SIGNATURE_BYTES
from workflow.store import ActRecord, DocumentRef, KeptMessage, KeptPackage, NewAct
from workflow.usecases.context import Context
from workflow.usecases.resend import Resending

#: the envelope serial is per collectivité per day: tries before giving up to a transient error
SERIAL_TRIES = 5


#: a retry scheduled for ``t`` keeps the act until ``t`` + this (its queueing and its run);
#: if the retry is lost with the broker, the sweep takes the act once it has passed
RETRY_GRACE = dt.timedelta(minutes=5)


@dataclass
class Submission:
    ctx: Context

    def submit(self, new: NewAct) -> tuple[ActRecord, bool]:
        """Record an act (``received``); the same idempotency key returns the same act, an
        unknown collectivité is NotFound (checked by the store in the act's transaction)."""
        NumeroInterne.parse(new.numero, self.ctx.profile)
        clean_objet(new.objet, max_length=objet_limit(self.ctx.profile))  # no poison accepted
        return self.ctx.store.create_act(new, at=self.ctx.clock(), actor=self.ctx.actor)

    def package(self, act_id: int) -> ActRecord:
        """Build, sign and record the act's archive; a redelivered task has no second effect."""
        ctx = self.ctx
        now = ctx.clock()
        today = now.astimezone(dt.UTC).date()
        with ctx.store.together():  # what packaging needs and its serial: one transaction
            act = ctx.store.get_act(act_id)
            if act.state is not ActState.RECEIVED:
                return act
            act_input = self._act_input(act)
            allowed, of = self.allowed_typologies(act.siren, ActNature[act.nature])
            # reserved: two packagings of one collectivité never sign the same serial
            serial = ctx.store.reserve_serial(act.siren, today)
        for attempt in range(SERIAL_TRIES):  # an archive made before the counter has it
            if attempt:
                serial = ctx.store.reserve_serial(act.siren, today)
            options = PackagingOptions(
                generated_on=today,
                serial=serial,
                trigramme=ctx.trigramme,
                profile=ctx.profile,
                allowed_typologies=allowed,
                typologies_from=of,
            )
            try:
                package = package_act(
                    act_input, ctx.outbox / str(act.id), options, signer=ctx.signer
                )
            except SecurityError as error:  # the signing certificate: the service's to fix
                return self._stop(act.id, ProblemCode.SIGNING_FAILED, error)
            except InvalidInput as error:
                return self._stop(act.id, ProblemCode.PACKAGING_FAILED, error)
            except (TransientError, Conflict):
                raise
            except Exception as error:  # noqa: BLE001 - the same input fails the same way again
                # packaging is deterministic: a foreign error (lxml, a signer library) would
                # recur on every attempt, so the act fails now, with the reason (issue 14 #4)
                reason = f"packaging failed: {type(error).__name__}: {error}"
                return self.fail(act.id, reason, code=ProblemCode.PACKAGING_FAILED)
            changes = "; ".join(package.objet_changes)
            archive = package.archive
            kept = KeptPackage(
                act.siren, today, package.archive_name, archive.path, archive.sha256, archive.size
            )
            try:  # archive, 1-1 and move in one transaction: a taken serial undoes all three
                return ctx.store.transition(
                    act.id,
                    ActState.PACKAGED,
                    actor=ctx.actor,
                    reason=N_(
                        "archive {name} (objet in ISO-8859-1, the platform's charset: {changes})",
                        name=package.archive_name,
                        changes=changes,
                    )
                    if changes
                    else N_("archive {name}", name=package.archive_name),
                    at=now,
                    # the 1-1 as packaged: kept by packaging, never read back from the archive
                    keep=(kept, KeptMessage("out", "1-1", package.message_xml)),
                )
            except AlreadyExists:
                continue
        raise TransientError("could not reserve an envelope serial", field="serial", act_id=act.id)

    def _stop(self, act_id: int, code: ProblemCode, error: ActesError) -> ActRecord:
        """The act cannot go on by itself: record why, and make it ``failed``."""
        now = self.ctx.clock()
        self.ctx.store.set_problem(act_id, CurrentProblem(code, now, error.one_line()))
        return self.ctx.store.transition(
            act_id, ActState.FAILED, actor=self.ctx.actor, reason=error.one_line(), at=now
        )

    def waiting(self, act_id: int, error: ActesError, *, next_attempt: dt.datetime | None) -> None:
        """A transient failure: the act waits for the next automatic attempt (recorded), and
        its lease is held until a little after it, so that the sweep does not enqueue a second
        task while the retry waits (the lease would otherwise run out during a long backoff)."""
        code = ProblemCode.PLATFORM_UNREACHABLE
        self.ctx.store.set_problem(
            act_id, CurrentProblem(code, self.ctx.clock(), error.one_line(), next_attempt)
        )
        if next_attempt is not None:
            self.ctx.store.hold(act_id, until=next_attempt + RETRY_GRACE)

    def allowed_typologies(
        self, siren: str, nature: ActNature
    ) -> tuple[frozenset[str] | None, dt.date | None]:
        """The typologies the collectivité's recorded 7-2 allows for ``nature`` (and its
        date), checked before sending as the platform checks them after its ``OK``; nothing
        when no 7-2 was recorded or it lists no typology for the nature."""
        raw = self.ctx.store.nomenclature(siren)
        message = recorded_classification(raw) if raw is not None else None
        if message is None:
            return None, None
        for entry in message.natures:
            if entry.code == nature.code and entry.typologies:
                return frozenset(t.code for t in entry.typologies), message.date_classification
        return None, None

    def _act_input(self, act: ActRecord) -> ActInput:
        store = self.ctx.store
        main, *annexes = act.documents
        return ActInput(
            collectivite=store.get_collectivite(act.siren),
            numero=NumeroInterne.parse(act.numero, self.ctx.profile),
            date=act.act_date,
            nature=ActNature[act.nature],
            classification=Classification.parse(act.classification),
            classification_date=act.classification_date,
            objet=act.objet,
            document=self._document(main),
            annexes=tuple(self._document(a) for a in annexes),
        )

    def _document(self, ref: DocumentRef) -> DocumentInput:
        """A recorded document, with the signature given with it at intake (checked then)."""
        signature = None
        if ref.signature_sha256 is not None:
            with self.ctx.store.document_path(ref.signature_sha256).open("rb") as stream:
                signature = stream.read(MAX_SIGNATURE_BYTES + 1)  # bounded: refused past it
        return DocumentInput(
            self.ctx.store.document_path(ref.sha256), _typology(ref.typology), signature
        )

    def fail(
        self, act_id: int, reason: str, *, code: ProblemCode = ProblemCode.RETRIES_EXHAUSTED
    ) -> ActRecord:
        """Retries exhausted or a permanent local error: visible to clerks as ``failed``."""
        ctx = self.ctx
        act = ctx.store.get_act(act_id)
        if act.state in {ActState.RECEIVED, ActState.PACKAGED, ActState.SUBMITTING}:
            ctx.store.set_problem(act_id, CurrentProblem(code, ctx.clock(), reason))
            return ctx.store.transition(
                act_id, ActState.FAILED, actor=ctx.actor, reason=reason, at=ctx.clock()
            )
        return act

    def retry(self, act_id: int, *, actor: str) -> ActRecord:
        """A person sends a failed act again (from the start: packaging)."""
        return Resending(self.ctx).retry(act_id, actor=actor)


def _typology(value: str | None) -> TypologyCode | None:
    return TypologyCode.parse(value) if value else None
