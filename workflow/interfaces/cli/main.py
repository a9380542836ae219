"""Entry point of the ``actes`` console command: imports every command module, runs the group."""

from __future__ import annotations

import importlib
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
    "workflow.interfaces.cli.admin_commands",
    "workflow.interfaces.cli.serve_commands",
    "workflow.interfaces.cli.nomenclature_commands",
    "workflow.interfaces.cli.recovery_commands",
]


def main() -> None:
    for module in _COMMAND_MODULES:
        importlib.import_module(module)
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
