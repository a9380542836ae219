"""The platform account, as a person sees it: is the certificate the collectivité's
(``info-connexion``, ``test-connexion``), and moving on an act the platform parked in 17
(``actes_transac_post_confirm_api.php``, a person's step that needs the ``TT`` right and an
RGS certificate)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from workflow.errors import Conflict
from workflow.lifecycle import AT_PLATFORM
from workflow.platform import PlatformStatus, TransmissionPlatform
from workflow.store import ActRecord
from workflow.usecases.context import Context


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.replace("-", " ").split())


@dataclass
class PlatformAccess:
    ctx: Context

    def confirm(self, act_id: int, *, siren: str | None = None) -> ActRecord:
        """Post an act the platform holds in 17 « En attente d'être postée » (17 → 1)."""
        ctx = self.ctx
        act = ctx.store.get_act(act_id, siren=siren)
        platform = ctx.platform_for(act.siren)
        if act.state not in AT_PLATFORM or not act.platform_ref:
            raise Conflict(
                f"act {act.id} is not at the platform ({act.state.value})",
                field="act",
                rule="an act the platform holds",
                act_id=act.id,
            )
        try:
            status = platform.get_status(act.platform_ref).status
            if status is not PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE:
                raise Conflict(
                    f"act {act.id} is in platform status {int(status)} {status.name}, not 17",
                    field="act",
                    rule="status 17 « En attente d'être postée »",
                    act_id=act.id,
                )
            platform.confirm(act.platform_ref)
        finally:
            ctx.flush_attempts(act.id)
        ctx.store.set_error(act.id, "")
        ctx.store.set_problem(act.id, None)  # confirmed: it moves on by itself again
        return ctx.store.get_act(act.id)

    def check(self, siren: str | None = None) -> dict[str, Any]:
        """``test-connexion`` and ``info-connexion``: which account and collectivité the
        certificate opens, and whether that is the collectivité ``siren`` (by name and
        département: S²LOW's ``info-connexion`` prints no SIREN). With ``siren``, the account
        bound to it is checked; without, the global account."""
        ctx = self.ctx
        platform = ctx.platform_for(siren) if siren else ctx.require_platform()
        return self._check(platform, siren)

    def check_all(self) -> list[dict[str, Any]]:
        """Every account the service uses, each against the collectivité it is bound to (the
        global account of a one-collectivité instance: against that one, when the store has
        exactly one)."""
        ctx = self.ctx
        results = []
        for scope in ctx.account_scopes():
            if scope.sirens is None:
                known = ctx.store.list_collectivites()
                siren = known[0].siren.value if len(known) == 1 else None
            else:
                siren = next(iter(scope.sirens))
            result = self._check(scope.platform, siren)
            results.append({"siren": siren, **result})
        return results

    def _check(self, platform: TransmissionPlatform, siren: str | None) -> dict[str, Any]:
        ctx = self.ctx
        try:
            reachable = platform.test_connection()
            info = platform.connection_info()
        finally:
            ctx.flush_attempts(None)
        result: dict[str, Any] = {
            "test_connexion": reachable,
            "login": info.login,
            "authority": info.authority_name,
            "department": info.department,
        }
        if siren is not None:
            collectivite = ctx.store.get_collectivite(siren)
            same_name = _plain(collectivite.name) == _plain(info.authority_name)
            department = result["department"].lstrip("0")
            same_department = department == str(collectivite.departement).lstrip("0")
            result["collectivite"] = collectivite.name
            result["matches"] = bool(
                (info.siren == siren) if info.siren else (same_name and same_department)
            )
        return result
