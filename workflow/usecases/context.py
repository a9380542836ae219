"""What every use case needs: the ports (store, platform, signer, clock) and the settings that
shape packaging and sending. One :class:`Context` is shared by the use cases of a
:class:`~workflow.usecases.Services`, so replacing a port (a test swapping the platform) is
seen by all of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from workflow.errors import InvalidInput
from workflow.numbering import NumberProfile
from workflow.platform import TransmissionPlatform
from workflow.signing import Signer
from workflow.store import Store

Clock = Callable[[], dt.datetime]
PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Context:
    store: Store
    outbox: Path
    platform: TransmissionPlatform | None = None
    signer: Signer | None = None
    clock: Clock = utc_now
    trigramme: str = "SLO"
    profile: NumberProfile = NumberProfile.S2LOW
    actor: str = "service"
    #: "form" (actes_transac_create.php, S²LOW ≥ 6.0) or "archive" (actes_transac_submit.php,
    #: pre-6.0 platforms only), per platform
    submit_mode: str = "form"

    def require_platform(self) -> TransmissionPlatform:
        if self.platform is None:
            raise InvalidInput(
                "no transmission platform is configured (ACTES_PLATFORM_URL)", field="platform_url"
            )
        return self.platform

    def flush_attempts(self, act_id: int | None) -> None:
        """Record the platform calls the adapter made (the audit trail of attempts)."""
        attempts = getattr(self.platform, "attempts", None)
        if not attempts:
            return
        taken = list(attempts)
        del attempts[: len(taken)]  # a call another thread adds meanwhile stays for later
        self.store.record_attempts(act_id, taken, at=self.clock())

    def paris_today(self) -> dt.date:
        """Today in the legal calendar (Europe/Paris)."""
        return self.clock().astimezone(PARIS).date()
