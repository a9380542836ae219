"""Hypothesis fuzzing of every parser of outside input, in the normal suite (bounded
examples): random bytes and mutations of valid inputs; only ``ActesError`` may come out.
Longer runs: ``tests/fuzz/atheris_harness.py``."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import TARGETS, run, seeds

#: raise for a longer run: ACTES_FUZZ_EXAMPLES=5000 pytest tests/fuzz
_EXAMPLES = int(os.environ.get("ACTES_FUZZ_EXAMPLES", "60"))


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    """A valid input of the target, damaged a few times (flip, insert, delete, cut, repeat)."""
    data = bytearray(draw(st.sampled_from(seeds()[name])))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if operation == "flip":
            data[at] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "cut":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 256))] * draw(st.integers(2, 8))
    return bytes(data)


def inputs(name: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(name), st.binary(max_size=2048))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_only_our_errors_leave_a_parser(name: str) -> None:
    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(inputs(name))
    def fuzz(data: bytes) -> None:
        run(TARGETS[name], data)

    fuzz()


@settings(max_examples=_EXAMPLES, deadline=None)
@given(st.text(max_size=200))
def test_identifiers_on_any_text(text: str) -> None:
    run(TARGETS["identifiers"], text.encode("utf-8", "surrogatepass"))


@settings(max_examples=_EXAMPLES, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "siren",
                        "numero",
                        "date",
                        "nature",
                        "objet",
                        "vote",
                        "annexes",
                        "present",
                        "x",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_metadata_of_any_json_shape(value: object) -> None:
    import json

    run(TARGETS["api_metadata"], json.dumps(value).encode())


@pytest.mark.slow
def test_the_atheris_harness_runs() -> None:
    """The by-hand harness stays runnable: a few hundred inputs of one target."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.atheris_harness", "identifiers", "-runs=300"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Done 300 runs" in done.stderr
