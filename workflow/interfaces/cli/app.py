"""The root ``actes`` command group and the one place where errors become exit codes.

Exit codes: 0 success; 2 invalid input or a refused request (the user must change something;
one line on stderr naming the field, the rule and the value); 3 a transient failure (retry
later); 4 a security check failed; 1 anything unexpected. No traceback for user errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from workflow.errors import (
    ActesError,
    Conflict,
    InvalidInput,
    NotFound,
    Rejected,
    SecurityError,
    TransientError,
)

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USER_ERROR = 2
EXIT_TRANSIENT = 3
EXIT_SECURITY = 4


def exit_code_for(error: ActesError) -> int:
    if isinstance(error, InvalidInput | Conflict | NotFound | Rejected):
        return EXIT_USER_ERROR
    if isinstance(error, TransientError):
        return EXIT_TRANSIENT
    if isinstance(error, SecurityError):
        return EXIT_SECURITY
    return EXIT_UNEXPECTED


def fail(error: ActesError) -> NoReturn:
    """Print the error on one line of stderr and exit with its code."""
    click.echo(f"actes: error: {error.one_line()}", err=True)
    sys.exit(exit_code_for(error))


def emit_json(data: Any) -> None:
    """One JSON object on stdout (the contract of every ``--json`` output)."""
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=False, default=str))


class ActesGroup(click.Group):
    """A click group that maps domain errors and click usage errors to our exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ActesError as error:
            fail(error)


@click.group(cls=ActesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="actes-workflow")
def cli() -> None:
    """Carry a collectivité's acts through the préfecture's legality control (ACTES)."""


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """Register a sub-command on the root group (used by the command modules)."""
    decorator: Callable[[Callable[..., Any]], click.Command] = cli.command(*args, **kwargs)
    return decorator
