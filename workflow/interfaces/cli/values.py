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
