"""Pages from templates: the Jinja2 environment (autoescaped, text through the catalogs), the
French formats (dates as 18/10/2022) and the words for states, natures and roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from workflow import alerts
from workflow.i18n import _
from workflow.interfaces.web.security import csrf_token
from workflow.legal.publicity import mode_label
from workflow.lifecycle import state_label
from workflow.usecases.context import PARIS

TEMPLATES = Path(__file__).with_name("templates")


def date_fr(value: object) -> str:
    if isinstance(value, str) and value:
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(PARIS)
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return "—"


def day_fr(value: dt.date | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(PARIS):%d/%m/%Y}"
    return date_fr(value)


def nature_label(code: str) -> str:
    labels = {
        "DE": _("Deliberation"),
        "AR": _("Regulatory act"),
        "AI": _("Individual act"),
        "CC": _("Contract or agreement"),
        "BF": _("Budget document"),
        "AU": _("Other act"),
    }
    return labels.get(code, code)


def letter_label(code: str) -> str:
    labels = {
        "2-1": _("Letter from the préfecture"),
        "3-1": _("Demande de pièces complémentaires"),
        "4-1": _("Lettre d'observations"),
        "5-1": _("Déféré to the administrative court"),
        "6-1": _("Cancellation request"),
    }
    return labels.get(code, code)


def deadline_label(kind: object) -> str:
    """The deadline's name the digests use too (one name per deadline), as a heading."""
    label = alerts.deadline_label(str(kind))
    return label[:1].upper() + label[1:]


def role_label(role: str) -> str:
    return {"agent": _("agent"), "juriste": _("juriste"), "admin": _("administrator")}.get(
        role, role
    )


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = _
    env.filters.update(
        date_fr=date_fr,
        day_fr=day_fr,
        state_label=state_label,
        nature_label=nature_label,
        letter_label=letter_label,
        role_label=role_label,
        deadline_label=deadline_label,
        mode_label=mode_label,
    )
    return env


ENV = _environment()


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page, with what every page shows: the user, the CSRF token, the flash message."""
    flash = request.session.pop("flash", None)
    html = ENV.get_template(template).render(
        request=request,
        user=getattr(request.state, "user", None),
        csrf=csrf_token(request),
        flash=flash,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def flash(request: Request, message: str, kind: str = "success") -> None:
    request.session["flash"] = {"kind": kind, "message": message}
