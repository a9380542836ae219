"""Each collectivité's classification (nomenclature des matières): the préfecture's 7-2, asked
for (7-1), fetched from the platform or imported, and used for the suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.errors import InvalidInput
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.nomenclature import national_classification, recorded_classification
from workflow.usecases.context import Context


@dataclass
class Nomenclature:
    ctx: Context

    def record(self, siren: str, raw: bytes) -> m.RetourClassification:
        """Keep a collectivité's 7-2 classification (validated first) for the suggestions."""
        self.ctx.store.get_collectivite(siren)
        message = xml_in.parse_message(raw)
        if not isinstance(message, m.RetourClassification):
            raise InvalidInput(
                f"expected a 7-2 RetourClassification, got {type(message).__name__}",
                field="nomenclature",
                rule="7-2 message",
            )
        self.ctx.store.save_nomenclature(
            siren, message.date_classification, raw, at=self.ctx.clock()
        )
        return message

    def request(self, siren: str | None = None) -> str:
        """Ask the préfecture for its current classification (7-1); the 7-2 follows. With
        ``siren``, through that collectivité's account (the 7-2 is for the account's)."""
        ctx = self.ctx
        platform = ctx.platform_for(siren) if siren else ctx.require_platform()
        return platform.request_classification()

    def fetch(self, siren: str) -> m.RetourClassification:
        """Ask the platform for the préfecture's current classification and keep it."""
        return self.record(siren, self.ctx.platform_for(siren).fetch_classification())

    def current(self, siren: str | None) -> m.RetourClassification:
        """The collectivité's 7-2 when one was recorded, else the national levels 1–2."""
        raw = self.ctx.store.nomenclature(siren) if siren else None
        if raw is not None:
            message = recorded_classification(raw)
            if message is not None:
                return message
        return national_classification()
