"""The lifecycle table: every legal move is allowed, every other pair is refused."""

from __future__ import annotations

import itertools

import pytest

from workflow.errors import IllegalTransition
from workflow.lifecycle import TRANSITIONS, ActState, check_transition

PAIRS = list(itertools.product(ActState, ActState))


@pytest.mark.parametrize(
    ("current", "target"), [p for p in PAIRS if p in TRANSITIONS], ids=lambda s: s.value
)
def test_legal(current: ActState, target: ActState) -> None:
    assert check_transition(current, target) == TRANSITIONS[(current, target)]


@pytest.mark.parametrize(
    ("current", "target"), [p for p in PAIRS if p not in TRANSITIONS], ids=lambda s: s.value
)
def test_illegal(current: ActState, target: ActState) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target)
    assert caught.value.field == "state"
    assert f"{current.value} → {target.value}" == caught.value.value


def test_the_happy_path_and_the_exactly_once_marker() -> None:
    path = [
        ActState.RECEIVED,
        ActState.PACKAGED,
        ActState.SUBMITTING,
        ActState.SUBMITTED,
        ActState.TRANSMITTED,
        ActState.ACKNOWLEDGED,
    ]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)
    with pytest.raises(IllegalTransition):
        check_transition(ActState.PACKAGED, ActState.SUBMITTED)  # never without the marker
    with pytest.raises(IllegalTransition, match="final state"):
        check_transition(ActState.REJECTED, ActState.RECEIVED)
