"""``actes legal``: a what-if calculator for legal services, with no store needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from workflow.adapters.ical import deadlines_calendar
from workflow.adapters.wiring import build_notifiers, build_services
from workflow.alerts import deadline_label
from workflow.errors import InvalidInput
from workflow.i18n import _, long_date
from workflow.identifiers import ActNature, Departement, ascii_digits
from workflow.interfaces.cli.app import command, emit_json
from workflow.interfaces.cli.engine_commands import data_dir_option, settings_for, store_settings
from workflow.interfaces.cli.values import parse_date
from workflow.legal.deadlines import ALIASES, LegalAssessment, LegalFacts, Residence, assess
from workflow.legal.publicity import PublicityAdvice, expected_publicity, mode_label
from workflow.usecases import Services
from workflow.usecases.context import PARIS
from workflow.usecases.law import PUBLICITY_MODES

_RESIDENCE_HELP = (
    "Where the appellant lives, relative to the court of the act's territory (CJA R421-7, "
    "LEGAL.md R27): same-territory (no extension), other-territory (+1 month: mainland and "
    "overseas, or two overseas territories), abroad (+2 months). Older values: "
    + "; ".join(f"{alias.value} = {meaning}" for alias, meaning in ALIASES.items())
    + "."
)
_TODAY_HELP = "Give each deadline's status on this day (YYYY-MM-DD); default today in Paris."

_DATES = (
    "signed",
    "reception",
    "publication",
    "notification",
    "dpc",
    "dpc_answer",
    "observations",
    "observations_answer",
    "gracieux",
    "gracieux_answer",
    "defere",
)


@command("legal")
@click.option("--nature", required=True, help="DE, AR, AI, CC, BF or AU.")
@click.option("--departement", required=True, help="Département code (holidays depend on it).")
@click.option(
    "--signed", help="Signature date (transmission deadline of individual acts and contracts)."
)
@click.option("--reception", help="Receipt by the préfecture (ARActe DateReception).")
@click.option("--publication", help="Publication or first day of posting.")
@click.option("--notification", help="Notification to the person concerned.")
@click.option(
    "--no-appeal-mention",
    is_flag=True,
    help="The notification did not state the appeal routes (Czabaj).",
)
@click.option("--dpc", help="Demande de pièces complémentaires sent by the préfet.")
@click.option("--dpc-answer", help="Documents received by the préfet, or refusal.")
@click.option("--observations", help="Lettre d'observations received.")
@click.option("--observations-answer", help="The commune's answer to the observations.")
@click.option("--gracieux", help="A third party's recours gracieux, filed.")
@click.option("--gracieux-answer", help="Answer to the recours gracieux.")
@click.option("--defere", help="Déféré filed by the préfet (5-1).")
@click.option(
    "--residence",
    type=click.Choice([r.value for r in Residence]),
    default=Residence.SAME_TERRITORY.value,
    show_default=True,
    help=_RESIDENCE_HELP,
)
@click.option(
    "--not-transmissible", is_flag=True, help="The act is outside L2131-2 (publicity alone, R2)."
)
@click.option("--urbanism", is_flag=True, help="An urbanism authorisation (R26 from 28 Nov 2025).")
@click.option("--renewal-year", is_flag=True, help="Budget of a council-renewal year (R12).")
@click.option("--population", type=int, help="The commune's population (publicity mode, R5–R6).")
@click.option(
    "--mode",
    type=click.Choice(["electronic", "posting", "paper", "notification"]),
    help="Publicity mode used or chosen by the council.",
)
@click.option("--today", help=_TODAY_HELP)
@click.option("--json", "as_json", is_flag=True)
def legal_command(
    nature: str,
    departement: str,
    no_appeal_mention: bool,
    residence: str,
    not_transmissible: bool,
    urbanism: bool,
    renewal_year: bool,
    population: int | None,
    mode: str | None,
    today: str | None,
    as_json: bool,
    **dates: str | None,
) -> None:
    """Executory date and every deadline, each with its rule, source, explanation and status
    today (open with the days left, passed, ended by an event, or suspended)."""
    parsed = {
        key: parse_date(value, field=key.replace("_", "-")) for key, value in dates.items() if value
    }
    facts = LegalFacts(
        nature=ActNature.parse(nature),
        departement=Departement.parse(departement),
        notification_mentions_routes=not no_appeal_mention,
        residence=Residence(residence),
        must_transmit=not not_transmissible,
        urbanism_decision=urbanism,
        renewal_year=renewal_year,
        **parsed,
    )
    result = assess(facts, today=_today(today))
    on = facts.publication or facts.notification or facts.reception or dt.date.today()
    advice = expected_publicity(
        facts.nature, population=population, chosen_mode=mode, on=on, recorded=mode
    )
    if as_json:
        emit_json(
            {
                **result.as_dict(),
                "publicity": {
                    "expected": list(advice.expected),
                    "rule": advice.rule,
                    "explanation": advice.explanation,
                    "ok": advice.ok,
                },
            }
        )
        return
    _print(result)
    click.echo(_publicity_line(advice))
    click.echo(f"  {advice.explanation}")


def _today(given: str | None) -> dt.date:
    return parse_date(given, field="today") if given else dt.datetime.now(PARIS).date()


def _services(data_dir: Path) -> Services:
    return build_services(store_settings(data_dir), actor="clerk")


@command("publish")
@click.argument("act", type=int)
@click.option("--date", "day", required=True, help="Day the act was made public (YYYY-MM-DD).")
@click.option(
    "--mode", type=click.Choice(list(PUBLICITY_MODES)), default="electronic", show_default=True
)
@click.option("--url", help="Where it is published online (electronic publication, R7).")
@data_dir_option
def publish_command(act: int, day: str, mode: str, url: str | None, data_dir: Path) -> None:
    """Record how and when an act was made public (publication, posting, notification)."""
    _services(data_dir).law.record_publicity(act, mode, parse_date(day, field="date"), url)
    click.echo(f"act {act}: {mode} on {day} recorded")


@command("explain")
@click.argument("act", type=int)
@data_dir_option
@click.option("--today", help=_TODAY_HELP.replace("default today", "default the clock's day"))
@click.option("--json", "as_json", is_flag=True)
def explain_command(act: int, data_dir: Path, today: str | None, as_json: bool) -> None:
    """Every date of an act and why: executory state and each deadline with its rule and
    its status today."""
    services = _services(data_dir)
    record = services.store.get_act(act)
    result = services.law.assess(act, today=parse_date(today, field="today") if today else None)
    advice = services.law.publicity_advice(act)
    publicity = {
        "expected": list(advice.expected),
        "rule": advice.rule,
        "explanation": advice.explanation,
        "ok": advice.ok,
    }
    if as_json:
        emit_json({"act": record.as_dict(), **result.as_dict(), "publicity": publicity})
        return
    click.echo(
        f"act {record.id} ({record.numero}) {record.state.value}  IDActe {record.id_acte or '-'}"
    )
    _print(result)
    verdict = {
        True: _("the recorded publicity fits"),
        False: "⚠ " + _("the recorded publicity does not fit"),
        None: _("no publicity recorded yet"),
    }[advice.ok]
    click.echo(f"{_publicity_line(advice)} {verdict}")
    click.echo(f"  {advice.explanation}")


def _publicity_line(advice: PublicityAdvice) -> str:
    modes = _(" or ").join(mode_label(m) for m in advice.expected)
    return "\n" + _("Publicity expected: {modes} [{rule}]", modes=modes, rule=advice.rule)


@command("deadlines")
@click.option("--collectivite", "siren", help="Only this collectivité (SIREN).")
@click.option("--within", default="30d", show_default=True, help="Horizon, e.g. 30d.")
@data_dir_option
@click.option("--today", help="Count from this day (YYYY-MM-DD); default today in Paris.")
@click.option("--json", "as_json", is_flag=True)
def deadlines_command(
    siren: str | None, within: str, data_dir: Path, today: str | None, as_json: bool
) -> None:
    """Open deadlines of transmitted acts due within the horizon, soonest first."""
    if not ascii_digits(within.rstrip("d")):
        raise InvalidInput(
            f"--within must be a number of days such as 30d, got {within!r}",
            field="within",
            rule="Nd",
            value=within,
        )
    found = _services(data_dir).law.deadlines(
        today=_today(today), within_days=int(within.rstrip("d")), siren=siren
    )
    if as_json:
        emit_json(
            {
                "deadlines": [
                    {"act": act.id, "numero": act.numero, "id_acte": act.id_acte, **d.as_dict()}
                    for act, d in found
                ]
            }
        )
        return
    if not found:
        click.echo(_("no deadline due within {days} days", days=int(within.rstrip("d"))))
        return
    for act, d in found:
        click.echo(
            f"{d.due} {_heading(d.kind.value)} — {d.status_text} — "
            + _("act {id} {reference}", id=act.id, reference=act.id_acte or act.numero)
            + f" : {d.explanation}"
        )


def _print(result: LegalAssessment) -> None:
    click.echo(result.executory.explanation)
    if result.executory.mention:
        click.echo(f"  « {result.executory.mention} »")
    for d in result.deadlines:
        due = long_date(d.due) if d.due else _("not dated yet")
        flag = "  ⚠ " + (d.note or "") if d.ambiguous else ""
        click.echo(f"\n{_heading(d.kind.value)} — {due} — {d.status_text}  [{d.rule}; {d.source}]")
        click.echo(f"  {d.explanation}{flag}")


def _heading(kind: str) -> str:
    """The deadline's name the pages and the digests use (never its stable code)."""
    label = deadline_label(kind)
    return label[:1].upper() + label[1:]


@command("alerts")
@data_dir_option
@click.option("--today", help="Pretend today is this day (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True)
def alerts_command(data_dir: Path, today: str | None, as_json: bool) -> None:
    """Send the deadline alerts due today and the stuck acts (e-mail / webhook), each once."""
    settings = settings_for(data_dir)
    notifiers = build_notifiers(settings)
    if not notifiers:
        raise InvalidInput(
            "no alert channel: set ACTES_SMTP_HOST and/or ACTES_WEBHOOK_URL",
            field="smtp_host",
            rule="a channel",
        )
    from workflow.adapters.operator_channel import sweep_operator_alerts

    day = _today(today)
    services = _services(data_dir)
    digests = services.alerts.send_alerts(
        today=day,
        notifiers=notifiers,
        horizons=settings.horizons,
        stuck_after=dt.timedelta(seconds=settings.stuck_after_seconds),
    )
    operators = sweep_operator_alerts(services, settings)
    if as_json:
        emit_json(
            {
                "sent": [d.as_dict() for d in digests],
                "operators": operators.as_dict() if operators else None,
            }
        )
        return
    click.echo(f"{len(digests)} digest(s) sent" + (", 1 to the operators" if operators else ""))


@command("ical")
@click.option("--collectivite", "siren", required=True, help="SIREN of the collectivité.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: stdout).",
)
@data_dir_option
def ical_command(siren: str, out: Path | None, data_dir: Path) -> None:
    """The collectivité's open deadlines as an iCalendar (.ics) feed."""
    services = _services(data_dir)
    collectivite = services.store.get_collectivite(siren)
    items = services.law.deadlines(today=_today(None), within_days=3660, siren=siren)
    data = deadlines_calendar(collectivite.name, items, now=dt.datetime.now(dt.UTC))
    if out:
        out.write_bytes(data)
    else:
        click.echo(data.decode("utf-8"), nl=False)


@command("answer")
@click.argument("act", type=int)
@click.option(
    "--to",
    "code",
    required=True,
    type=click.Choice(["2-1", "3-1", "4-1"]),
    help="The préfecture's message answered.",
)
@click.option("--refuse", is_flag=True, help="Refuse (3-3, 4-3) instead of sending.")
@click.option(
    "--document",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The answer (PDF).",
)
@click.option(
    "--annexe",
    "annexes",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
)
@click.option("--typologie", "typologies", multiple=True, help="One typology per --annexe.")
@data_dir_option
@click.option("--json", "as_json", is_flag=True)
def answer_command(
    act: int,
    code: str,
    refuse: bool,
    document: Path | None,
    annexes: tuple[Path, ...],
    typologies: tuple[str, ...],
    data_dir: Path,
    as_json: bool,
) -> None:
    """Answer the préfecture (courrier, pièces complémentaires, observations) through the platform."""
    if len(typologies) != len(annexes):
        raise InvalidInput(
            "give one --typologie per --annexe", field="typologie", rule="one per annexe"
        )
    exchange = _services(data_dir).exchanges.answer(
        act,
        code,
        refuse=refuse,
        document=document,
        attachments=tuple(zip(annexes, typologies, strict=True)),
    )
    if as_json:
        emit_json(
            {
                "act": act,
                "code": exchange.code,
                "platform_ref": exchange.platform_ref,
                "answered_on": str(exchange.answered_on),
            }
        )
        return
    click.echo(f"act {act}: {code} of {exchange.day} answered on {exchange.answered_on}")
