"""Échéances: the open deadlines of the user's acts by date, and each collectivité's .ics."""

from __future__ import annotations

import datetime as dt

from fastapi import Request, Response

from workflow.adapters.ical import deadlines_calendar
from workflow.interfaces.web.queries import deadlines_of, own_siren
from workflow.interfaces.web.render import render
from workflow.interfaces.web.routes import IntakeDep
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import CurrentUser

router = make_router()
HORIZONS = (30, 90, 365)


@router.get("/echeances")
def deadlines_page(
    request: Request, intake: IntakeDep, user: CurrentUser, horizon: int = 90
) -> Response:
    services = intake.services
    horizon = horizon if horizon in HORIZONS else 90
    today = services.paris_today()
    store = services.store
    return render(
        request,
        "deadlines.html",
        rows=deadlines_of(services, user, today, horizon),
        horizon=horizon,
        horizons=HORIZONS,
        today=today,
        collectivites=[store.get_collectivite(s) for s in sorted(user.sirens)],
    )


@router.get("/echeances/{siren}.ics")
def deadlines_ics(request: Request, intake: IntakeDep, user: CurrentUser, siren: str) -> Response:
    services = intake.services
    own_siren(user, siren)
    collectivite = services.store.get_collectivite(siren)
    items = services.law.deadlines(today=services.paris_today(), within_days=3660, siren=siren)
    data = deadlines_calendar(collectivite.name, items, now=dt.datetime.now(dt.UTC))
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="echeances-{siren}.ics"'},
    )
