"""``actes legal``: a what-if calculator for legal services, with no store needed."""

from __future__ import annotations

import click

from workflow.identifiers import ActNature, Departement
from workflow.interfaces.cli.app import command, emit_json
from workflow.interfaces.cli.values import parse_date
from workflow.legal.deadlines import LegalFacts, Residence, assess

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
    default="metropole",
    show_default=True,
)
@click.option(
    "--not-transmissible", is_flag=True, help="The act is outside L2131-2 (publicity alone, R2)."
)
@click.option("--urbanism", is_flag=True, help="An urbanism authorisation (R26 from 28 Nov 2025).")
@click.option("--renewal-year", is_flag=True, help="Budget of a council-renewal year (R12).")
@click.option("--json", "as_json", is_flag=True)
def legal_command(
    nature: str,
    departement: str,
    no_appeal_mention: bool,
    residence: str,
    not_transmissible: bool,
    urbanism: bool,
    renewal_year: bool,
    as_json: bool,
    **dates: str | None,
) -> None:
    """Executory date and every deadline, each with its rule, source and explanation."""
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
    result = assess(facts)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(result.executory.explanation)
    if result.executory.mention:
        click.echo(f"  « {result.executory.mention} »")
    for d in result.deadlines:
        due = d.due.strftime("%a %d %b %Y") if d.due else "not dated yet"
        flag = "  ⚠ " + (d.note or "") if d.ambiguous else ""
        click.echo(f"\n{d.kind.value:<22} {due:<18} [{d.rule}; {d.source}] {d.status}")
        click.echo(f"  {d.explanation}{flag}")
