"""What a clerk does about one act: answer a préfecture letter (with the PDF), record its
publicity, ask for its cancellation, send a failed act again, confirm an act the platform
holds in 17. Each asks for a confirmation on
the page, needs the role, and comes back to the act's page with the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from workflow.errors import InvalidInput
from workflow.i18n import _
from workflow.interfaces.web.queries import own_act
from workflow.interfaces.web.render import flash
from workflow.interfaces.web.routes import IntakeDep, come_back_to
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import require
from workflow.users import UserRecord

router = make_router()
log = logging.getLogger(__name__)

Answerer = Annotated[UserRecord, Depends(require("answer"))]
Publisher = Annotated[UserRecord, Depends(require("publish"))]
Agent = Annotated[UserRecord, Depends(require("act"))]


def _back(act_id: int) -> RedirectResponse:
    return RedirectResponse(f"/actes/{act_id}", status_code=303)


@router.post("/actes/{act_id}/courriers/{code}/reponse")
def answer_letter(
    request: Request,
    intake: IntakeDep,
    user: Answerer,
    act_id: int,
    code: str,
    document: Annotated[UploadFile | None, File()] = None,
    refuse: Annotated[str | None, Form()] = None,
) -> Response:
    come_back_to(request, f"/actes/{act_id}")
    services = intake.services
    act = own_act(services, user, act_id)
    with tempfile.TemporaryDirectory(dir=request.app.state.upload_dir) as work:
        path = None
        if document is not None and document.filename:
            path = Path(work) / "reponse.pdf"
            with path.open("wb") as out:
                shutil.copyfileobj(document.file, out, length=1024 * 1024)
            with path.open("rb") as head:
                if head.read(5) != b"%PDF-":
                    raise InvalidInput(
                        _("the answer must be a PDF file"), field="document", rule="PDF"
                    )
        services.exchanges.answer(
            act.id, code, refuse=refuse == "oui", document=path, siren=act.siren
        )
    flash(request, _("Answer sent to the préfecture."))
    return _back(act.id)


@router.post("/actes/{act_id}/publicite")
def record_publicity(
    request: Request,
    intake: IntakeDep,
    user: Publisher,
    act_id: int,
    mode: Annotated[str, Form()],
    day: Annotated[str, Form(alias="date")],
    url: Annotated[str, Form()] = "",
) -> Response:
    come_back_to(request, f"/actes/{act_id}")
    services = intake.services
    act = own_act(services, user, act_id)
    try:
        published = dt.date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(
            _("the date of publicity is not a date: {value}", value=day),
            field="date",
            rule="YYYY-MM-DD",
        ) from None
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput(_("the address must start with https://"), field="url", rule="URL")
    services.law.record_publicity(act.id, mode, published, url or None)
    flash(request, _("Publicity recorded."))
    return _back(act.id)


@router.post("/actes/{act_id}/annulation")
def cancel_act(
    request: Request,
    intake: IntakeDep,
    user: Agent,
    act_id: int,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Response:
    come_back_to(request, f"/actes/{act_id}")
    services = intake.services
    act = own_act(services, user, act_id)
    services.exchanges.cancel(act.id, reason=reason, siren=act.siren)
    flash(request, _("Cancellation requested from the préfecture."))
    return _back(act.id)


@router.post("/actes/{act_id}/relance")
def retry_act(request: Request, intake: IntakeDep, user: Agent, act_id: int) -> Response:
    come_back_to(request, f"/actes/{act_id}")
    services = intake.services
    act = own_act(services, user, act_id)
    services.submission.retry(act.id, actor=f"user:{user.login}")
    enqueue = request.app.state.enqueue
    if enqueue is not None:
        try:
            enqueue(act.id)
        except Exception:  # the sweep finds the act in the store
            log.exception("could not enqueue act %s; the sweep will pick it up", act.id)
    flash(request, _("The act will be sent again."))
    return _back(act.id)


@router.post("/actes/{act_id}/confirmation")
def confirm_act(request: Request, intake: IntakeDep, user: Agent, act_id: int) -> Response:
    """Post an act the platform holds in 17 (a person's step on S²LOW)."""
    come_back_to(request, f"/actes/{act_id}")
    services = intake.services
    act = own_act(services, user, act_id)
    services.platform_access.confirm(act.id, siren=act.siren)
    flash(request, _("Confirmed on the platform: the act will now be transmitted."))
    return _back(act.id)
