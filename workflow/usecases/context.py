"""What every use case needs: the ports (store, platform, signer, clock) and the settings that
shape packaging and sending. One :class:`Context` is shared by the use cases of a
:class:`~workflow.usecases.Services`, so replacing a port (a test swapping the platform) is
seen by all of them."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from workflow.errors import InvalidInput, NoPlatformAccount
from workflow.numbering import NumberProfile
from workflow.platform import Attempt, PlatformAccount, TransmissionPlatform
from workflow.signing import SignatureVerifier, Signer
from workflow.store import Store

Clock = Callable[[], dt.datetime]
#: builds the HTTP client of one collectivité's account (the platform's URL and CA are shared)
AccountClient = Callable[[PlatformAccount], TransmissionPlatform]
#: the poll cursor of the global account (ACTES_PLATFORM_*): the name it always had
GLOBAL_CURSOR = "platform"
PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class AccountScope:
    """One platform account and the SIRENs whose acts it carries (None: every SIREN, the
    global account of an instance serving one collectivité). Its client is built when first
    used: an account whose files are broken fails alone."""

    cursor: str
    connect: Callable[[], TransmissionPlatform]
    sirens: frozenset[str] | None

    @property
    def platform(self) -> TransmissionPlatform:
        return self.connect()

    def covers(self, siren: str) -> bool:
        return self.sirens is None or siren in self.sirens


@dataclass
class Context:
    store: Store
    outbox: Path
    platform: TransmissionPlatform | None = None
    signer: Signer | None = None
    #: checks the detached signatures given with documents at intake
    verifier: SignatureVerifier | None = None
    clock: Clock = utc_now
    trigramme: str = "SLO"
    profile: NumberProfile = NumberProfile.S2LOW
    actor: str = "service"
    #: "form" (actes_transac_create.php, S²LOW ≥ 6.0) or "archive" (actes_transac_submit.php,
    #: pre-6.0 platforms only), per platform
    submit_mode: str = "form"
    #: the collectivité the global account (ACTES_PLATFORM_*) belongs to (ACTES_PLATFORM_SIREN);
    #: unset, it serves an instance of one collectivité: every SIREN, as long as no
    #: collectivité has an account of its own bound in the store
    platform_siren: str | None = None
    #: builds each bound account's client (None: no platform URL, the accounts cannot be used)
    account_client: AccountClient | None = None
    _clients: dict[PlatformAccount, TransmissionPlatform] = field(
        default_factory=dict, repr=False, compare=False
    )
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def require_platform(self) -> TransmissionPlatform:
        if self.platform is None:
            raise InvalidInput(
                "no transmission platform is configured (ACTES_PLATFORM_URL)", field="platform_url"
            )
        return self.platform

    def platform_for(self, siren: str) -> TransmissionPlatform:
        """The client of the account bound to ``siren``, the only one that may carry its acts:
        S²LOW files an act under the account's collectivité, whatever the act says."""
        account = self.store.platform_account(siren)
        if account is not None and self.account_client is not None:
            return self.account_client_for(account)
        if account is None and self.platform is not None and self._global_serves(siren):
            return self.platform
        if self.platform is None and self.account_client is None:
            return self.require_platform()  # nothing configured at all: say that
        raise NoPlatformAccount(
            f"the collectivité {siren} has no platform account: bind its own "
            f"(actes collectivites platform-account {siren} --cert … --key …)",
            field="siren",
            rule="an act is sent only with its collectivité's platform account",
            value=siren,
        )

    def _global_serves(self, siren: str) -> bool:
        if self.platform_siren is not None:
            return siren == self.platform_siren
        return not self.store.platform_accounts()

    def account_client_for(self, account: PlatformAccount) -> TransmissionPlatform:
        """One client per account (same paths: the same client), built on first use."""
        if self.account_client is None:
            return self.require_platform()
        with self._clients_lock:
            client = self._clients.get(account)
            if client is None:
                for stale in [a for a in self._clients if a.siren == account.siren]:
                    _close(self._clients.pop(stale))  # bound again, to other files
                client = self._clients[account] = self.account_client(account)
            return client

    def account_scopes(self) -> list[AccountScope]:
        """Each account the service uses and the collectivités it serves (polling: an
        account lists only its own transactions)."""
        bound = self.store.platform_accounts()
        scopes = []
        if self.account_client is not None:
            scopes = [
                AccountScope(
                    f"{GLOBAL_CURSOR}:{a.siren}",
                    functools.partial(self.account_client_for, a),
                    frozenset({a.siren}),
                )
                for a in bound
            ]
        if self.platform is not None:
            connect = self.require_platform  # the global account's client
            sirens = {a.siren for a in bound}
            if self.platform_siren is not None and self.platform_siren not in sirens:
                scopes.append(
                    AccountScope(GLOBAL_CURSOR, connect, frozenset({self.platform_siren}))
                )
            elif self.platform_siren is None and not bound:
                scopes.append(AccountScope(GLOBAL_CURSOR, connect, None))
        if not scopes:
            self.require_platform()
        return scopes

    def clients(self) -> list[TransmissionPlatform]:
        """Every platform client built so far (the global one first)."""
        with self._clients_lock:
            built = list(self._clients.values())
        return ([self.platform] if self.platform is not None else []) + built

    def flush_attempts(self, act_id: int | None) -> None:
        """Record the platform calls the adapters made (the audit trail of attempts), in one
        transaction."""
        self.store.record_attempts(act_id, self.take_attempts(), at=self.clock())

    def take_attempts(self) -> tuple[Attempt, ...]:
        """The platform calls the adapters made since last taken, for the caller to record."""
        taken: list[Attempt] = []
        for client in self.clients():
            attempts = getattr(client, "attempts", None)
            if attempts:
                batch = list(attempts)
                del attempts[: len(batch)]  # a call another thread adds meanwhile stays
                taken += batch
        return tuple(taken)

    def paris_today(self) -> dt.date:
        """Today in the legal calendar (Europe/Paris)."""
        return self.clock().astimezone(PARIS).date()


def _close(client: TransmissionPlatform) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        close()
