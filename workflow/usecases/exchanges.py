"""The collectivité's side of the exchanges with the préfecture: withdrawing an act (6-1 →
6-2) and answering the préfecture's letters (2-1 → 2-2; 3-1 → 3-3/3-4; 4-1 → 4-3/4-4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import Conflict, InvalidInput, NotFound, Rejected
from workflow.i18n import N_
from workflow.identifiers import ActNature, TypologyCode
from workflow.lifecycle import ActState
from workflow.store import ActRecord, ExchangeRecord
from workflow.usecases.context import PARIS, Context

ANSWERABLE = ("2-1", "3-1", "4-1")


@dataclass
class Exchanges:
    ctx: Context

    def cancel(self, act_id: int, *, reason: str, siren: str | None = None) -> ActRecord:
        """Withdraw an acknowledged act (6-1); the poll records the ARAnnulation (6-2).

        ``cancellation_requested`` is committed before the platform is asked, so a crash in
        between leaves a visible act a second ``cancel`` completes; a platform refusal brings
        the act back to ``acknowledged`` with the platform's message.
        """
        ctx = self.ctx
        act = ctx.store.get_act(act_id, siren=siren)
        platform = ctx.platform_for(act.siren)
        if act.state is ActState.CANCELLED:
            return act
        asked = cancellation_request(ctx, act.id)
        if act.state is ActState.CANCELLATION_REQUESTED and asked is not None:
            return act  # already asked: the poll waits for the ARAnnulation
        now = ctx.clock()
        if act.state is not ActState.CANCELLATION_REQUESTED:
            act = ctx.store.transition(
                act.id, ActState.CANCELLATION_REQUESTED, actor=ctx.actor, reason=reason, at=now
            )
        if not act.platform_ref:
            raise Conflict(f"act {act.id} has no platform transaction", field="act", act_id=act.id)
        try:
            cancellation = platform.cancel(act.platform_ref)
        except Rejected as error:
            ctx.store.transition(
                act.id,
                ActState.ACKNOWLEDGED,
                actor="platform",
                reason=N_("cancellation refused: {detail}", detail=error.message),
                at=ctx.clock(),
            )
            raise
        finally:
            ctx.flush_attempts(act.id)
        day = now.astimezone(PARIS).date()  # the legal calendar's day
        ctx.store.record_exchange(act.id, ExchangeRecord("6-1", day, cancellation, None, reason))
        return ctx.store.get_act(act.id)

    def answer(
        self,
        act_id: int,
        code: str,
        *,
        refuse: bool = False,
        document: Path | None = None,
        attachments: Sequence[tuple[Path, str]] = (),
        siren: str | None = None,
    ) -> ExchangeRecord:
        """Answer the préfecture's last ``code`` message about the act (2-1 → 2-2; 3-1 → 3-4
        with the documents, or 3-3 refusing; 4-1 → 4-4 or 4-3), through the platform. The
        answer's date restarts or ends the deadlines it governs (R17, R18). Answering twice
        sends once."""
        ctx = self.ctx
        if code not in ANSWERABLE:
            raise InvalidInput(
                f"{code} cannot be answered (2-1, 3-1 or 4-1)",
                field="code",
                rule="2-1 / 3-1 / 4-1",
                value=code,
            )
        act = ctx.store.get_act(act_id, siren=siren)
        received = [e for e in ctx.store.exchanges(act.id) if e.code == code]
        if not received:
            raise NotFound(
                f"act {act.id} has no {code} message to answer", field="code", value=code
            )
        exchange = max(received, key=lambda e: e.day)
        if exchange.answered_on is not None:
            return exchange
        if document is None:
            raise InvalidInput(
                "an answer carries a document, a refusal included (the letter that explains "
                "it): S²LOW and the message's schema require one",
                field="document",
                rule="a document in every answer",
            )
        checked = tuple(
            (path, TypologyCode.parse(typology).value) for path, typology in attachments
        )
        platform = ctx.platform_for(act.siren)
        try:
            platform.reply(
                exchange.platform_ref,
                3 if refuse else 4,
                document,
                checked,
                typology=ActNature[act.nature].default_typology.value,
            )
        finally:
            ctx.flush_attempts(act.id)
        ctx.store.answer_exchange(act.id, code, ctx.paris_today())
        return next(
            e for e in ctx.store.exchanges(act.id) if e.platform_ref == exchange.platform_ref
        )


def cancellation_request(ctx: Context, act_id: int) -> ExchangeRecord | None:
    """The 6-1 this service sent for the act, if any (the last one)."""
    asked = [e for e in ctx.store.exchanges(act_id) if e.code == "6-1"]
    return asked[-1] if asked else None
