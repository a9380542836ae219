"""Documents the platform issues for an acknowledged act: the act bearing the préfecture's
stamp, ready to publish, and the bordereau d'acquittement."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from workflow.errors import Conflict, NotFound, Rejected
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
        pdf = platform.download_file(files[1].id, stamp=True, published_on=published_on)
        if not _bears_stamp(pdf, act.id_acte or ""):
            raise Rejected(
                f"the platform sent act {act.id}'s PDF without the préfecture's stamp "
                f"(no {act.id_acte} on its first page): stamping failed on the platform, "
                "which then sends the unstamped act; try again later",
                field="stamped",
                rule="a stamped act shows its IDActe",
                act_id=act.id,
            )
        return pdf

    def bordereau(self, act_id: int, *, siren: str | None = None) -> bytes:
        """The bordereau d'acquittement (PDF) the platform issues for an acknowledged act."""
        act, platform = self._acknowledged_act(act_id, siren)
        return platform.bordereau(act.platform_ref or "")

    def _acknowledged_act(
        self, act_id: int, siren: str | None
    ) -> tuple[ActRecord, TransmissionPlatform]:
        act = self.ctx.store.get_act(act_id, siren=siren)
        platform = self.ctx.platform_for(act.siren)
        if act.id_acte is None or not act.platform_ref:
            raise Conflict(
                f"act {act.id} has no accusé de réception yet ({act.state.value})",
                field="act",
                rule="an acknowledged act",
                act_id=act.id,
            )
        return act, platform


def _bears_stamp(pdf: bytes, id_acte: str) -> bool:
    """S²LOW's stamp prints the IDActe on the first page (``ActeTamponne``)."""
    try:
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or ""
    except (PdfReadError, IndexError, ValueError, KeyError):
        return False
    return bool(id_acte) and id_acte in "".join(text.split())
