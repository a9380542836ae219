"""One router per group of pages; what they share: the use cases, the CSRF check on every
form, where to come back to after an action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from workflow.intake.service import Intake
from workflow.interfaces.web.security import csrf_protect


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake()
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]


def router() -> APIRouter:
    """A router whose every form is checked against the session's CSRF token."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def come_back_to(request: Request, path: str) -> None:
    """After a refused action, show ``path`` with the reason."""
    request.state.back = path
