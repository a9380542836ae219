"""Domain errors → HTTP statuses, in one place (STYLE.md #13)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from workflow.errors import (
    ActesError,
    Conflict,
    InvalidInput,
    NotFound,
    Rejected,
    SecurityError,
    TransientError,
)


def status_for(error: ActesError) -> int:
    if isinstance(error, SecurityError):
        return 401 if error.field == "authorization" else 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, Rejected):
        return 422
    if isinstance(error, TransientError):
        return 503
    return 500


def error_response(error: ActesError) -> JSONResponse:
    status = status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error.as_dict(), status_code=status, headers=headers)
