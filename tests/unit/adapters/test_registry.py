"""The resilience wrapper: which failures are retried, when the breaker trips, what is logged.

The engine here is a scripted stand-in at the ``RegistryEngine`` seam, so that attempts can
be counted exactly; the same behaviour is driven over real HTTP against the sandbox in
``tests/integration/adapters``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.operations import OperationSpec
from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry

from .canned import PERSONAL_NUMBER


class Found(BaseModel):
    value: str


class ScriptedEngine:
    """Plays back a list of outcomes, one per attempt; the last one repeats."""

    def __init__(self, script: list[RegistryError | None]) -> None:
        self.script = script
        self.attempts = 0

    def operations(self) -> Mapping[str, OperationSpec]:
        return {"GetPerson": OperationSpec("GetPerson", ("personalNumber",), Found)}

    async def invoke(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        step = self.script[min(self.attempts, len(self.script) - 1)]
        self.attempts += 1
        if step is not None:
            raise step
        return Found(value="ok")

    async def aclose(self) -> None:
        pass


async def no_wait(_: float) -> None:
    return None


def client(engine: ScriptedEngine, **policy: float) -> ResilientRegistry:
    settings = {"retries": 3, "failure_threshold": 100, **policy}
    return ResilientRegistry(
        "civil", engine=engine, policy=RegistryPolicy(**settings), sleep=no_wait
    )


def call(registry: ResilientRegistry) -> BaseModel:
    return asyncio.run(registry.call("GetPerson", {"personalNumber": PERSONAL_NUMBER}))


def unavailable() -> RegistryUnavailable:
    return RegistryUnavailable("civil", "no answer within 2 s")


def test_an_unavailable_registry_is_retried_then_reported_unavailable() -> None:
    engine = ScriptedEngine([unavailable()])
    with pytest.raises(RegistryUnavailable) as raised:
        call(client(engine))
    assert engine.attempts == 3
    assert raised.value.code == "registry.civil.unavailable"


def test_a_retry_that_succeeds_returns_the_record() -> None:
    engine = ScriptedEngine([unavailable(), None])
    assert call(client(engine)) == Found(value="ok")
    assert engine.attempts == 2


@pytest.mark.parametrize(
    "error",
    [
        RegistryNotFound("civil", "SOAP fault PersonNotFoundFault"),
        RegistryRejected("civil", "SOAP fault InvalidRequestFault"),
        RegistryBadResponse("civil", "answer is not well-formed XML"),
    ],
)
def test_answers_that_would_not_change_are_not_retried(error: RegistryError) -> None:
    engine = ScriptedEngine([error])
    with pytest.raises(type(error)):
        call(client(engine))
    assert engine.attempts == 1


def test_a_non_idempotent_operation_is_tried_once() -> None:
    engine = ScriptedEngine([unavailable()])

    def write_only() -> Mapping[str, OperationSpec]:
        return {
            "GetPerson": OperationSpec("GetPerson", ("personalNumber",), Found, idempotent=False)
        }

    engine.operations = write_only  # type: ignore[method-assign]
    with pytest.raises(RegistryUnavailable):
        call(client(engine))
    assert engine.attempts == 1


def test_open_breaker_fails_fast_without_reaching_the_registry() -> None:
    engine = ScriptedEngine([unavailable()])
    registry = client(engine, retries=1, failure_threshold=2, cool_down_s=60)
    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            call(registry)
    assert registry.breaker_state() == "open"
    with pytest.raises(RegistryUnavailable) as raised:
        call(registry)
    assert engine.attempts == 2
    assert "breaker" in raised.value.detail


def test_retries_stop_when_the_breaker_opens_mid_call() -> None:
    engine = ScriptedEngine([unavailable()])
    registry = client(engine, retries=5, failure_threshold=2, cool_down_s=60)
    with pytest.raises(RegistryUnavailable):
        call(registry)
    assert engine.attempts == 2


def test_each_call_logs_one_finished_event_without_argument_values() -> None:
    engine = ScriptedEngine([unavailable(), None])
    with capture_logs() as logs:
        call(client(engine))
    finished = [entry for entry in logs if entry["event"] == "registry.call.finished"]
    assert len(finished) == 1
    assert finished[0]["registry"] == "civil"
    assert finished[0]["operation"] == "GetPerson"
    assert finished[0]["outcome"] == "found"
    assert finished[0]["attempt"] == 2
    assert finished[0]["duration_ms"] >= 0
    assert PERSONAL_NUMBER not in repr(logs)


def test_a_failed_call_logs_its_outcome_and_code() -> None:
    engine = ScriptedEngine([RegistryNotFound("civil", "SOAP fault PersonNotFoundFault")])
    with capture_logs() as logs, pytest.raises(RegistryNotFound):
        call(client(engine))
    (finished,) = [entry for entry in logs if entry["event"] == "registry.call.finished"]
    assert finished["outcome"] == "not_found"
    assert finished["code"] == "registry.civil.not_found"


def test_wrong_operation_or_arguments_are_wiring_errors_not_registry_errors() -> None:
    registry = client(ScriptedEngine([None]))
    with pytest.raises(ValueError, match="no operation"):
        asyncio.run(registry.call("GetPersons", {"personalNumber": PERSONAL_NUMBER}))
    with pytest.raises(ValueError, match="missing") as raised:
        asyncio.run(registry.call("GetPerson", {"personal_number": PERSONAL_NUMBER}))
    assert PERSONAL_NUMBER not in str(raised.value)
