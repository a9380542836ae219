"""Conversions shared by the CLI commands: option text → values, values → JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path
from typing import Any

from workflow.errors import InvalidInput


def parse_date(text: str, *, field: str) -> dt.date:
    """A ``YYYY-MM-DD`` option value, or an error naming the option."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"--{field} must be a date written YYYY-MM-DD, got {text!r}",
            field=field,
            rule="YYYY-MM-DD",
            value=text,
        ) from exc


def to_jsonable(value: Any) -> Any:
    """Turn frozen values (dataclasses, enums, dates, identifiers) into JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        as_dict = getattr(value, "as_dict", None)
        if callable(as_dict):
            return to_jsonable(as_dict())
        if _is_identifier(value):
            return str(value)
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name if isinstance(value.value, int) else value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [to_jsonable(v) for v in value]
    return value


def _is_identifier(value: Any) -> bool:
    # small validated identifier types print as their protocol form (``8.1``, ``028``…)
    return type(value).__module__ == "workflow.identifiers" and "__str__" in vars(type(value))


def annex_signatures(items: tuple[str, ...], annexes: int) -> tuple[Path | None, ...]:
    """``--annexe-signature N=FILE`` values (N: the annex's rank, from 1) → one entry per
    annex, ``None`` for an annex without signature (the platform's index alignment)."""
    found: list[Path | None] = [None] * annexes
    for item in items:
        rank, sep, name = item.partition("=")
        if not sep or not rank.strip().isdigit() or not name:
            raise InvalidInput(
                f"--annexe-signature takes N=FILE (N the annex's rank, from 1), got {item!r}",
                field="annexe-signature",
                rule="N=FILE",
                value=item,
            )
        index = int(rank) - 1
        if not 0 <= index < annexes or found[index] is not None:
            raise InvalidInput(
                f"--annexe-signature {item}: there is no annex {rank} (of {annexes}), or it "
                "has a signature already",
                field="annexe-signature",
                rule="one signature per annex given with --annexe",
                value=item,
            )
        path = Path(name)
        if not path.is_file():
            raise InvalidInput(
                f"--annexe-signature {item}: no such file",
                field="annexe-signature",
                rule="an existing file",
                value=name,
            )
        found[index] = path
    return tuple(found)
