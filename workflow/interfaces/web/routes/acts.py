"""Actes: the list (filters, search by IDActe, number or words of the objet, pages, CSV) and
everything about one act on one page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import Request, Response

from workflow.errors import InvalidInput
from workflow.identifiers import ActNature
from workflow.interfaces.web.queries import (
    PAGE_SIZE,
    ActFilter,
    own_act,
    search_acts,
    waits_for_confirmation,
)
from workflow.interfaces.web.render import date_fr, nature_label, render
from workflow.interfaces.web.routes import IntakeDep
from workflow.interfaces.web.routes import router as make_router
from workflow.interfaces.web.security import CurrentUser
from workflow.lifecycle import ActState, state_label
from workflow.usecases.exchanges import ANSWERABLE
from workflow.usecases.law import PUBLICITY_MODES

router = make_router()


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not a date", field=field, rule="YYYY-MM-DD", value=value
        ) from None


def _filter(request: Request) -> ActFilter:
    q = request.query_params
    return ActFilter(
        state=q.get("etat", ""),
        nature=q.get("nature", ""),
        siren=q.get("collectivite", ""),
        start=_day(q.get("du"), "du"),
        end=_day(q.get("au"), "au"),
        text=q.get("q", "")[:200],
    )


@router.get("/actes")
def list_acts(request: Request, intake: IntakeDep, user: CurrentUser, page: int = 1) -> Response:
    services = intake.services
    wanted = _filter(request)
    found = search_acts(services, user, wanted)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "acts.html",
        acts=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        count=len(found),
        page=page,
        pages=pages,
        query=query,
        wanted=wanted,
        states=list(ActState),
        natures=[n.name for n in ActNature],
        collectivites=_collectivites(intake, user.sirens),
    )


def _collectivites(intake: IntakeDep, sirens: frozenset[str]) -> list[Any]:
    store = intake.services.store
    return [store.get_collectivite(s) for s in sorted(sirens)]


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/actes.csv")
def export_acts(request: Request, intake: IntakeDep, user: CurrentUser) -> Response:
    found = search_acts(intake.services, user, _filter(request))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["id", "siren", "numero", "date", "nature", "objet", "etat", "id_acte", "date_reception"]
    )
    for act in found:
        writer.writerow(
            _cell(v)
            for v in (
                act.id,
                act.siren,
                act.numero_printed,
                date_fr(act.act_date),
                nature_label(act.nature),
                act.objet,
                state_label(act.state),
                act.id_acte,
                date_fr(act.date_reception) if act.date_reception else "",
            )
        )
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM tells spreadsheets it is UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="actes.csv"'},
    )


@router.get("/actes/{act_id}")
def act_page(request: Request, intake: IntakeDep, user: CurrentUser, act_id: int) -> Response:
    services = intake.services
    store = services.store
    act = own_act(services, user, act_id)
    exchanges = store.exchanges(act.id)
    transmitted = act.state in (
        ActState.ACKNOWLEDGED,
        ActState.CANCELLATION_REQUESTED,
        ActState.CANCELLED,
    )
    return render(
        request,
        "act.html",
        act=act,
        collectivite=store.get_collectivite(act.siren),
        events=store.events(act.id),
        letters=[e for e in exchanges if e.code != "6-1"],
        answerable=ANSWERABLE,
        publicities=store.publicities(act.id),
        modes=PUBLICITY_MODES,
        assessment=services.law.assess(act.id) if transmitted else None,
        advice=services.law.publicity_advice(act.id) if transmitted else None,
        has_archive=store.latest_package(act.id) is not None,
        has_ar=store.message(act.id, "1-2") is not None,
        acknowledged=act.id_acte is not None and bool(act.platform_ref),
        to_confirm=waits_for_confirmation(act),
        today=services.paris_today(),
    )
