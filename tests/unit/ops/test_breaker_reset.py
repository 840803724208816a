"""An operator's breaker reset: the registry is asked again at once, not after the cool-down."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from pydantic import BaseModel

from adapters.breaker import CircuitBreaker
from adapters.errors import RegistryCircuitOpen, RegistryError, RegistryUnavailable
from adapters.operations import OperationSpec
from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


class Found(BaseModel):
    value: str


class SwitchableEngine:
    """A registry that is down until told otherwise (the fault a reset is for)."""

    def __init__(self) -> None:
        self.down = True
        self.attempts = 0

    def operations(self) -> Mapping[str, OperationSpec]:
        return {"GetPerson": OperationSpec("GetPerson", ("personalNumber",), Found)}

    async def invoke(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        self.attempts += 1
        if self.down:
            raise RegistryUnavailable("civil", "connection refused")
        return Found(value="ok")

    async def aclose(self) -> None:
        pass


def _fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(RegistryError), breaker.guard("GetPerson"):
        raise RegistryUnavailable("civil", "timeout")


def test_reset_closes_an_open_breaker_and_admits_the_next_call_at_once() -> None:
    clock = Clock()
    breaker = CircuitBreaker("civil", failure_threshold=2, cool_down_s=60, clock=clock)
    _fail(breaker)
    _fail(breaker)
    assert breaker.state == "open"

    breaker.reset()

    assert breaker.state == "closed"
    with breaker.guard("GetPerson"):
        pass
    assert breaker.state == "closed"


def test_after_a_reset_the_failure_count_starts_again() -> None:
    breaker = CircuitBreaker("civil", failure_threshold=3, cool_down_s=60, clock=Clock())
    _fail(breaker)
    _fail(breaker)
    breaker.reset()
    _fail(breaker)
    _fail(breaker)
    assert breaker.state == "closed", "two failures after the reset are below the threshold"


def test_the_registry_reports_the_state_it_was_reset_from() -> None:
    engine = SwitchableEngine()
    registry = ResilientRegistry(
        "civil",
        engine=engine,
        policy=RegistryPolicy(retries=1, failure_threshold=1, cool_down_s=300),
        clock=Clock(),
    )
    arguments = {"personalNumber": "1234567892"}
    with pytest.raises(RegistryUnavailable):
        asyncio.run(registry.call("GetPerson", arguments))
    with pytest.raises(RegistryCircuitOpen):
        asyncio.run(registry.call("GetPerson", arguments))
    engine.down = False

    previous = registry.reset_breaker()

    assert previous == "open"
    assert registry.breaker_state() == "closed"
    assert asyncio.run(registry.call("GetPerson", arguments)) == Found(value="ok")
