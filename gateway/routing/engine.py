"""The routing engine: scatter-gather over the registries, then the route's rules.

One request's registry calls run concurrently (each adapter has its own timeout, retries
and breaker), every call is one hop in the trace and one routing-log line, and the result is
either the gathered records or a ``Refusal`` that names a stable code. The engine knows no
HTTP and no storage: the intake decides what to persist and what to answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from pydantic import BaseModel

from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from gateway.metrics import GatewayMetrics
from gateway.routing.refusals import Refusal
from gateway.routing.rules import RuleContext
from gateway.routing.table import Call, Route

log = structlog.get_logger()


class Registry(Protocol):
    """The part of an adapter the engine uses (``adapters`` builds the real ones)."""

    name: str

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel: ...


@dataclass(frozen=True)
class Hop:
    """One step of a request's journey, as the portal and operators see it."""

    hop: str
    outcome: str
    duration_ms: float
    registry: str | None = None
    operation: str | None = None
    rule: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass
class Gathered:
    """The records a route collected, by call name (``None``: absent by the route's leave)."""

    records: dict[str, BaseModel | None] = field(default_factory=dict)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    trace: list[Hop] = field(default_factory=list)


@dataclass(frozen=True)
class RequestFacts:
    """What the route's arguments and rules may read from the portal's request."""

    applicant_personal_number: str
    municipality: str
    form: Mapping[str, Any]

    def source(self, expression: str) -> str:
        if expression == "applicant.personal_number":
            return self.applicant_personal_number
        if expression == "request.municipality":
            return self.municipality
        return str(self.form[expression.removeprefix("form.")])


# When several calls fail at once, the citizen hears the most useful reason first.
_PRECEDENCE: tuple[type[Exception], ...] = (
    RegistryNotFound,
    RegistryUnavailable,
    RegistryBadResponse,
    RegistryRejected,
)


class RoutingEngine:
    """``retry_after_s``: what to tell the portal per registry when it is unavailable
    (bootstrap passes each breaker's cool-down: asking sooner would only fail fast again)."""

    def __init__(
        self,
        registries: Mapping[str, Registry],
        *,
        retry_after_s: Mapping[str, int] | None = None,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self._registries = registries
        self._retry_after_s = dict(retry_after_s or {})
        self._metrics = metrics

    async def run(self, route: Route, facts: RequestFacts) -> Gathered:
        """Ask every registry of the route at once, then apply its rules in order."""
        gathered = Gathered()
        outcomes = await asyncio.gather(
            *(self._call(call, facts, gathered) for call in route.calls), return_exceptions=True
        )
        failures = [
            (call, outcome)
            for call, outcome in zip(route.calls, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        ]
        if failures:
            raise self._refusal_for(failures)
        self._apply_rules(route, facts, gathered)
        return gathered

    async def _call(self, call: Call, facts: RequestFacts, gathered: Gathered) -> None:
        registry = self._registries[call.registry]
        arguments = {parameter: facts.source(source) for parameter, source in call.arguments}
        started = time.perf_counter()
        outcome = "found"
        try:
            record: BaseModel | None = await registry.call(call.operation, arguments)
        except RegistryNotFound:
            if call.on_not_found != "absent":
                outcome = "not_found"
                raise
            record, outcome = None, "absent"
        except RegistryError as exc:
            outcome = exc.kind
            raise
        finally:
            elapsed_s = time.perf_counter() - started
            duration_ms = round(elapsed_s * 1000, 2)
            if self._metrics is not None:
                self._metrics.registry_call(call.registry, call.operation, outcome, elapsed_s)
            gathered.trace.append(
                Hop(
                    hop=f"registry.{call.name}",
                    outcome=outcome,
                    duration_ms=duration_ms,
                    registry=call.registry,
                    operation=call.operation,
                )
            )
            log.info(
                "route.registry_call",
                hop="registry_call",
                call=call.name,
                registry=call.registry,
                operation=call.operation,
                outcome=outcome,
                duration_ms=duration_ms,
            )
        gathered.records[call.name] = record
        gathered.sources[call.name] = (call.registry, call.operation)

    def _refusal_for(self, failures: list[tuple[Call, BaseException]]) -> BaseException:
        def rank(item: tuple[Call, BaseException]) -> int:
            for position, kind in enumerate(_PRECEDENCE):
                if isinstance(item[1], kind):
                    return position
            return len(_PRECEDENCE)

        call, error = min(failures, key=rank)
        if isinstance(error, RegistryNotFound):
            code = "applicant.not_found" if call.on_not_found == "applicant" else "record.not_found"
            return Refusal(code, extra={"record": call.name})
        if isinstance(error, RegistryUnavailable):
            return Refusal(error.code, retry_after_s=self._retry_after_s.get(call.registry, 5))
        if isinstance(error, RegistryError):
            return Refusal(error.code)
        return error

    @staticmethod
    def _apply_rules(route: Route, facts: RequestFacts, gathered: Gathered) -> None:
        for rule in route.rules:
            started = time.perf_counter()
            context = RuleContext(
                applicant_personal_number=facts.applicant_personal_number,
                municipality=facts.municipality,
                values=rule.values,
            )
            holds = rule.spec.holds(gathered.records.get(rule.record), context)
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            outcome = "passed" if holds else "failed"
            gathered.trace.append(
                Hop(hop=f"rule.{rule.id}", outcome=outcome, duration_ms=duration_ms, rule=rule.id)
            )
            log.info(
                "route.rule", hop="rule", rule=rule.id, outcome=outcome, duration_ms=duration_ms
            )
            if not holds:
                raise Refusal("rule.failed", detail=rule.reason, extra={"rule": rule.id})
