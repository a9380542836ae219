"""Brouillons: what was read from the document (and where), the problems; the clerk corrects
the fields and sends — what ``PATCH /api/drafts/{id}`` does, on a page."""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from workflow.errors import NotFound
from workflow.i18n import _
from workflow.identifiers import ActNature
from workflow.intake.metadata import parse_metadata
from workflow.interfaces.web.queries import drafts_of, own_draft
from workflow.interfaces.web.render import flash, render
from workflow.interfaces.web.routes import IntakeDep, come_back_to
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import CurrentUser, Forbidden

router = make_router()
log = logging.getLogger(__name__)

#: the fields a clerk settles on the page (the others come with the document or the API)
FIELDS = ("siren", "numero", "date", "nature", "classification", "objet")


def _labels() -> dict[str, str]:
    return {
        "siren": _("Collectivité (SIREN)"),
        "collectivite": _("Collectivité"),
        "numero": _("Number"),
        "numero_printed": _("Number as printed"),
        "date": _("Date of the decision"),
        "nature": _("Nature"),
        "classification": _("Classification"),
        "classification_date": _("Classification version"),
        "objet": _("Objet"),
    }


@router.get("/brouillons")
def list_drafts(request: Request, intake: IntakeDep, user: CurrentUser) -> Response:
    return render(request, "drafts.html", drafts=drafts_of(intake, user))


@router.get("/brouillons/{draft_id}")
def draft_page(request: Request, intake: IntakeDep, user: CurrentUser, draft_id: int) -> Response:
    draft = own_draft(intake, user, draft_id)
    values = dict(draft.report.get("values", {}))
    if values.get("numero_printed"):
        values["numero"] = values["numero_printed"]
    extraction = draft.report.get("extraction") or {}
    store = intake.services.store
    return render(
        request,
        "draft.html",
        draft=draft,
        values=values,
        sources=draft.report.get("sources", {}),
        found=extraction.get("fields", {}),
        problems=draft.report.get("problems", []),
        fields=FIELDS,
        labels=_labels(),
        natures=[n.name for n in ActNature],
        collectivites=[store.get_collectivite(s) for s in sorted(user.sirens)],
    )


@router.post("/brouillons/{draft_id}")
async def complete_draft(
    request: Request, intake: IntakeDep, user: CurrentUser, draft_id: int
) -> Response:
    come_back_to(request, f"/brouillons/{draft_id}")
    if not user.may("act"):
        raise Forbidden(
            _("your role ({role}) does not allow this action", role=user.role.value),
            field="role",
        )
    own_draft(intake, user, draft_id)
    form = await request.form()
    given = {
        name: str(form[name]).strip()
        for name in FIELDS
        if isinstance(form.get(name), str) and str(form[name]).strip()
    }
    result = intake.complete(user.principal, draft_id, parse_metadata(given, where="form"))
    if result.act is None:
        flash(request, _("Still a draft: some problems remain (see below)."), "error")
        return RedirectResponse(f"/brouillons/{draft_id}", status_code=303)
    enqueue = request.app.state.enqueue
    if result.to_send and enqueue is not None:
        try:
            enqueue(result.act.id)
        except Exception:  # the sweep finds the act in the store
            log.exception("could not enqueue act %s; the sweep will pick it up", result.act.id)
    flash(request, _("The act is recorded and will be sent to the préfecture."))
    return RedirectResponse(f"/actes/{result.act.id}", status_code=303)


@router.post("/brouillons/{draft_id}/abandon")
def discard_draft(
    request: Request, intake: IntakeDep, user: CurrentUser, draft_id: int
) -> Response:
    come_back_to(request, f"/brouillons/{draft_id}")
    if not user.may("act"):
        raise Forbidden(
            _("your role ({role}) does not allow this action", role=user.role.value),
            field="role",
        )
    own_draft(intake, user, draft_id)
    intake.discard(user.principal, draft_id)
    flash(request, _("Draft discarded."))
    return RedirectResponse("/brouillons", status_code=303)


@router.get("/brouillons/{draft_id}/fichiers/{position}")
def draft_file(
    request: Request, intake: IntakeDep, user: CurrentUser, draft_id: int, position: int
) -> Response:
    draft = own_draft(intake, user, draft_id)
    document = next((d for d in draft.documents if d.position == position), None)
    if document is None:
        raise NotFound(f"draft {draft_id} has no document {position}", field="position")
    path = intake.services.store.document_path(document.sha256)
    return FileResponse(path, filename=document.file_name, content_disposition_type="attachment")
