"""The clerks' pages as one ASGI application, mounted at ``/`` by the API's app factory.

Sessions are signed cookies (Starlette's ``SessionMiddleware``: HttpOnly, SameSite=Lax,
Secure unless turned off for local http); every page sends a strict Content-Security-Policy
(no inline script or style, nothing from elsewhere). Domain errors become pages here, in one
place: absent or another collectivité's → 404, a role or CSRF refusal → 403, a refused action
→ the page it came from with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from workflow.errors import ActesError, NotFound, SecurityError
from workflow.i18n import _
from workflow.intake.service import Intake
from workflow.interfaces.api.errors import title_for
from workflow.interfaces.web.render import flash, render
from workflow.interfaces.web.routes import (
    act_actions,
    act_files,
    acts,
    admin,
    auth,
    dashboard,
    deadlines,
    drafts,
)
from workflow.interfaces.web.security import (
    AddressThrottle,
    Forbidden,
    LoginRequired,
    WebOptions,
)
from workflow.problems import for_people
from workflow.users import Users

STATIC = Path(__file__).with_name("static")
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_web(
    intake: Callable[[], Intake],
    options: WebOptions,
    *,
    enqueue: Callable[[int], None] | None = None,
    upload_dir: Path | None = None,
) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.intake = intake
    users: dict[str, Users] = {}

    def users_factory() -> Users:
        if "users" not in users:
            users["users"] = options.users_factory()
        return users["users"]

    app.state.users = users_factory
    app.state.enqueue = enqueue
    app.state.upload_dir = upload_dir
    app.state.throttle = AddressThrottle()
    for module in (auth, dashboard, acts, act_files, act_actions, drafts, deadlines, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _errors(app)

    @app.middleware("http")
    async def _security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if "text/html" in response.headers.get("content-type", ""):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(
        SessionMiddleware,
        secret_key=options.secret_key,
        session_cookie="actes_session",
        max_age=options.session_hours * 3600,
        same_site="lax",
        https_only=options.secure_cookies,
    )
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _error: LoginRequired) -> Response:
        target = "/connexion"
        if request.method == "GET" and request.url.path not in ("/", "/connexion"):
            target += "?suivant=" + quote(request.url.path, safe="/")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return _not_found(request)
        return render(
            request, "error.html", status_code=error.status_code, message=str(error.detail)
        )

    @app.exception_handler(ActesError)
    async def _domain(request: Request, error: ActesError) -> Response:
        if isinstance(error, NotFound):
            return _not_found(request)
        back = getattr(request.state, "back", None)
        if request.method != "POST" or not isinstance(back, str) or not back.startswith("/"):
            back = None
        if isinstance(error, Forbidden) or (isinstance(error, SecurityError) and back is None):
            return render(
                request,
                "error.html",
                status_code=403,
                title=_("Not allowed"),
                message=error.message,
            )
        # what went wrong in the clerk's words (the API's title for the code), then the detail
        reason = _(
            "{title} — detail: {detail}",
            title=title_for(error.code),
            detail=for_people(error.message),
        )
        if back is not None:  # a refused action (by a rule, or by the platform): say why there
            flash(request, _("Not done: {reason}", reason=reason), "error")
            return RedirectResponse(back, status_code=303)
        return render(request, "error.html", status_code=422, title=_("Not done"), message=reason)


def _not_found(request: Request) -> Response:
    return render(
        request,
        "error.html",
        status_code=404,
        title=_("Page not found"),
        message=_("This page does not exist, or is not one of your collectivités'."),
    )
