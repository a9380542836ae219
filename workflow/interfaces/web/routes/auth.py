"""Logging in and out. A new session is started at login (no fixation); failures are
throttled per account (in the store) and per client address (in memory)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from workflow.errors import SecurityError
from workflow.interfaces.web.render import render
from workflow.interfaces.web.routes import IntakeDep
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import SESSION_USER, users_of
from workflow.users import authenticate_user

router = make_router()


def _safe_next(target: str | None) -> str:
    """Only a path of these pages (never another site: //host or a scheme)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/connexion")
def login_page(request: Request, suivant: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(suivant), error=None, login="")


@router.post("/connexion")
def login(
    request: Request,
    intake: IntakeDep,
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    suivant: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    address = request.client.host if request.client else "unknown"
    throttle = request.app.state.throttle
    try:
        throttle.check(address)
        user = authenticate_user(users_of(request), login, password, now=intake.services.clock())
    except SecurityError as error:
        throttle.failed(address)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(suivant),
            error=error.message,
            login=login,
        )
    request.session.clear()  # a fresh session: nothing carried over from before the login
    request.session[SESSION_USER] = user.id
    return RedirectResponse(_safe_next(suivant), status_code=303)


@router.post("/deconnexion")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/connexion", status_code=303)
