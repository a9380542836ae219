"""What ``/ready`` and ``actes doctor`` check, composed from the probes of
:mod:`workflow.adapters.health` (the broker's probe comes from the Celery side)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from workflow.adapters.account_checks import (
    probe_account_files,
    probe_unbound,
    sirens_with_acts,
)
from workflow.adapters.health import (
    probe_alert_channels,
    probe_nomenclatures,
    probe_signer,
    probe_store,
    safe_url,
)
from workflow.adapters.operator_channel import operator_findings
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.platform_probe import probe_platform
from workflow.adapters.store.engine import make_engine
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.wiring import build_account_platform, build_platform
from workflow.errors import ActesError, NoPlatformAccount
from workflow.ops.findings import Finding, Severity, ok
from workflow.platform import PlatformAccount
from workflow.settings import Settings
from workflow.usecases import Services

BrokerProbe = Callable[[], Finding]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def readiness(
    settings: Settings, broker: BrokerProbe, *, now: Callable[[], dt.datetime] = _now
) -> list[Finding]:
    """Can this instance do its work now: store migrated and reachable, broker reachable,
    signing certificate readable and valid, platform reachable."""
    store = probe_store(settings.database)
    usable = all(f.severity is Severity.OK for f in store)
    accounts = bound_accounts(settings) if usable else []
    found = [
        *store,
        broker(),
        *probe_signer(settings, now()),
        *probe_platform(settings, now, accounts=accounts),
    ]
    if usable:
        found.append(probe_operator_alerts(settings))
    return found


def bound_accounts(settings: Settings) -> list[PlatformAccount]:
    """The platform accounts bound to the store's collectivités, read only when the probe
    needs one: a platform configured without a global client certificate. A store that
    fails here was just found usable: the probe then goes without (and says so)."""
    if not settings.platform_url or settings.platform_cert:
        return []
    engine = make_engine(settings.database)
    try:
        return SqlStore(engine, settings.files_dir).platform_accounts()
    except (ActesError, SQLAlchemyError):
        return []
    finally:
        engine.dispose()


def probe_operator_alerts(settings: Settings) -> Finding:
    """``operators.alerts``: a warning while operational alerts are open (``/ready`` shows
    its severity only; ``actes doctor`` and ``actes incidents`` say which)."""
    engine = make_engine(settings.database)
    try:
        count = len(SqlStore(engine, settings.files_dir).operator_alerts())
    finally:
        engine.dispose()
    if count:
        return Finding(
            "operators.alerts",
            Severity.WARNING,
            f"{count} operational alert(s) open",
            "actes doctor says which and how to fix them",
        )
    return ok("operators.alerts", "no operational alert open")


def doctor(
    settings: Settings, broker: BrokerProbe, *, now: Callable[[], dt.datetime] = _now
) -> list[Finding]:
    """Everything an operator should know is wrong, each with its fix."""
    found = probe_store(settings.database)
    store_usable = all(f.severity is Severity.OK for f in found)
    found.append(broker())
    found.extend(probe_signer(settings, now()))
    accounts = bound_accounts(settings) if store_usable else []
    found.extend(probe_platform(settings, now, clock=True, accounts=accounts))
    if store_usable:
        engine = make_engine(settings.database)
        try:
            found.extend(
                probe_nomenclatures(engine, now(), max_age_days=settings.nomenclature_max_age_days)
            )
            found.extend(_probe_accounts(settings, engine, now()))
            if all(f.ok for f in found if f.check.startswith("platform.")):
                found.extend(probe_identity(settings, engine))
            store = SqlStore(engine, settings.files_dir)
            found.extend(operator_findings(Services(store=store, outbox=settings.outbox), settings))
        finally:
            engine.dispose()
    else:
        found.append(operator_findings(None, settings)[0])
    found.extend(probe_alert_channels(settings))
    return found


# --------------------------------------------------------------------------- the account


def probe_identity(settings: Settings, engine: Engine) -> list[Finding]:
    """``info-connexion``: the account the platform certificate opens is the collectivité's
    (PROTOCOL.md §6.6, "Authentication"), for each collectivité of the store."""
    platform = build_platform(settings)
    if platform is None:
        return []
    where = safe_url(settings.platform_url or "")
    services = _services(settings, engine, platform)
    found: list[Finding] = []
    try:
        for collectivite in services.store.list_collectivites():
            siren = collectivite.siren.value
            try:
                result = services.platform_access.check(siren)  # with its own account
            except NoPlatformAccount:
                continue  # no account may carry its acts: _probe_accounts says so
            if "matches" not in result:
                continue
            if result.get("matches"):
                found.append(
                    ok("platform.identity", f"the account is {result['authority']}", subject=siren)
                )
            else:
                found.append(_not_this_account(siren, collectivite.name, result, where))
    except ActesError as error:
        return [
            Finding(
                "platform.identity",
                Severity.TRANSIENT if error.code == "transient" else Severity.INVALID,
                f"info-connexion failed: {error.one_line()}",
                "check the platform account and its certificate (actes platform check)",
                where,
            )
        ]
    finally:
        services.close()
    if found and all(f.severity is not Severity.OK for f in found):
        found = [replace(f, severity=Severity.INVALID) for f in found]
    return found


def _services(settings: Settings, engine: Engine, platform: HttpPlatform | None) -> Services:
    return Services(
        store=SqlStore(engine, settings.files_dir),
        outbox=settings.outbox,
        platform=platform,
        platform_siren=settings.platform_siren,
        account_client=(
            functools.partial(build_account_platform, settings) if settings.platform_url else None
        ),
    )


def _probe_accounts(settings: Settings, engine: Engine, now: dt.datetime) -> list[Finding]:
    """The accounts bound per collectivité (files, certificate expiry), and the collectivités
    with acts no account may carry."""
    store = SqlStore(engine, settings.files_dir)
    found = probe_account_files(store.platform_accounts(), now)
    if settings.platform_url:
        try:
            platform = build_platform(settings)
        except ActesError:
            return found  # the global account's files are broken: probe_platform says so
        services = _services(settings, engine, platform)
        try:
            found.extend(probe_unbound(services, sirens_with_acts(engine)))
        finally:
            services.close()
    return found


def _not_this_account(siren: str, name: str, result: dict[str, object], where: str) -> Finding:
    return Finding(
        "platform.identity",
        Severity.WARNING,
        f"the platform certificate opens the account of "
        f"{result.get('authority') or 'an unnamed collectivité'} "
        f"({result.get('department') or '?'}), not {name}: its acts would be refused or "
        "filed under that collectivité",
        "use the certificate (ACTES_PLATFORM_CERT/KEY, and login if shared) the platform "
        f"registered for {name}, or remove {siren} from this instance",
        siren,
    )
