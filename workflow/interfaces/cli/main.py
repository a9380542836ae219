"""Entry point of the ``actes`` console command: runs the group, whose commands load when used."""

from __future__ import annotations

import sys

import click

from workflow.interfaces.cli.app import EXIT_USER_ERROR, cli

# Each module registers its commands on import. One line per command group.
_COMMAND_MODULES = [
    "workflow.interfaces.cli.protocol_commands",
    "workflow.interfaces.cli.demo_commands",
    "workflow.interfaces.cli.signing_commands",
    "workflow.interfaces.cli.platform_commands",
    "workflow.interfaces.cli.engine_commands",
    "workflow.interfaces.cli.legal_commands",
    "workflow.interfaces.cli.intake_commands",
    "workflow.interfaces.cli.extract_commands",
    "workflow.interfaces.cli.admin_commands",
    "workflow.interfaces.cli.serve_commands",
    "workflow.interfaces.cli.nomenclature_commands",
    "workflow.interfaces.cli.ops_commands",
    "workflow.interfaces.cli.recovery_commands",
    "workflow.interfaces.cli.user_commands",
]

_CLI = "workflow.interfaces.cli."
# Each command: the module that registers it and its one-line help, so that `actes --help`
# imports none of them (tests/integration/test_cli_startup.py checks this table against the
# modules: a new command gets its row here; one without a row runs, but is not listed).
COMMANDS: dict[str, tuple[str, str]] = {
    "alerts": (
        _CLI + "legal_commands",
        "Send the deadline alerts due today and the stuck acts (e-mail / webhook), each once.",
    ),
    "answer": (
        _CLI + "legal_commands",
        "Answer the préfecture (courrier, pièces complémentaires, observations) through the "
        "platform.",
    ),
    "backup": (
        _CLI + "ops_commands",
        "Back the store and its documents up into a new directory (safe while the service runs).",
    ),
    "beat": (
        _CLI + "engine_commands",
        "Run the periodic sweeps (platform polling, unfinished work).",
    ),
    "cancel": (
        _CLI + "engine_commands",
        "Withdraw an acknowledged act (6-1); the next poll records the ARAnnulation (6-2).",
    ),
    "collectivites": (
        _CLI + "admin_commands",
        "The collectivités the service sends for.",
    ),
    "deadlines": (
        _CLI + "legal_commands",
        "Open deadlines of transmitted acts due within the horizon, soonest first.",
    ),
    "demo": (
        _CLI + "demo_commands",
        "Run the main job end to end on the example deliberations (no server needed).",
    ),
    "doctor": (
        _CLI + "ops_commands",
        "Check the configuration and say what is wrong and how to fix it.",
    ),
    "documents": (
        _CLI + "engine_commands",
        "Fetch what the platform issues for an acknowledged act: the stamped PDF, the bordereau.",
    ),
    "draft": (
        _CLI + "intake_commands",
        "Look at, complete or discard one draft.",
    ),
    "drafts": (
        _CLI + "intake_commands",
        "The acts held back at intake, and why.",
    ),
    "explain": (
        _CLI + "legal_commands",
        "Every date of an act and why: executory state and each deadline with its rule and its "
        "status today.",
    ),
    "extract": (
        _CLI + "extract_commands",
        "Show what FILE (PDF or text) says about the act, without storing anything.",
    ),
    "ical": (
        _CLI + "legal_commands",
        "The collectivité's open deadlines as an iCalendar (.ics) feed.",
    ),
    "id": (
        _CLI + "protocol_commands",
        "Work with act identifiers (IDActe).",
    ),
    "incidents": (
        _CLI + "engine_commands",
        "Operational incidents: ambiguous recoveries, quarantined préfecture messages.",
    ),
    "inspect": (
        _CLI + "protocol_commands",
        "Read an ACTES archive or message XML and print it as one JSON object.",
    ),
    "legal": (
        _CLI + "legal_commands",
        "Executory date and every deadline, each with its rule, source, explanation and status "
        "today (open with the days left, passed, ended by an event, or suspended).",
    ),
    "migrate": (
        _CLI + "ops_commands",
        "Bring the store to the latest schema (run once, before the other processes start).",
    ),
    "nomenclature": (
        _CLI + "nomenclature_commands",
        "A collectivité's classification (7-2), which classification suggestions use.",
    ),
    "openapi": (
        _CLI + "serve_commands",
        "Print the REST API's OpenAPI description (JSON).",
    ),
    "package": (
        _CLI + "protocol_commands",
        "Package an act as an ACTES 1-1 archive (tar.gz) and print its path.",
    ),
    "ping-workers": (
        _CLI + "ops_commands",
        "Celery's inspect ping: exit 0 when a worker answered (the workers' healthcheck), 3 if "
        "not.",
    ),
    "pki": (
        _CLI + "signing_commands",
        "Development PKI (TEST material, never for production).",
    ),
    "platform": (
        _CLI + "platform_commands",
        "The platform account: check the certificate, post an act parked in 17.",
    ),
    "platform-status": (
        _CLI + "platform_commands",
        "Read a transaction's status (and the ARActe once acknowledged).",
    ),
    "publish": (
        _CLI + "legal_commands",
        "Record how and when an act was made public (publication, posting, notification).",
    ),
    "restore": (
        _CLI + "ops_commands",
        "Restore a backup into an empty store, then check every table and file against it.",
    ),
    "send": (
        _CLI + "platform_commands",
        "Submit a packaged archive to the platform; print the transaction id.",
    ),
    "serve": (
        _CLI + "serve_commands",
        "Serve the clerks' pages (/) and the REST API (/api; description at /api/openapi.json).",
    ),
    "simulator": (
        _CLI + "platform_commands",
        "Play the tiers de télétransmission and the préfecture (S²LOW's API) on this machine.",
    ),
    "resend": (
        _CLI + "recovery_commands",
        "Correct a rejected or failed act and send it again as a new act that replaces it.",
    ),
    "retry": (
        _CLI + "recovery_commands",
        "Send a failed act again, once the cause of the failure is fixed (by id, IDActe or "
        "number).",
    ),
    "status": (
        _CLI + "engine_commands",
        "Show the acts (or one act, by id, IDActe or number, with its history): state, IDActe, "
        "and for an act that is not moving, why, since when and what to do.",
    ),
    "submit": (
        _CLI + "intake_commands",
        "Submit FILE.pdf (and annexes, and their signatures): read, check, record; send if "
        "nothing needs a person.",
    ),
    "token": (
        _CLI + "admin_commands",
        "API tokens for the deliberation software (one per caller, for its collectivités).",
    ),
    "user": (
        _CLI + "user_commands",
        "People who log in to the clerks' pages (role and collectivités).",
    ),
    "verify": (
        _CLI + "signing_commands",
        "Verify a document's detached CMS signature, or every signature inside an ACTES archive.",
    ),
    "watch": (
        _CLI + "intake_commands",
        "Submit the PDFs an office exports to FOLDER (NAME.json beside a PDF is its metadata, "
        "NAME.pdf.p7s its detached signature).",
    ),
    "worker": (
        _CLI + "engine_commands",
        "Run a Celery worker (packaging, signing, submission, polling).",
    ),
}
cli.lazy_commands(COMMANDS, _COMMAND_MODULES)


def main() -> None:
    try:
        result = cli.main(prog_name="actes", standalone_mode=False)
    except click.UsageError as error:
        # one line, like our own input errors (the contract: exit 2, field + rule on stderr)
        hint = (
            f" (see: actes {error.ctx.command_path.partition(' ')[2]} --help)".replace("  ", " ")
            if error.ctx
            else ""
        )
        click.echo(f"actes: error: {error.format_message()}{hint}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except click.ClickException as error:
        click.echo(f"actes: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("actes: interrupted", err=True)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
