"""The application layer: the use cases the CLI, the API, the clerk pages and the tasks call.

Each use case loads the act by id, returns early when its work is already done (so a task run
twice has one effect), does one step, and records it. They share one :class:`Context` (the
ports and the sending settings); :class:`Services` is that context with its use cases:

=================  ==========================================================================
``submission``     record an act, package and sign it, fail it, retry it
``resending``      retry a failed act; correct and resend one that was refused (replaces it)
``transmission``   send it to the platform exactly once (recovery after a lost reply)
``polling``        follow the platform: ARs, anomalies, préfecture letters, cancellations
``exchanges``      cancel an act (6-1), answer the préfecture (2-2, 3-3/3-4, 4-3/4-4)
``law``            publicity, legal facts, executory date and deadlines
``alerts``         digests of deadlines due and acts that stopped moving
``operator_alerts`` faults of the service itself, raised once to the operators only
``documents``      the stamped act and the bordereau d'acquittement
``nomenclature``   the préfecture's classification (7-1 / 7-2)
``platform_access`` the platform account (is the certificate ours?), acts parked in 17
=================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from workflow.usecases.alerting import Alerting
from workflow.usecases.context import Context
from workflow.usecases.documents import Documents
from workflow.usecases.exchanges import Exchanges
from workflow.usecases.law import Law
from workflow.usecases.nomenclature import Nomenclature
from workflow.usecases.operator_alerting import OperatorAlerting
from workflow.usecases.platform_access import PlatformAccess
from workflow.usecases.polling import Polling
from workflow.usecases.resend import Resending
from workflow.usecases.submission import Submission
from workflow.usecases.transmission import Transmission

__all__ = ["Context", "Services"]


@dataclass
class Services(Context):
    """The ports and settings (:class:`Context`), and the use cases working with them."""

    @cached_property
    def submission(self) -> Submission:
        return Submission(self)

    @cached_property
    def resending(self) -> Resending:
        return Resending(self)

    @cached_property
    def transmission(self) -> Transmission:
        return Transmission(self)

    @cached_property
    def polling(self) -> Polling:
        return Polling(self)

    @cached_property
    def exchanges(self) -> Exchanges:
        return Exchanges(self)

    @cached_property
    def law(self) -> Law:
        return Law(self)

    @cached_property
    def alerts(self) -> Alerting:
        return Alerting(self)

    @cached_property
    def operator_alerts(self) -> OperatorAlerting:
        return OperatorAlerting(self)

    @cached_property
    def documents(self) -> Documents:
        return Documents(self)

    @cached_property
    def nomenclature(self) -> Nomenclature:
        return Nomenclature(self)

    @cached_property
    def platform_access(self) -> PlatformAccess:
        return PlatformAccess(self)

    def close(self) -> None:
        """Release connections (database pool, HTTP session) held by the adapters."""
        for adapter in (self.store, *self.clients()):
            close = getattr(adapter, "close", None)
            if callable(close):
                close()
