"""The circuit breaker: opens on consecutive failures, fails fast, probes once, closes again."""

from __future__ import annotations

import pytest

from adapters.breaker import CircuitBreaker
from adapters.errors import (
    RegistryBadResponse,
    RegistryCircuitOpen,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, *, threshold: int = 3, cool_down_s: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(
        "civil", failure_threshold=threshold, cool_down_s=cool_down_s, clock=clock
    )


def attempt(cb: CircuitBreaker, error: RegistryError | None = None) -> None:
    with cb.guard("GetPerson"):
        if error is not None:
            raise error


def fail(cb: CircuitBreaker, error: RegistryError | None = None) -> None:
    with pytest.raises(RegistryError):
        attempt(cb, error or RegistryUnavailable("civil", "timeout"))


def test_breaker_opens_after_threshold_consecutive_failures() -> None:
    clock = Clock()
    cb = breaker(clock)
    fail(cb)
    fail(cb)
    assert cb.state == "closed"
    fail(cb)
    assert cb.state == "open"


def test_open_breaker_fails_fast_with_the_unavailable_code() -> None:
    clock = Clock()
    cb = breaker(clock, threshold=1)
    fail(cb)
    reached = []
    with pytest.raises(RegistryCircuitOpen) as raised, cb.guard("GetPerson"):
        reached.append(True)
    assert reached == []
    assert raised.value.code == "registry.civil.unavailable"
    assert not raised.value.retryable


def test_a_success_resets_the_failure_count() -> None:
    cb = breaker(Clock())
    fail(cb)
    fail(cb)
    attempt(cb)
    fail(cb)
    fail(cb)
    assert cb.state == "closed"


@pytest.mark.parametrize(
    "answer",
    [RegistryNotFound("civil", "no such person"), RegistryRejected("civil", "fault")],
)
def test_a_registry_that_says_no_is_healthy(answer: RegistryError) -> None:
    cb = breaker(Clock(), threshold=1)
    fail(cb, answer)
    assert cb.state == "closed"


def test_bad_answers_count_against_the_registry() -> None:
    cb = breaker(Clock(), threshold=2)
    fail(cb, RegistryBadResponse("civil", "not XML"))
    fail(cb, RegistryBadResponse("civil", "not XML"))
    assert cb.state == "open"


def test_after_cool_down_one_probe_passes_and_its_success_closes_the_breaker() -> None:
    clock = Clock()
    cb = breaker(clock, threshold=1, cool_down_s=10.0)
    fail(cb)
    clock.now += 10.0
    assert cb.state == "half_open"
    # While the probe is in flight, everyone else still fails fast.
    with cb.guard("GetPerson"), pytest.raises(RegistryCircuitOpen), cb.guard("GetPerson"):
        pass
    assert cb.state == "closed"
    attempt(cb)


def test_a_failed_probe_opens_the_breaker_for_another_cool_down() -> None:
    clock = Clock()
    cb = breaker(clock, threshold=3, cool_down_s=10.0)
    for _ in range(3):
        fail(cb)
    clock.now += 10.0
    fail(cb)
    assert cb.state == "open"
    clock.now += 9.0
    with pytest.raises(RegistryCircuitOpen), cb.guard("GetPerson"):
        pass
    clock.now += 1.0
    attempt(cb)
    assert cb.state == "closed"


def test_a_cancelled_probe_frees_the_slot_for_the_next_caller() -> None:
    clock = Clock()
    cb = breaker(clock, threshold=1, cool_down_s=1.0)
    fail(cb)
    clock.now += 1.0
    with pytest.raises(KeyboardInterrupt), cb.guard("GetPerson"):
        raise KeyboardInterrupt
    attempt(cb)
    assert cb.state == "closed"
