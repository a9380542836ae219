"""What comes in from the platform, recorded: accusés de réception (a poll's together, in
batches), and messages that cannot be read (quarantined, their bytes kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from workflow.errors import ActesError, AlreadyExists, Conflict, InvalidInput, TransientError
from workflow.i18n import N_, _
from workflow.lifecycle import ActState
from workflow.platform import StatusReport
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.store import ActRecord, KeptMessage
from workflow.usecases.context import Context

#: the ARs of a poll recorded in one transaction each this many
AR_BATCH = 100


def read_ar(ctx: Context, act: ActRecord, report: StatusReport) -> tuple[m.ARActe, bytes] | None:
    """The act's ARActe and its bytes from the platform's report; None when there is none
    yet, or it cannot be read (then quarantined)."""
    ar = report.message_xml
    if ar is None:
        return None
    try:
        message = xml_in.parse_message(ar, source="ARActe")
    except InvalidInput as error:
        quarantine(ctx, act.id, "ARActe", error, ar)
        return None
    return (message, ar) if isinstance(message, m.ARActe) else None


def record_ars(
    ctx: Context,
    ready: Sequence[tuple[ActRecord, m.ARActe, bytes]],
    renew: Callable[[], object],
) -> list[int | None]:
    """Record ARs, one transaction per ``AR_BATCH`` acts (``renew`` keeps the caller's lease
    between them). Should a batch fail, its acts are recorded one by one, each as it can."""
    done: list[int | None] = []
    for start in range(0, len(ready), AR_BATCH):
        batch = ready[start : start + AR_BATCH]
        renew()
        try:
            with ctx.store.together():
                done += [record_ar(ctx, *item) for item in batch]
        except (AlreadyExists, TransientError):
            for item in batch:
                renew()
                done.append(record_ar(ctx, *item))
    return done


def record_ar(ctx: Context, act: ActRecord, message: m.ARActe, ar: bytes) -> int | None:
    """The AR and the move to ``acknowledged``, in the caller's transaction; None when another
    actor moved the act meanwhile (its move is recorded once, by whoever made it)."""
    try:
        ctx.store.transition(
            act.id,
            ActState.ACKNOWLEDGED,
            actor="prefecture",
            at=ctx.clock(),
            reason=N_(
                "accusé de réception {id_acte} of {day}",
                id_acte=message.id_acte,
                day=message.date_reception,
            ),
            keep=(KeptMessage("in", "1-2", ar),),  # the AR and the move: one transaction
            id_acte=message.id_acte,
            date_reception=message.date_reception,
        )
    except Conflict:
        return None
    return act.id


def quarantine(ctx: Context, act_id: int, what: str, error: ActesError, raw: bytes) -> None:
    """Keep an unreadable inbound message and say so, once (the operators' incidents)."""
    detail = _(
        "{what} cannot be read and is quarantined: {error}", what=what, error=error.one_line()
    )
    if any(i.detail == detail for i in ctx.store.incidents(act_id=act_id)):
        return
    ctx.store.record_incident(
        "inbound_quarantined", detail, at=ctx.clock(), act_id=act_id, payload=raw
    )


def exchange_facts(message: m.Message) -> tuple[dt.date | None, str]:
    """The day a préfecture message was written and what it says, for its exchange record."""
    if isinstance(message, m.DefereTA):
        return message.date_depot, message.nature_illegalite
    if isinstance(message, m.DemandePieceComplementaire):
        return message.date_courrier_pref, message.description_pieces
    if isinstance(message, m.LettreObservations):
        return message.date_courrier_pref, message.motif
    if isinstance(message, m.CourrierSimple):
        return message.date_courrier_pref, ""
    return None, ""
