"""The files of one act: the act and its annexes, the signed archive, the AR, the bordereau,
the stamped PDF, the préfecture's letters. Each checks the act is the user's first (404)."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import FileResponse

from workflow.errors import NotFound
from workflow.interfaces.web.queries import own_act
from workflow.interfaces.web.routes import IntakeDep
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import CurrentUser

router = make_router()
_PDF = "application/pdf"


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/actes/{act_id}/fichiers/{position}")
def act_file(
    request: Request, intake: IntakeDep, user: CurrentUser, act_id: int, position: int
) -> Response:
    act = own_act(intake.services, user, act_id)
    document = next((d for d in act.documents if d.position == position), None)
    if document is None:
        raise NotFound(f"act {act_id} has no document {position}", field="position")
    path = intake.services.store.document_path(document.sha256)
    return FileResponse(path, filename=document.file_name, content_disposition_type="attachment")


@router.get("/actes/{act_id}/archive")
def act_archive(request: Request, intake: IntakeDep, user: CurrentUser, act_id: int) -> Response:
    act = own_act(intake.services, user, act_id)
    path = intake.services.store.latest_package(act.id)
    if path is None or not path.exists():
        raise NotFound(f"act {act_id} has no archive yet", field="archive")
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


@router.get("/actes/{act_id}/ar")
def act_ar(request: Request, intake: IntakeDep, user: CurrentUser, act_id: int) -> Response:
    act = own_act(intake.services, user, act_id)
    raw = intake.services.store.message(act.id, "1-2")
    if raw is None:
        raise NotFound(f"act {act_id} has no accusé de réception", field="ar")
    return _attachment(raw, f"AR-{act.id_acte or act.id}.xml", "application/xml")


@router.get("/actes/{act_id}/bordereau")
def act_bordereau(request: Request, intake: IntakeDep, user: CurrentUser, act_id: int) -> Response:
    act = own_act(intake.services, user, act_id)
    data = intake.services.documents.bordereau(act.id, siren=act.siren)
    return _attachment(data, f"bordereau-{act.id_acte}.pdf", _PDF)


@router.get("/actes/{act_id}/tamponne")
def act_stamped(request: Request, intake: IntakeDep, user: CurrentUser, act_id: int) -> Response:
    services = intake.services
    act = own_act(services, user, act_id)
    published = [p.day for p in services.store.publicities(act.id) if p.mode != "notification"]
    data = services.documents.stamped_act(
        act.id, published_on=min(published) if published else None, siren=act.siren
    )
    return _attachment(data, f"{act.id_acte}-tamponne.pdf", _PDF)


@router.get("/actes/{act_id}/courriers/{code}")
def act_letter(
    request: Request, intake: IntakeDep, user: CurrentUser, act_id: int, code: str
) -> Response:
    act = own_act(intake.services, user, act_id)
    raw = (
        intake.services.store.message(act.id, code)
        if code in ("2-1", "3-1", "4-1", "5-1")
        else None
    )
    if raw is None:
        raise NotFound(f"act {act_id} has no {code} letter", field="code", value=code)
    return _attachment(raw, f"courrier-{code}-{act.id_acte}.xml", "application/xml")
