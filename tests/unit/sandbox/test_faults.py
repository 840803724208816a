"""Fault knobs validate what they are given and fire at exactly the rate asked for."""

import pytest
from pydantic import ValidationError

from sandbox.faults import (
    JSON_HOSTILE_KINDS,
    SOAP_HOSTILE_KINDS,
    FaultKnobs,
    FaultState,
    RateGate,
    parse_knob_assignments,
)


@pytest.mark.parametrize(("rate", "fired"), [(0, 0), (0.25, 25), (0.5, 50), (1, 100)])
def test_rate_gate_fires_exactly_the_share_asked_for(rate: float, fired: int) -> None:
    gate = RateGate()
    assert sum(gate.fires(rate) for _ in range(100)) == fired


def test_rate_of_a_half_fails_every_second_call() -> None:
    gate = RateGate()
    assert [gate.fires(0.5) for _ in range(4)] == [False, True, False, True]


@pytest.mark.parametrize(
    "bad",
    [
        {"failure_rate": 1.5},
        {"latency_ms": -1},
        {"down": "sideways"},
        {"hostile": "nice"},
        {"no_such_knob": 1},
    ],
)
def test_bad_knobs_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        FaultKnobs.model_validate(bad)


def test_each_registry_refuses_hostile_kinds_it_cannot_serve() -> None:
    soap = FaultState(SOAP_HOSTILE_KINDS)
    json_state = FaultState(JSON_HOSTILE_KINDS)
    with pytest.raises(ValueError, match="not offered"):
        soap.replace(FaultKnobs(hostile="deep_nesting"))
    with pytest.raises(ValueError, match="not offered"):
        json_state.replace(FaultKnobs(hostile="xxe"))


def test_replacing_knobs_restarts_the_counters() -> None:
    state = FaultState(SOAP_HOSTILE_KINDS, FaultKnobs(failure_rate=0.5))
    assert [state.failures.fires(0.5) for _ in range(3)] == [False, True, False]
    state.replace(FaultKnobs(failure_rate=0.5))
    assert state.failures.fires(0.5) is False


def test_launcher_assignments_are_grouped_per_registry() -> None:
    parsed = parse_knob_assignments(["all:latency_ms=5", "civil:hostile=xxe", "civil:hostile=none"])
    assert parsed == {"all": {"latency_ms": "5"}, "civil": {"hostile": None}}
    with pytest.raises(ValueError, match="REGISTRY:KNOB=VALUE"):
        parse_knob_assignments(["latency_ms=5"])
