"""``/api/acts``: submit an act after the vote, list the caller's acts (by state, age, IDActe or
number), read one, cancel one, post one the platform parked in 17, retry a failed one, correct
and resend a refused one."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from workflow.errors import InvalidInput
from workflow.intake.metadata import parse_metadata
from workflow.intake.requests import Upload
from workflow.interfaces.api.deps import (
    ActId,
    Caller,
    IntakeDep,
    enqueue_act,
    intake_answer,
    own_act,
)
from workflow.interfaces.api.listing import MAX_PAGE, acts_page
from workflow.interfaces.api.schemas import ERRORS, CancelIn, IntakeOut
from workflow.store import ActFilter
from workflow.timeline import event_label
from workflow.usecases.lookup import parse_age
from workflow.usecases.resend import SETTABLE, Correction

router = APIRouter(prefix="/api/acts", tags=["acts"], responses=ERRORS)


@router.post(
    "",
    response_model=IntakeOut,
    status_code=201,
    responses={
        200: {
            "model": IntakeOut,
            "description": "The act an earlier request with this key created",
        },
        202: {"model": IntakeOut, "description": "Held as a draft: see `problems`"},
        401: {"description": "No token, an unknown or a revoked token"},
        403: {"description": "The token may not submit for this collectivité"},
        413: {"description": "The body is over the size limit"},
        422: {"description": "Malformed request (the error names the field and the rule)"},
    },
    summary="Submit an act (the document, its annexes and what is known of it)",
)
def post_act(
    request: Request,
    intake: IntakeDep,
    caller: Caller,
    document: Annotated[UploadFile, File(description="The act itself: a PDF")],
    idempotency_key: Annotated[
        str,
        Header(
            min_length=1,
            max_length=150,
            description="The caller's key for this act: "
            "a repeated request returns the same act or draft",
        ),
    ],
    annexes: Annotated[
        list[UploadFile] | None, File(description="Annexes: PDF, XML, PNG or JPEG")
    ] = None,
    metadata: Annotated[
        str | None,
        Form(description="JSON object (see ActMetadata); each field given wins over the document"),
    ] = None,
    document_signature: Annotated[
        UploadFile | None,
        File(description="The act's detached CMS/PKCS#7 signature (DER or PEM)"),
    ] = None,
    annexes_signatures: Annotated[
        list[UploadFile] | None,
        File(
            description="The annexes' detached signatures, index-aligned with `annexes`: "
            "an empty part for an annex without signature"
        ),
    ] = None,
) -> JSONResponse:
    parsed = parse_metadata(metadata)
    documents = [document, *(annexes or [])]
    signatures = [document_signature, *(annexes_signatures or [])]
    if len(signatures) > len(documents):
        raise InvalidInput(
            f"{len(signatures) - 1} annex signatures for {len(documents) - 1} annexes",
            field="annexes_signatures",
            rule="one signature part per annex, index-aligned (an empty part when unsigned)",
            value=len(signatures) - 1,
        )
    with tempfile.TemporaryDirectory(dir=request.app.state.upload_dir) as work:
        uploads = [
            _save(upload, Path(work), i, signatures[i] if i < len(signatures) else None)
            for i, upload in enumerate(documents)
        ]
        return intake_answer(request, intake.submit(caller, uploads, parsed, idempotency_key))


@router.get("", summary="The caller's acts, newest first, a page at a time (by state, age, …)")
def list_acts(
    intake: IntakeDep,
    caller: Caller,
    state: str | None = None,
    siren: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    id_acte: str | None = None,
    numero: str | None = None,
    older_than: Annotated[
        str | None, Query(description="In their state for longer than this: 45m, 12h, 2d, 1w")
    ] = None,
) -> dict[str, Any]:
    where = ActFilter(
        id_acte=id_acte,
        numero=numero,
        state_before=dt.datetime.now(dt.UTC) - parse_age(older_than, field="older_than")
        if older_than
        else None,
    )
    store = intake.services.store
    return acts_page(
        store, caller, state=state, siren=siren, cursor=cursor, limit=limit, where=where
    )


@router.get("/{act_id}", summary="One act: state, IDActe, date of reception, history")
def get_act(intake: IntakeDep, caller: Caller, act_id: ActId) -> dict[str, Any]:
    act = own_act(intake, caller, act_id)
    events = [
        {
            "at": e.at.isoformat(),
            "event": e.event,
            "label": event_label(e.event),
            "from": e.from_state,
            "to": e.to_state,
            "reason": e.reason_text(),
        }
        for e in intake.services.store.events(act_id)
    ]
    return {**act.as_dict(), "events": events}


@router.post(
    "/{act_id}/retry",
    summary="Send a failed act again, once the cause of the failure is fixed",
    responses={409: {"description": "The act is not failed (a rejected act is resent)"}},
)
def retry_act(request: Request, intake: IntakeDep, caller: Caller, act_id: int) -> dict[str, Any]:
    act = own_act(intake, caller, act_id)
    retried = intake.services.resending.retry(act.id, actor=caller.name, siren=act.siren)
    enqueue_act(request, retried.id)
    return retried.as_dict()


@router.post(
    "/{act_id}/resend",
    status_code=201,
    summary="Correct a rejected or failed act and send it again as a new act that replaces it",
    description="Everything not given is taken from the old act. The new act's number is "
    "derived from the old one (`DEL2022_148` → `DEL2022_148A`: the platform refuses a number it "
    "has seen) unless `numero` is given; `numero_derived` says which.",
    responses={409: {"description": "The act is neither rejected nor failed, or was replaced"}},
)
def resend_act(
    request: Request,
    intake: IntakeDep,
    caller: Caller,
    act_id: int,
    document: Annotated[UploadFile | None, File(description="The corrected act (PDF)")] = None,
    annexes: Annotated[
        list[UploadFile] | None, File(description="The corrected annexes (replace the old ones)")
    ] = None,
    numero: Annotated[str | None, Form(description="The new number (default: derived)")] = None,
    metadata: Annotated[
        str | None, Form(description="JSON object of corrected fields: " + ", ".join(SETTABLE))
    ] = None,
) -> JSONResponse:
    act = own_act(intake, caller, act_id)
    with tempfile.TemporaryDirectory(dir=request.app.state.upload_dir) as work:
        saved_document = _save(document, Path(work), 0) if document else None
        saved_annexes = [_save(a, Path(work), i + 1) for i, a in enumerate(annexes or [])]
        correction = Correction(
            document=_named(saved_document),
            annexes=tuple(p for p in map(_named, saved_annexes) if p) if annexes else None,
            numero=numero,
            changes=_corrected_fields(metadata),
        )
        result = intake.services.resending.resend(
            act.id, correction, actor=caller.name, siren=act.siren
        )
    enqueue_act(request, result.act.id)
    return JSONResponse(result.as_dict(), status_code=201)


def _named(upload: Upload | None) -> Path | None:
    """The saved upload under its own name (the name the act keeps for the document)."""
    if upload is None:
        return None
    target = upload.path.with_name(f"{upload.path.name}.d") / upload.file_name
    target.parent.mkdir()
    upload.path.rename(target)
    return target


def _corrected_fields(metadata: str | None) -> dict[str, str]:
    if not metadata:
        return {}
    try:
        data = json.loads(metadata)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"metadata is not JSON ({exc.msg})", field="metadata", rule="a JSON object"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput("metadata must be a JSON object", field="metadata", rule="a JSON object")
    return {str(k): str(v) for k, v in data.items()}


@router.post(
    "/{act_id}/cancel",
    summary="Withdraw an acknowledged act (6-1); it becomes cancelled on the ARAnnulation",
)
def cancel_act(intake: IntakeDep, caller: Caller, act_id: ActId, body: CancelIn) -> dict[str, Any]:
    act = own_act(intake, caller, act_id)
    exchanges = intake.services.exchanges
    return exchanges.cancel(act.id, reason=body.reason, siren=act.siren).as_dict()


@router.post(
    "/{act_id}/confirm",
    summary="Post an act the platform holds in 17 « En attente d'être postée » (17 → 1)",
)
def confirm_act(intake: IntakeDep, caller: Caller, act_id: int) -> dict[str, Any]:
    act = own_act(intake, caller, act_id)
    return intake.services.platform_access.confirm(act.id, siren=act.siren).as_dict()


def _save(
    upload: UploadFile, directory: Path, position: int, signature: UploadFile | None = None
) -> Upload:
    """Copy an upload (and its signature, unless an empty part) to files in chunks
    (Starlette has already spooled them to disk)."""
    name = Path(upload.filename or f"document-{position}").name or f"document-{position}"
    target = directory / f"{position:03d}"
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
    signed = None
    if signature is not None:
        signed = directory / f"{position:03d}.sig"
        with signed.open("wb") as out:
            shutil.copyfileobj(signature.file, out, length=1024 * 1024)
        if signed.stat().st_size == 0:  # an empty part: this document is not signed
            signed = None
    return Upload(target, name, signature=signed)
