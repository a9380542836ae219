"""Tableau de bord: what needs someone today."""

from __future__ import annotations

from fastapi import Request, Response

from workflow.interfaces.web.queries import AR_WORKING_DAYS, dashboard
from workflow.interfaces.web.render import render
from workflow.interfaces.web.routes import IntakeDep
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import CurrentUser

router = make_router()


@router.get("/")
def home(request: Request, intake: IntakeDep, user: CurrentUser) -> Response:
    services = intake.services
    today = services.paris_today()
    return render(
        request,
        "dashboard.html",
        board=dashboard(services, intake, user, today),
        today=today,
        ar_working_days=AR_WORKING_DAYS,
    )
