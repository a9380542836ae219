"""``/api/drafts``: acts held for a person (their problems), completed or discarded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from workflow.intake.metadata import ActMetadata
from workflow.interfaces.api.deps import Caller, DraftId, IntakeDep, intake_answer
from workflow.interfaces.api.schemas import ERRORS, IntakeOut

router = APIRouter(prefix="/api/drafts", tags=["drafts"], responses=ERRORS)


@router.get("", summary="The caller's open drafts")
def list_drafts(intake: IntakeDep, caller: Caller) -> dict[str, Any]:
    return {"drafts": [d.as_dict() for d in intake.drafts(caller)]}


@router.get("/{draft_id}", summary="One draft and its problems")
def get_draft(intake: IntakeDep, caller: Caller, draft_id: DraftId) -> dict[str, Any]:
    return intake.draft(caller, draft_id).as_dict()


@router.patch(
    "/{draft_id}",
    response_model=IntakeOut,
    responses={202: {"model": IntakeOut, "description": "Still a draft: see `problems`"}},
    summary="Complete a draft with what a person settled; sent when nothing is left",
)
def complete_draft(
    request: Request, intake: IntakeDep, caller: Caller, draft_id: DraftId, metadata: ActMetadata
) -> JSONResponse:
    return intake_answer(request, intake.complete(caller, draft_id, metadata))


@router.delete("/{draft_id}", summary="Discard a draft (it is kept, marked discarded)")
def discard_draft(intake: IntakeDep, caller: Caller, draft_id: DraftId) -> dict[str, Any]:
    return intake.discard(caller, draft_id).as_dict()
