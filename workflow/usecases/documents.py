"""Documents the platform issues for an acknowledged act: the act bearing the préfecture's
stamp, ready to publish, and the bordereau d'acquittement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.errors import Conflict, NotFound
from workflow.platform import TransmissionPlatform
from workflow.store import ActRecord
from workflow.usecases.context import Context


@dataclass
class Documents:
    ctx: Context

    def stamped_act(
        self, act_id: int, *, published_on: dt.date | None = None, siren: str | None = None
    ) -> bytes:
        """The act's PDF bearing the préfecture's stamp (IDActe, dates), ready to publish."""
        act, platform = self._acknowledged_act(act_id, siren)
        files = platform.files(act.platform_ref or "")
        if len(files) < 2:
            raise NotFound(
                f"the platform lists no document for act {act.id}", field="act", act_id=act.id
            )
        return platform.download_file(files[1].id, stamp=True, published_on=published_on)

    def bordereau(self, act_id: int, *, siren: str | None = None) -> bytes:
        """The bordereau d'acquittement (PDF) the platform issues for an acknowledged act."""
        act, platform = self._acknowledged_act(act_id, siren)
        return platform.bordereau(act.platform_ref or "")

    def _acknowledged_act(
        self, act_id: int, siren: str | None
    ) -> tuple[ActRecord, TransmissionPlatform]:
        platform = self.ctx.require_platform()
        act = self.ctx.store.get_act(act_id, siren=siren)
        if act.id_acte is None or not act.platform_ref:
            raise Conflict(
                f"act {act.id} has no accusé de réception yet ({act.state.value})",
                field="act",
                rule="an acknowledged act",
                act_id=act.id,
            )
        return act, platform
