"""Errors → HTTP answers, in one place (STYLE.md #13), all in one shape::

    {"error": <stable machine code>, "title": <what went wrong, for people, from the catalogs>,
     "message": <the detail>, "field": …, "rule": …, "value": …}

Domain errors, FastAPI's request validation errors and Starlette's HTTP errors (unknown route,
wrong method) all answer this way, so a caller parses one shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from workflow.errors import (
    ActesError,
    Conflict,
    InvalidInput,
    NotFound,
    Rejected,
    SecurityError,
    TransientError,
)
from workflow.i18n import _
from workflow.problems import for_people


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


def title_for(code: str) -> str:
    """One sentence per error code, for the people who read the answer."""
    titles = {
        "invalid_input": _("the request is not valid: correct the field named"),
        "invalid_identifier": _("an identifier is not valid: correct the field named"),
        "invalid_document": _("a document cannot be accepted: correct or replace it"),
        "invalid_message": _("a protocol message is not valid"),
        "schema_violation": _("a protocol message does not follow its schema"),
        "unsafe_archive": _("an archive breaks a safety rule"),
        "configuration_error": _("the service's configuration is wrong"),
        "transient": _("the service is unavailable for now: try again later"),
        "rejected": _("the request was refused"),
        "conflict": _("the request contradicts what is recorded"),
        "illegal_transition": _("the act cannot do this in its current state"),
        "already_exists": _("this was already recorded"),
        "not_found": _("not found"),
        "security": _("access refused"),
        "http_error": _("the request cannot be served"),
    }
    return titles.get(code, _("the request failed"))


def _body(data: dict[str, Any]) -> dict[str, Any]:
    body = {"error": data["error"], "title": title_for(str(data["error"]))}
    body.update({k: v for k, v in data.items() if k != "error"})
    if isinstance(body.get("message"), str):
        body["message"] = for_people(body["message"])
    return body


def error_response(error: ActesError) -> JSONResponse:
    status = status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(_body(error.as_dict()), status_code=status, headers=headers)


_LOCATIONS = ("body", "query", "header", "path", "form", "cookie")


def _validation_response(error: RequestValidationError) -> JSONResponse:
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in _LOCATIONS),
            "rule": e.get("type", ""),
            "message": e.get("msg", ""),
        }
        for e in error.errors()
    ]
    first = details[0] if details else {"field": "", "rule": "", "message": "invalid request"}
    data = {
        "error": "invalid_input",
        "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        "field": first["field"] or None,
        "rule": first["rule"] or None,
        "errors": details,
    }
    return JSONResponse(_body({k: v for k, v in data.items() if v is not None}), status_code=422)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` in the one shape."""

    @app.exception_handler(ActesError)
    async def _domain(_: Request, error: ActesError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return http_error_response(error.status_code, str(error.detail), dict(error.headers or {}))


def http_error_response(
    status: int, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Starlette's HTTP errors (unknown route, wrong method) in the one shape."""
    body = _body({"error": "http_error", "message": detail})
    return JSONResponse(body, status_code=status, headers=headers)
