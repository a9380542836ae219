"""What every router of the simulator shares: S²LOW's reply shapes, the multipart form as
PHP sees it, and the fault injection (5xx, latency, resets, lost replies)."""

from __future__ import annotations

import asyncio
import random

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse

from workflow.adapters.simulator.state import SimulatorState

ACTES = "/modules/actes"

Form = tuple[dict[str, list[str]], dict[str, list[tuple[str, bytes]]]]


def text(body: str, status: int = 200) -> Response:
    """A text reply in ISO-8859-1, as S²LOW prints it."""
    return PlainTextResponse(
        body.encode("iso-8859-1", errors="replace"),
        status_code=status,
        media_type="text/plain; charset=ISO-8859-1",
    )


def ko(message: str) -> Response:
    return text(f"KO\n{message}")


class Reset(Exception):
    """Raised to drop the connection without an answer."""


class FaultInjector:
    """Faults configured through ``/control/faults``, drawn from one seeded generator."""

    def __init__(self, state: SimulatorState, seed: int | None = None) -> None:
        self.state = state
        self.chance = random.Random(seed)  # noqa: S311 - fault injection, not cryptography

    async def before(self) -> Response | None:
        """Latency, then maybe a reset or a 5xx instead of the work."""
        faults = self.state.faults()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.reset_rate and self.chance.random() < faults.reset_rate:
            raise Reset
        if faults.error_rate and self.chance.random() < faults.error_rate:
            return text("Service temporairement indisponible", 503)
        return None

    def reply_lost(self) -> bool:
        """The work is done, and the reply is lost (the dangerous fault)."""
        rate = self.state.faults().lost_reply_rate
        return bool(rate) and self.chance.random() < rate


async def read_form(request: Request) -> Form:
    """A multipart form as S²LOW's PHP sees it: repeated names (``type_pj[]``) kept in order."""
    fields: dict[str, list[str]] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    async with request.form() as form:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value)
            else:
                files.setdefault(name, []).append((value.filename or name, await value.read()))
    return fields, files
