"""The API's request and response bodies (pydantic: only at the HTTP boundary)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProblemOut(BaseModel):
    field: str
    rule: str
    message: str
    severity: str
    value: Any = None


class ErrorOut(BaseModel):
    """A refusal: ``error`` (the kind), ``message`` (French or English, for a person), and
    the ``field``, ``rule`` and ``value`` concerned when there is one."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    field: str | None = None
    rule: str | None = None
    value: Any = None


#: the answers every route may give besides its own (documented, so clients can rely on them)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body cannot be parsed (not JSON, not multipart)"},
    401: {"model": ErrorOut, "description": "No token, an unknown or a revoked token"},
    403: {"model": ErrorOut, "description": "The token may not act for this collectivité"},
    404: {"model": ErrorOut, "description": "No such act or draft (or not the caller's)"},
    409: {"model": ErrorOut, "description": "The request contradicts the recorded state"},
    413: {"model": ErrorOut, "description": "The body is over the size limit"},
    503: {"model": ErrorOut, "description": "A resource is unavailable for now: retry later"},
}


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the act is withdrawn")


class IntakeOut(BaseModel):
    """``status`` is ``act`` (recorded, on its way to the préfecture) or ``draft`` (held: see
    ``problems``; complete it with ``PATCH /api/drafts/{id}``)."""

    status: str
    created: bool
    act: dict[str, Any] | None = None
    draft: dict[str, Any]
    problems: list[ProblemOut]
