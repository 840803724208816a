"""The registry client the routing engine calls, and the builder that makes one at start-up.

A client is an engine (SOAP or REST, with its contract and per-registry mapping) wrapped in
the registry's resilience policy: every attempt passes the circuit breaker, retryable failures
of reads are retried with backoff and jitter, and each call ends in exactly one structured log
event, ``registry.call.finished``, naming the outcome but never the arguments (they are
personal numbers): at DEBUG for an answer found at the first attempt, at INFO otherwise.
``build_registry`` loads the contract once; nothing here runs at import.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Protocol

import structlog
from pydantic import BaseModel

from adapters.breaker import BreakerState, CircuitBreaker
from adapters.errors import RegistryError
from adapters.mappings import MAPPINGS
from adapters.operations import ContractError, OperationSpec, RegistryEngine, check_arguments
from adapters.policy import RegistryPolicy
from adapters.rest import RestContract, RestEngine, RestMapping
from adapters.retry import Sleep, build_retrying
from adapters.soap import SoapContract, SoapEngine, SoapMapping
from adapters.transport import AiohttpTransport, RegistryTransport

_log = structlog.get_logger("adapters.registry")

RegistryKind = Literal["soap", "rest"]


class RegistryClient(Protocol):
    """What the routing engine sees of a registry."""

    name: str

    def operations(self) -> Mapping[str, OperationSpec]: ...

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel: ...

    async def aclose(self) -> None: ...

    def breaker_state(self) -> BreakerState: ...


class ResilientRegistry:
    """One registry behind its breaker and retry policy; implements ``RegistryClient``.

    ``call`` returns the canonical record or raises a ``RegistryError`` subclass. A call with
    an unknown operation or the wrong argument names raises ``ValueError``: that is a wiring
    bug, and the routing engine checks routes against ``operations()`` at start-up to rule it
    out.
    """

    def __init__(
        self,
        name: str,
        *,
        engine: RegistryEngine,
        policy: RegistryPolicy,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep | None = None,
    ) -> None:
        self.name = name
        self._engine = engine
        self._policy = policy
        self._sleep = sleep
        self._breaker = CircuitBreaker(
            name,
            failure_threshold=policy.failure_threshold,
            cool_down_s=policy.cool_down_s,
            clock=clock,
        )

    def operations(self) -> Mapping[str, OperationSpec]:
        return self._engine.operations()

    def breaker_state(self) -> BreakerState:
        return self._breaker.state

    def reset_breaker(self) -> BreakerState:
        """Close the breaker by hand (the operations API); returns the state it was in."""
        before = self._breaker.state
        self._breaker.reset()
        _log.info("registry.breaker_reset", registry=self.name, previous_state=before)
        return before

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        spec = self._engine.operations().get(operation)
        if spec is None:
            raise ValueError(f"registry {self.name} has no operation {operation}")
        check_arguments(spec, arguments)
        started = time.perf_counter()
        attempts = 1
        outcome = "error"
        code: str | None = None
        detail: str | None = None
        try:
            first_failure: RegistryError | None = None
            try:
                record = await self._attempt(operation, arguments)
            except RegistryError as exc:
                if not (exc.retryable and spec.idempotent and self._policy.retries > 1):
                    raise
                first_failure = exc
            if first_failure is not None:
                # The first attempt runs outside tenacity because its async loop costs
                # ~45 µs of CPU per call (bench/registry_adapters.py, section 2), close to
                # the whole XML path, on the path almost every call takes. Tenacity replays
                # the first failure as its own attempt 1, so its stop and wait rules count
                # every attempt.
                replay = [first_failure]
                attempts = 0
                async for attempt in build_retrying(
                    self._policy,
                    registry=self.name,
                    operation=operation,
                    idempotent=spec.idempotent,
                    sleep=self._sleep,
                ):
                    with attempt:
                        attempts += 1
                        if replay:
                            raise replay.pop()
                        record = await self._attempt(operation, arguments)
            outcome = "found"
            return record
        except RegistryError as exc:
            outcome, code, detail = exc.kind, exc.code, exc.detail
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            # A clean first-attempt answer is already the routing engine's ``registry_call``
            # hop; a second line for it at INFO cost ~30 µs per call for nothing an operator
            # reads. Retries and failures carry what the hop line cannot: attempts and detail.
            emit = _log.debug if outcome == "found" and attempts == 1 else _log.info
            emit(
                "registry.call.finished",
                registry=self.name,
                operation=operation,
                outcome=outcome,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                attempt=attempts,
                code=code,
                detail=detail,
            )

    async def _attempt(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        with self._breaker.guard(operation):
            return await self._engine.invoke(operation, arguments)

    async def aclose(self) -> None:
        await self._engine.aclose()


def build_registry(
    name: str,
    *,
    kind: RegistryKind,
    contract: Path,
    endpoint: str,
    policy: RegistryPolicy,
    mapping: SoapMapping | RestMapping | None = None,
    transport: RegistryTransport | None = None,
    remember_answers: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> ResilientRegistry:
    """Load a registry's contract once and return its client; call at start-up only.

    ``mapping`` defaults to the registry's module in ``MAPPINGS``; ``transport`` to a pooled
    aiohttp client (opened lazily, on the first call's event loop). ``remember_answers``
    (REST only) keeps each call's last record and returns it again when the same call gets
    the same bytes back: for a client that re-reads the same documents (the open-data
    refresher), never for citizens' requests. ``clock`` times the breaker's cool-down (a
    test passes one it moves by hand). Raises ``ContractError``
    when the contract file is unusable or does not match the mapping, so that a gateway with
    a broken registry description refuses to start.
    """
    chosen = mapping if mapping is not None else MAPPINGS.get(name)
    if chosen is None:
        raise ContractError(f"no mapping module for registry {name!r} (known: {sorted(MAPPINGS)})")
    wire = transport if transport is not None else AiohttpTransport(name, policy)
    engine: RegistryEngine
    if kind == "soap":
        if not isinstance(chosen, SoapMapping):
            raise ContractError(f"registry {name!r} is not a SOAP registry")
        engine = SoapEngine(
            name,
            contract=SoapContract.load(contract),
            mapping=chosen,
            endpoint=endpoint,
            transport=wire,
        )
    elif kind == "rest":
        if not isinstance(chosen, RestMapping):
            raise ContractError(f"registry {name!r} is not a REST registry")
        engine = RestEngine(
            name,
            contract=RestContract.load(contract),
            mapping=chosen,
            endpoint=endpoint,
            transport=wire,
            remember_answers=remember_answers,
        )
    else:
        raise ContractError(f"registry {name!r}: unknown kind {kind!r}")
    return ResilientRegistry(name, engine=engine, policy=policy, clock=clock)
