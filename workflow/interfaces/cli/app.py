"""The root ``actes`` command group and the one place where errors become exit codes.

Exit codes: 0 success; 2 invalid input or a refused request (the user must change something;
one line on stderr naming the field, the rule and the value); 3 a transient failure (retry
later); 4 a security check failed; 1 anything unexpected. No traceback for user errors.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping
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
    """A click group that maps domain errors and click usage errors to our exit codes.

    Its commands load when they run: :meth:`lazy_commands` says which module registers each
    command and gives its one-line help, so that ``actes --help`` lists every command without
    importing one (each imports what it uses: SQLAlchemy, Celery, FastAPI, fpdf2…). A name
    missing from that table still runs: every command module is imported to find it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy: dict[str, tuple[str, str]] = {}
        self._modules: tuple[str, ...] = ()

    def lazy_commands(self, table: Mapping[str, tuple[str, str]], modules: Iterable[str]) -> None:
        """``table``: command name → (module registering it, one-line help); ``modules``:
        every command module (for a name the table does not know)."""
        self._lazy.update(table)
        self._modules = tuple(modules)

    def load_all(self) -> None:
        for module in self._modules:
            importlib.import_module(module)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in self._lazy:
                importlib.import_module(self._lazy[cmd_name][0])
            else:
                self.load_all()
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None and loaded.hidden:
                continue
            # an unloaded command: a stand-in with its help says it as click would
            shown = loaded or click.Command(name, help=self._lazy[name][1])
            rows.append((name, shown.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
