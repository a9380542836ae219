"""``/api/acts``: submit an act after the vote, list the caller's acts, read one, cancel one,
post one the platform parked in 17."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from workflow.intake.metadata import parse_metadata
from workflow.intake.service import Upload
from workflow.interfaces.api.deps import ActId, Caller, IntakeDep, intake_answer, own_act
from workflow.interfaces.api.listing import MAX_PAGE, acts_page
from workflow.interfaces.api.schemas import ERRORS, CancelIn, IntakeOut

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
) -> JSONResponse:
    parsed = parse_metadata(metadata)
    with tempfile.TemporaryDirectory(dir=request.app.state.upload_dir) as work:
        uploads = [
            _save(upload, Path(work), i) for i, upload in enumerate([document, *(annexes or [])])
        ]
        return intake_answer(request, intake.submit(caller, uploads, parsed, idempotency_key))


@router.get("", summary="The caller's acts, newest first, a page at a time")
def list_acts(
    intake: IntakeDep,
    caller: Caller,
    state: str | None = None,
    siren: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    store = intake.services.store
    return acts_page(store, caller, state=state, siren=siren, cursor=cursor, limit=limit)


@router.get("/{act_id}", summary="One act: state, IDActe, date of reception, history")
def get_act(intake: IntakeDep, caller: Caller, act_id: ActId) -> dict[str, Any]:
    act = own_act(intake, caller, act_id)
    events = [
        {
            "at": e.at.isoformat(),
            "event": e.event,
            "from": e.from_state,
            "to": e.to_state,
            "reason": e.reason,
        }
        for e in intake.services.store.events(act_id)
    ]
    return {**act.as_dict(), "events": events}


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


def _save(upload: UploadFile, directory: Path, position: int) -> Upload:
    """Copy an upload to a file in chunks (Starlette has already spooled it to disk)."""
    name = Path(upload.filename or f"document-{position}").name or f"document-{position}"
    target = directory / f"{position:03d}"
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
    return Upload(target, name)
