"""Administration: the users, the API tokens (issue, revoke) and the collectivités (with the
date of their nomenclature) — of the administrator's own collectivités only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from workflow.errors import NotFound
from workflow.i18n import _
from workflow.interfaces.web.render import flash, render
from workflow.interfaces.web.routes import IntakeDep, come_back_to
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import require, users_of
from workflow.protocol import xml_in
from workflow.protocol.messages import RetourClassification
from workflow.tokens import issue_token
from workflow.users import Role, UserRecord, create_user

router = make_router()
Admin = Annotated[UserRecord, Depends(require("admin"))]


def _nomenclature_date(intake: IntakeDep, siren: str) -> str | None:
    raw = intake.services.store.nomenclature(siren)
    if raw is None:
        return None
    message = xml_in.parse_message(raw, source="nomenclature")
    return (
        message.date_classification.isoformat()
        if isinstance(message, RetourClassification)
        else None
    )


@router.get("/administration")
def admin_page(request: Request, intake: IntakeDep, user: Admin) -> Response:
    store = intake.services.store
    mine = user.sirens
    token = request.session.pop("new_token", None)
    return render(
        request,
        "admin.html",
        users=[u for u in users_of(request).list_users() if u.sirens & mine],
        tokens=[t for t in store.list_tokens() if t.sirens & mine],
        collectivites=[
            (c, _nomenclature_date(intake, c.siren.value))
            for c in store.list_collectivites()
            if c.siren.value in mine
        ],
        roles=list(Role),
        new_token=token,
    )


@router.post("/administration/utilisateurs")
def add_user(
    request: Request,
    intake: IntakeDep,
    user: Admin,
    login: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1000)],
    sirens: Annotated[list[str], Form(alias="siren")],
) -> Response:
    come_back_to(request, "/administration")
    for siren in sirens:
        if siren not in user.sirens:
            raise NotFound(f"no collectivité {siren}", field="siren", value=siren)
    created = create_user(
        users_of(request),
        intake.services.store,
        login=login,
        name=name,
        role=role,
        sirens=sirens,
        password=password,
        at=intake.services.clock(),
    )
    flash(request, _("User {login} created.", login=created.login))
    return RedirectResponse("/administration", status_code=303)


@router.post("/administration/utilisateurs/{login}/desactiver")
def disable_user(request: Request, intake: IntakeDep, user: Admin, login: str) -> Response:
    come_back_to(request, "/administration")
    users = users_of(request)
    target = users.user_by_login(login)
    if target is None or not target.sirens <= user.sirens:
        raise NotFound(f"no user {login!r}", field="login", value=login)
    users.disable_user(target.login, at=intake.services.clock())
    flash(request, _("User {login} disabled.", login=target.login))
    return RedirectResponse("/administration", status_code=303)


@router.post("/administration/jetons")
def issue(
    request: Request,
    intake: IntakeDep,
    user: Admin,
    name: Annotated[str, Form(max_length=100)],
    sirens: Annotated[list[str], Form(alias="siren")],
) -> Response:
    come_back_to(request, "/administration")
    for siren in sirens:
        if siren not in user.sirens:
            raise NotFound(f"no collectivité {siren}", field="siren", value=siren)
    _id, token = issue_token(intake.services.store, name, sirens, at=intake.services.clock())
    request.session["new_token"] = token  # shown once, on the next page
    return RedirectResponse("/administration", status_code=303)


@router.post("/administration/jetons/{token_id}/revoquer")
def revoke(request: Request, intake: IntakeDep, user: Admin, token_id: int) -> Response:
    come_back_to(request, "/administration")
    store = intake.services.store
    token = next((t for t in store.list_tokens() if t.id == token_id), None)
    if token is None or not token.sirens <= user.sirens:
        raise NotFound(f"no token {token_id}", field="token", value=token_id)
    store.revoke_token(token_id, at=intake.services.clock())
    flash(request, _("Token {id} revoked.", id=token_id))
    return RedirectResponse("/administration", status_code=303)
