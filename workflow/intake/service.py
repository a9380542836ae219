"""The intake use cases: submit a document (with or without metadata), complete or discard a
draft. Called alike by the REST API, ``actes submit`` and the watched folder.

Every submission is recorded before anything else happens to it — as an act (``received``)
when it is ready, else as an open draft with the precise problems — so nothing is lost and
nothing half-sent. The idempotency key is per caller: the same key from the same caller
returns the same act or draft, whatever happened in between.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from workflow.errors import (
    AlreadyExists,
    Conflict,
    InvalidDocument,
    InvalidInput,
    NotFound,
    SecurityError,
)
from workflow.identifiers import ActNature, Siren
from workflow.intake.checks import Problem
from workflow.intake.documents import document_problem, field_of, typology_problems
from workflow.intake.extract import Extraction, extract
from workflow.intake.metadata import ActMetadata
from workflow.intake.proposal import Proposal, propose
from workflow.intake.requests import IntakeResult, Principal, Upload
from workflow.intake.signatures import signature_problems
from workflow.intake.text import read_document_text
from workflow.protocol.documents import MAX_TOTAL_BYTES
from workflow.protocol.messages import RetourClassification
from workflow.store import ActRecord, DocumentRef, DraftRecord, NewAct
from workflow.usecases import Services
from workflow.usecases.law import PUBLICITY_MODES

PARIS = ZoneInfo("Europe/Paris")
#: how long a request waits for a concurrent one with the same key to record its act
SETTLE_WAIT_SECONDS = 10.0


@dataclass
class Intake:
    services: Services
    #: the classification to suggest from; default: the collectivité's recorded 7-2, else national
    nomenclature_for: Callable[[str | None], RetourClassification] | None = None

    # ------------------------------------------------------------------ use cases

    def submit(
        self,
        principal: Principal,
        uploads: Sequence[Upload],
        metadata: ActMetadata,
        idempotency_key: str | None = None,
    ) -> IntakeResult:
        if not uploads:
            raise InvalidInput(
                "no document: the act itself is required", field="document", rule="required"
            )
        _check_allowed(principal, metadata)
        store = self.services.store
        stored = [store.store_file(upload.path) for upload in uploads]
        signed = [store.store_file(u.signature)[0] if u.signature else None for u in uploads]
        signatures = "|sig:" + ",".join(s or "" for s in signed) if any(signed) else ""
        key = (
            idempotency_key
            or "content:"
            + hashlib.sha256(
                (
                    "|".join(sha for sha, _ in stored)
                    + signatures
                    + json.dumps(metadata.given(), sort_keys=True)
                ).encode()
            ).hexdigest()
        )
        existing = self._earlier(principal, key)
        if existing is not None:
            _same_request(existing, [sha for sha, _ in stored], metadata, key, signed)
            return self._result(self._settled(existing), created=False)
        typologies = [metadata.typologie] + [a.typologie for a in metadata.annexes]
        documents = tuple(
            DocumentRef(
                i,
                sha,
                upload.file_name,
                upload.typology or (typologies[i] if i < len(typologies) else None),
                signed[i],
            )
            for i, ((sha, _), upload) in enumerate(zip(stored, uploads, strict=True))
        )
        proposal = self._propose(principal, metadata, documents)
        recorded: dict[str, Any] = {
            "principal": principal.name,
            "idempotency_key": key,
            "siren": proposal.values.get("siren"),
            "metadata": metadata.given(),
            "documents": documents,
            "report": proposal.as_dict(),
        }
        if proposal.ready:
            made = self._act_at_once(principal, recorded, proposal)
            if made is not None:
                return made
        draft, created = store.create_draft(**recorded, at=self.services.clock())
        if not created:  # a concurrent request with this key recorded it first
            _same_request(draft, [sha for sha, _ in stored], metadata, key, signed)
            return self._result(self._settled(draft), created=False)
        return self._settle(principal, draft, proposal)

    def _act_at_once(
        self, principal: Principal, recorded: dict[str, Any], proposal: Proposal
    ) -> IntakeResult | None:
        """A ready proposal's draft and act in one transaction: the usual case. None when it
        is not that plain (the key or the number taken meanwhile, a check failing): nothing
        is kept, and the caller goes step by step, each case answered as it always was."""
        store = self.services.store
        try:
            with store.together():
                draft, created = store.create_draft(**recorded, at=self.services.clock())
                if not created:
                    raise _NotPlain
                act, created = self.services.submission.submit(
                    self._new_act(principal, draft, proposal, draft.documents)
                )
                if not created:
                    raise _NotPlain
        except (_NotPlain, InvalidInput, AlreadyExists):
            return None
        self._record_publication(act, draft.metadata.get("publication_date"))
        return IntakeResult(act, draft.settled_by(act), True, proposal)

    def _settled(self, draft: DraftRecord) -> DraftRecord:
        """The draft once the request that recorded it has made its act: a concurrent request
        with the same key gets the act too, not the draft of a moment before."""
        waited = 0.0
        while (
            draft.status == "open"
            and draft.act_id is None
            and draft.report.get("ready")
            and waited < SETTLE_WAIT_SECONDS
        ):
            time.sleep(0.05)
            waited += 0.05
            draft = self.services.store.get_draft(draft.id)
        return draft

    def complete(self, principal: Principal, draft_id: int, patch: ActMetadata) -> IntakeResult:
        """Add what a person settled to a draft's metadata and try again."""
        draft = self.draft(principal, draft_id)
        if draft.status != "open":
            return self._result(draft, created=False)
        merged = {**draft.metadata, **patch.given()}
        metadata = ActMetadata.model_validate(merged)
        _check_allowed(principal, metadata)
        documents = _typed(draft.documents, metadata)  # the typologies a person settled
        proposal = self._propose(principal, metadata, documents)
        draft = self.services.store.update_draft(
            draft.id,
            at=self.services.clock(),
            siren=proposal.values.get("siren"),
            metadata=metadata.given(),
            report=proposal.as_dict(),
        )
        return self._settle(principal, draft, proposal, documents)

    def discard(self, principal: Principal, draft_id: int) -> DraftRecord:
        draft = self.draft(principal, draft_id)
        return self.services.store.update_draft(
            draft.id, at=self.services.clock(), status="discarded"
        )

    def _earlier(self, principal: Principal, key: str) -> DraftRecord | None:
        """The submission this key already made, by this caller or by another caller for the
        same collectivités (a rotated token keeps its keys)."""
        for draft in self.services.store.drafts_by_key(key):
            if draft.principal == principal.name or (
                draft.siren is not None and principal.allows(draft.siren)
            ):
                return draft
        return None

    def draft(self, principal: Principal, draft_id: int) -> DraftRecord:
        """A draft the caller may see (its own, or one of its collectivités'); else NotFound."""
        draft = self.services.store.get_draft(draft_id)
        mine = (
            principal.sirens is None
            or draft.principal == principal.name
            or (draft.siren is not None and draft.siren in principal.sirens)
        )
        if not mine:
            raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
        return draft

    def drafts(self, principal: Principal, *, status: str | None = "open") -> list[DraftRecord]:
        return [
            d
            for d in self.services.store.list_drafts(status=status)
            if principal.sirens is None
            or d.principal == principal.name
            or (d.siren is not None and d.siren in principal.sirens)
        ]

    # ------------------------------------------------------------------ steps

    def _propose(
        self, principal: Principal, metadata: ActMetadata, documents: Sequence[DocumentRef]
    ) -> Proposal:
        store = self.services.store
        problems, extraction = self._read_documents(documents, metadata)  # no store call
        with store.reading():  # what the proposal is checked against: one transaction
            return self._checked(principal, metadata, documents, problems, extraction)

    def _checked(
        self,
        principal: Principal,
        metadata: ActMetadata,
        documents: Sequence[DocumentRef],
        problems: list[Problem],
        extraction: Extraction | None,
    ) -> Proposal:
        """The proposal from what the documents say, checked against the collectivités, their
        7-2 and the numbers already used."""
        store = self.services.store
        collectivites = [c for c in store.list_collectivites() if principal.allows(c.siren.value)]
        today = self.services.clock().astimezone(PARIS).date()
        nomenclature_for = self.nomenclature_for or self.services.nomenclature.current

        def proposal_with(siren: str | None) -> Proposal:
            return propose(
                metadata,
                extraction,
                collectivites=collectivites,
                nomenclature=nomenclature_for(siren),
                profile=self.services.profile,
                today=today,
                document_problems=problems,
            )

        hint = metadata.siren or (extraction.value("siren") if extraction else None)
        proposal = proposal_with(hint)
        resolved = proposal.values.get("siren")
        if resolved is not None and resolved != hint:
            proposal = proposal_with(resolved)  # the collectivité is known now: its own 7-2
        published = extraction.value("publication_date") if extraction else None
        if published and metadata.publication_date is None:
            proposal = proposal.with_problem(_publication_proposed(published))
        siren, numero = proposal.values.get("siren"), proposal.values.get("numero")
        if siren and numero:
            used = store.act_by_numero(siren, numero)
            if used is not None:
                proposal = proposal.with_problem(
                    Problem(
                        "numero",
                        "number unique for the collectivité",
                        f"number {numero} is already used by act {used.id} ({used.objet[:60]!r})",
                        numero,
                    )
                )
        return self._with_typologies(proposal, documents)

    def _with_typologies(self, proposal: Proposal, documents: Sequence[DocumentRef]) -> Proposal:
        """The documents against the settled nature and classification, and the typologies
        the collectivité's recorded 7-2 allows for that nature (checked again at packaging)."""
        siren, nature = proposal.values.get("siren"), proposal.values.get("nature")
        allowed, since = (
            self.services.submission.allowed_typologies(siren, ActNature[str(nature)])
            if siren and nature in ActNature.__members__
            else (None, None)
        )
        paths = [self.services.store.document_path(d.sha256) for d in documents]
        for problem in typology_problems(documents, paths, proposal.values, allowed, since):
            proposal = proposal.with_problem(problem)
        return proposal

    def _read_documents(
        self, documents: Sequence[DocumentRef], metadata: ActMetadata
    ) -> tuple[list[Problem], Extraction | None]:
        store = self.services.store
        problems: list[Problem] = []
        extraction: Extraction | None = None
        for document in documents:
            path = store.document_path(document.sha256)
            problem = document_problem(document, path, metadata)
            if problem is not None:
                problems.append(problem)
            elif document.signature_sha256 is not None:  # a document that reads: its signature
                problems += signature_problems(
                    self.services.verifier,
                    field_of(document),
                    document.file_name,
                    path,
                    store.document_path(document.signature_sha256),
                )
        total = sum(store.document_path(d.sha256).stat().st_size for d in documents)
        if total > MAX_TOTAL_BYTES:  # the platform refuses a larger archive
            problems.append(
                Problem(
                    "document",
                    f"the act and its annexes total at most {MAX_TOTAL_BYTES} bytes",
                    f"the act and its annexes total {total} bytes",
                    total,
                )
            )
        main = documents[0]
        if not any(p.field == "document" for p in problems):
            try:
                text = read_document_text(store.document_path(main.sha256), field="document")
            except InvalidDocument as error:
                # encrypted or unreadable: the platform would refuse it too (a scan without a
                # text layer only lacks the text to read the metadata from: a warning)
                encrypted = error.rule in ("PDF not encrypted", "a readable PDF")
                problems.append(
                    Problem(
                        "document",
                        error.rule or "document",
                        f"{main.file_name}: {error.message}",
                        main.file_name,
                        "error" if encrypted else "warning",
                    )
                )
            else:
                extraction = extract(text)
        return problems, extraction

    def _settle(
        self,
        principal: Principal,
        draft: DraftRecord,
        proposal: Proposal,
        documents: Sequence[DocumentRef] = (),
    ) -> IntakeResult:
        """Turn a ready proposal into an act (``received``); keep the draft otherwise."""
        if not proposal.ready:
            return IntakeResult(None, draft, True, proposal)
        store = self.services.store
        new = self._new_act(principal, draft, proposal, documents or draft.documents)
        try:
            act, created = self.services.submission.submit(new)
        except (InvalidInput, AlreadyExists) as error:
            proposal = proposal.with_problem(
                Problem(error.field or "act", error.rule or "act", error.message, error.value)
            )
            draft = store.update_draft(
                draft.id, at=self.services.clock(), report=proposal.as_dict()
            )
            return IntakeResult(None, draft, True, proposal)
        if created:  # linked in the act's own transaction
            draft = draft.settled_by(act)
        elif draft.status == "open":  # the same key's act, from another draft
            draft = store.update_draft(
                draft.id,
                at=self.services.clock(),
                status="submitted",
                act_id=act.id,
                siren=act.siren,
            )
        else:
            draft = store.get_draft(draft.id)
        if created:  # the publication date the caller confirmed, as the act's publicity
            self._record_publication(act, draft.metadata.get("publication_date"))
        return IntakeResult(act, draft, created, proposal)

    def _new_act(
        self,
        principal: Principal,
        draft: DraftRecord,
        proposal: Proposal,
        documents: Sequence[DocumentRef],
    ) -> NewAct:
        """The act a ready proposal makes of its draft."""
        store = self.services.store
        values = proposal.values
        report = json.dumps(proposal.as_dict(), ensure_ascii=False, default=str).encode()
        already = (
            (str(values["id_acte"]), _as_date(values["date_reception"]))
            if values.get("id_acte")
            else None
        )
        return NewAct(
            siren=values["siren"],
            idempotency_key=f"{principal.name}:{draft.idempotency_key}",
            numero=values["numero"],
            numero_printed=str(values["numero_printed"]),
            act_date=_as_date(values["date"]),
            nature=values["nature"],
            classification=str(values["classification"]),
            classification_date=_as_date(values["classification_date"]),
            objet=values["objet"],
            documents=tuple((store.document_path(d.sha256), d.typology) for d in documents),
            file_names=tuple(d.file_name for d in documents),
            signatures=tuple(d.signature_sha256 for d in documents),
            draft_id=draft.id,  # the act, its report and the draft's link: one transaction
            intake_report=report,
            acknowledged=already,
        )

    def _record_publication(self, act: ActRecord, day: str | None) -> None:
        """The publication date the caller confirmed, recorded as the act's publicity (in the
        collectivité's usual mode, electronic by default)."""
        if not day:
            return
        mode = self.services.store.get_collectivite(act.siren).publicity_mode
        self.services.law.record_publicity(
            act.id, mode if mode in PUBLICITY_MODES else "electronic", _as_date(day)
        )

    def _result(self, draft: DraftRecord, *, created: bool) -> IntakeResult:
        act = self.services.store.get_act(draft.act_id) if draft.act_id is not None else None
        return IntakeResult(act, draft, created)


class _NotPlain(Exception):
    """Not the usual case: undo the one-transaction attempt, go step by step."""


def _check_allowed(principal: Principal, metadata: ActMetadata) -> None:
    if metadata.siren is not None:
        Siren.parse(metadata.siren)  # a typo is the caller's input error (422), not a refusal
    if metadata.siren is not None and not principal.allows(metadata.siren):
        raise SecurityError(
            f"this caller may not submit for SIREN {metadata.siren}",
            field="siren",
            rule="a token submits for its own collectivités only",
            value=metadata.siren,
        )


def _publication_proposed(day: Any) -> Problem:
    """The document states when it was published: proposed, recorded once the caller confirms."""
    return Problem(
        "publication_date",
        "a publication date is recorded when the caller confirms it",
        f"the document states it was published on {day}: give publication_date in the "
        "metadata to record it (an act is executory only once published)",
        str(day),
        "warning",
    )


def _same_request(
    draft: DraftRecord,
    shas: Sequence[str],
    metadata: ActMetadata,
    key: str,
    signatures: Sequence[str | None],
) -> None:
    """A key names one request: the same key with other documents, signatures or metadata is
    refused (409), never answered with the first act while the new document is dropped."""
    given = json.loads(json.dumps(metadata.given(), default=str))
    if (
        [d.sha256 for d in draft.documents] != list(shas)
        or [d.signature_sha256 for d in draft.documents] != list(signatures)
        or draft.metadata != given
    ):
        raise Conflict(
            "this Idempotency-Key was already used for another request (other documents or "
            "metadata): use a new key for a new act",
            field="idempotency_key",
            rule="one key, one request",
            value=key,
            draft_id=draft.id,
            act_id=draft.act_id,
        )


def _typed(documents: Sequence[DocumentRef], metadata: ActMetadata) -> tuple[DocumentRef, ...]:
    """The documents with the typologies the metadata gives (each wins over the stored one)."""
    given = [metadata.typologie, *(a.typologie for a in metadata.annexes)]
    return tuple(
        dataclasses.replace(d, typology=given[d.position] or d.typology)
        if d.position < len(given)
        else d
        for d in documents
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
