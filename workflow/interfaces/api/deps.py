"""What every route depends on: the caller (authenticated by bearer token), the use cases,
and the one rule of tenancy — an act of another collectivité is answered as absent (404)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workflow.errors import NotFound
from workflow.intake.requests import IntakeResult, Principal
from workflow.intake.service import Intake
from workflow.interfaces.api.gate import GATE_CALLER
from workflow.store import ActRecord
from workflow.tokens import authenticate

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="A token from `actes token issue`.")


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake()
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]


def _principal(
    request: Request,
    intake: IntakeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    checked = getattr(request.state, GATE_CALLER, None)
    if isinstance(checked, Principal):  # the gate authenticated this very request's token
        return checked
    token = credentials.credentials if credentials else None
    return authenticate(intake.services.store, token)


Caller = Annotated[Principal, Depends(_principal)]

#: ids are 32-bit integer columns: anything bigger is an invalid id (422), never an overflow
MAX_ID = 2**31 - 1
ActId = Annotated[int, Path(ge=1, le=MAX_ID, description="the act's id")]
DraftId = Annotated[int, Path(ge=1, le=MAX_ID, description="the draft's id")]


def own_act(intake: Intake, caller: Principal, act_id: int) -> ActRecord:
    """The act if it belongs to one of the caller's collectivités; else 404, as if absent."""
    act = intake.services.store.get_act(act_id)
    if not caller.allows(act.siren):
        raise NotFound(f"no act {act_id}", field="act", value=act_id)
    return act


def enqueue_act(request: Request, act_id: int) -> None:
    """Hand an act to the workers; if the broker fails, the sweep finds the act in the store."""
    enqueue = request.app.state.enqueue
    if enqueue is None:
        return
    try:
        enqueue(act_id)
    except Exception:  # the sweep will find the act in the store
        log.exception("could not enqueue act %s; the sweep will pick it up", act_id)


def intake_answer(request: Request, result: IntakeResult) -> JSONResponse:
    """201 for a new act (handed to the workers), 200 for the same key's act, 202 for a draft."""
    if result.to_send and result.act is not None:
        enqueue_act(request, result.act.id)
    status = 202 if result.act is None else (201 if result.created else 200)
    return JSONResponse(result.as_dict(), status_code=status)
