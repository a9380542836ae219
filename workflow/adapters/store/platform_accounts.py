"""The store: each collectivité's platform account (paths to its certificate, key and
password file, and its login; never the secrets themselves)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from workflow.adapters.store.base import StoreBase
from workflow.adapters.store.models import CollectiviteRow, PlatformAccountRow
from workflow.adapters.store.statements import ACCOUNT_OF, ALL_ACCOUNTS, core
from workflow.errors import NotFound
from workflow.platform import PlatformAccount


class PlatformAccountsStore(StoreBase):
    def bind_platform_account(self, account: PlatformAccount, *, at: dt.datetime) -> None:
        with self._session() as session:
            if session.get(CollectiviteRow, account.siren) is None:
                raise NotFound(
                    f"no collectivité with SIREN {account.siren}",
                    field="siren",
                    value=account.siren,
                )
            row = session.get(PlatformAccountRow, account.siren) or PlatformAccountRow(
                siren=account.siren
            )
            row.cert = str(account.cert) if account.cert else None
            row.key = str(account.key) if account.key else None
            row.login = account.login
            row.password_file = str(account.password_file) if account.password_file else None
            row.bound_at = at
            session.add(row)

    def unbind_platform_account(self, siren: str) -> bool:
        with self._session() as session:
            row = session.get(PlatformAccountRow, siren)
            if row is None:
                return False
            session.delete(row)
            return True

    def platform_account(self, siren: str) -> PlatformAccount | None:
        with self._session() as session:  # every sending asks: in Core
            row = core(session).execute(ACCOUNT_OF, {"siren": siren}).first()
            return _account(row) if row is not None else None

    def platform_accounts(self) -> list[PlatformAccount]:
        with self._session() as session:
            return [_account(r) for r in core(session).execute(ALL_ACCOUNTS)]


def _account(row: Any) -> PlatformAccount:
    return PlatformAccount(
        siren=row.siren,
        cert=Path(row.cert) if row.cert else None,
        key=Path(row.key) if row.key else None,
        login=row.login,
        password_file=Path(row.password_file) if row.password_file else None,
    )
