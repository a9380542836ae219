"""The lifecycle of a transmitted act: states, and the legal moves between them, as data.

::

    received ─► packaged ─► submitting ─► submitted ─► transmitted ─► acknowledged
        │           │            │             │             │             │
        └► failed ◄─┴────────────┘             └─► rejected ◄┘   cancellation_requested
                                                                            ▼
                                                                        cancelled

``submitting`` is the exactly-once marker (DESIGN.md "The store is the source of truth"): it
is committed *before* the HTTP call. A worker that finds an act in ``submitting`` knows a
previous attempt may have reached the platform, so it asks the platform (by number) before
sending again. ``cancellation_requested`` is likewise committed before the 6-1 is asked
of the platform; a refusal brings the act back to ``acknowledged``. ``failed`` is a
permanent local error a person may retry (→ ``received``);
``rejected`` (platform refusal, préfecture anomaly) is final for this act.
"""

from __future__ import annotations

import enum

from workflow.errors import IllegalTransition
from workflow.i18n import _


class ActState(enum.StrEnum):
    RECEIVED = "received"
    PACKAGED = "packaged"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    TRANSMITTED = "transmitted"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLATION_REQUESTED = "cancellation_requested"
    CANCELLED = "cancelled"


S = ActState

#: (from, to) → the event that makes the move
TRANSITIONS: dict[tuple[ActState, ActState], str] = {
    (S.RECEIVED, S.PACKAGED): "packaged",
    (S.RECEIVED, S.FAILED): "packaging_failed",
    (S.RECEIVED, S.ACKNOWLEDGED): "acknowledged_before_intake",  # an act transmitted before
    (S.PACKAGED, S.SUBMITTING): "submission_started",
    (S.PACKAGED, S.FAILED): "submission_failed",
    (S.SUBMITTING, S.SUBMITTED): "platform_accepted",
    (S.SUBMITTING, S.REJECTED): "platform_refused",
    (S.SUBMITTING, S.FAILED): "submission_failed",
    (S.SUBMITTED, S.TRANSMITTED): "transmitted_to_prefecture",
    (S.SUBMITTED, S.ACKNOWLEDGED): "acknowledged",
    (S.SUBMITTED, S.REJECTED): "anomaly",
    (S.TRANSMITTED, S.ACKNOWLEDGED): "acknowledged",
    (S.TRANSMITTED, S.REJECTED): "anomaly",
    (S.ACKNOWLEDGED, S.CANCELLATION_REQUESTED): "cancellation_requested",
    (S.CANCELLATION_REQUESTED, S.CANCELLED): "cancellation_acknowledged",
    (S.CANCELLATION_REQUESTED, S.ACKNOWLEDGED): "cancellation_refused",
    (S.FAILED, S.RECEIVED): "retried_by_a_person",
}

#: states where the service still has work to do for the act (the sweeps look at these)
UNFINISHED = frozenset(
    {S.RECEIVED, S.PACKAGED, S.SUBMITTING, S.SUBMITTED, S.TRANSMITTED, S.CANCELLATION_REQUESTED}
)
#: states where the platform holds the act and only polling moves it on
AT_PLATFORM = frozenset({S.SUBMITTED, S.TRANSMITTED})
FINAL = frozenset({S.REJECTED, S.CANCELLED})


def check_transition(current: ActState, target: ActState) -> str:
    """The event name of a legal move; :class:`IllegalTransition` for any other."""
    event = TRANSITIONS.get((current, target))
    if event is None:
        allowed = sorted(t.value for (f, t) in TRANSITIONS if f is current)
        raise IllegalTransition(
            f"an act cannot go from {current.value} to {target.value}"
            + (f" (from {current.value}: {', '.join(allowed)})" if allowed else " (final state)"),
            field="state",
            rule="lifecycle transition table",
            value=f"{current.value} → {target.value}",
        )
    return event


def state_label(state: ActState | str) -> str:
    """The state as a clerk reads it (pages, alerts), never its code."""
    labels = {
        ActState.RECEIVED: _("received, to be sent"),
        ActState.PACKAGED: _("prepared and signed"),
        ActState.SUBMITTING: _("being sent"),
        ActState.SUBMITTED: _("sent to the platform"),
        ActState.TRANSMITTED: _("transmitted to the préfecture"),
        ActState.ACKNOWLEDGED: _("accusé de réception received"),
        ActState.REJECTED: _("rejected"),
        ActState.FAILED: _("failed"),
        ActState.CANCELLATION_REQUESTED: _("cancellation requested"),
        ActState.CANCELLED: _("cancelled"),
    }
    return labels[ActState(state)]
