"""The API's request and response bodies (pydantic: only at the HTTP boundary)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProblemOut(BaseModel):
    field: str
    rule: str
    message: str
    severity: str
    value: Any = None


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
