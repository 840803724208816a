"""The routing engine: scatter-gather over the registries, then the route's rules.

One request's registry calls run concurrently (each adapter has its own timeout, retries
and breaker), every call is one hop in the trace and in the request's routing-log line
(``gateway.routing.journey``), and the result is either the gathered records or a
``Refusal`` that names a stable code. The engine knows no HTTP and no storage: the intake
decides what to persist and what to answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import UnionType
from typing import Annotated, Any, Literal, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from gateway.metrics import GatewayMetrics
from gateway.refusals import Refusal
from gateway.routing import journey
from gateway.routing.rules import RuleContext
from gateway.routing.table import Call, Route


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
    """The records a route collected, by call name (``None``: absent by the route's leave).

    Each record holds only the fields its call declared (``purpose_bound``); ``calls`` keeps
    the call, so that what leaves the gateway is serialised as the canonical record type and
    nothing a registry added on the side can ride along.
    """

    records: dict[str, BaseModel | None] = field(default_factory=dict)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    trace: list[Hop] = field(default_factory=list)
    calls: dict[str, Call] = field(default_factory=dict)

    def record_data(self, name: str, fields: Iterable[str] | None = None) -> dict[str, Any] | None:
        """The record as JSON: its call's declared fields, or only ``fields`` of them."""
        record = self.records[name]
        if record is None:
            return None
        call = self.calls[name]
        kept = set(call.fields) if fields is None else set(fields) & set(call.fields)
        data: dict[str, Any] = _adapter(call.record_type).dump_python(
            record, mode="json", include=kept
        )
        return data


def purpose_bound(record: BaseModel, call: Call) -> BaseModel:
    """The record with only the fields the call declared; the rest are gone, not hidden.

    The declared fields pass through the canonical record type, so a nested record (an
    address, an owner) loses whatever a registry added to it too. The record is then built
    without validation on purpose: an undeclared required field is simply missing, and a
    rule that reads it fails loudly instead of seeing a value it was not given.
    """
    kept = set(call.fields)
    if _canonical(record, call.record_type, kept):
        # Nothing rides along on a record whose every part is exactly its canonical type
        # (frozen, no extra fields): the declared values can be taken as they are, without
        # the dump and the per-field validation below (~20 pydantic calls a sync request).
        return call.record_type.model_construct(
            _fields_set=kept, **{name: getattr(record, name) for name in kept}
        )
    data = _adapter(call.record_type).dump_python(record, include=kept)
    return call.record_type.model_construct(
        _fields_set=kept,
        **{
            name: _field_adapter(call.record_type, name).validate_python(data[name])
            for name in kept
        },
    )


_UNKNOWN: Any = object()
"""A field whose type this module cannot read for nested records: the record takes the slow path."""


def _model_in(annotation: Any) -> Any:
    """The record type a field holds (alone, optional, or as items), None, or ``_UNKNOWN``."""
    if isinstance(annotation, type):
        return annotation if issubclass(annotation, BaseModel) else None
    origin = get_origin(annotation)
    if origin is Literal:
        return None
    if origin is Annotated:
        return _model_in(get_args(annotation)[0])
    if origin not in (tuple, list, frozenset, dict, Union, UnionType):
        return _UNKNOWN
    found = {_model_in(arg) for arg in get_args(annotation) if arg is not Ellipsis}
    found.discard(None)
    if not found:
        return None
    return found.pop() if len(found) == 1 and _UNKNOWN not in found else _UNKNOWN


@cache
def _nested_records(record_type: type[BaseModel]) -> dict[str, type[BaseModel]] | None:
    """Per field holding records, their type; None when some field's type is beyond
    ``_model_in`` (a union of two record types, say)."""
    nested = {}
    for name, info in record_type.model_fields.items():
        kind = _model_in(info.annotation)
        if kind is _UNKNOWN:
            return None
        if kind is not None:
            nested[name] = kind
    return nested


def _canonical(value: Any, record_type: type[BaseModel], names: Iterable[str] | None) -> bool:
    """Whether ``value`` is exactly ``record_type`` with no extras, down to every nested record
    (of ``names`` only, or of all its fields): a subclass, or an extra, takes the slow path."""
    nested = _nested_records(record_type)
    if type(value) is not record_type or value.__pydantic_extra__:
        return False
    if nested is None:
        return False
    for name, inner in nested.items():
        if names is not None and name not in names:
            continue
        held = getattr(value, name)
        items = (
            held.values()
            if isinstance(held, dict)
            else held
            if isinstance(held, (tuple, list, frozenset))
            else (held,)
        )
        if not all(item is None or _canonical(item, inner, None) for item in items):
            return False
    return True


@cache
def _field_adapter(record_type: type[BaseModel], name: str) -> TypeAdapter[Any]:
    # The field's annotation with its constraints (``Annotated[...]``), as the model has it.
    annotation: Any = record_type.model_fields[name].rebuild_annotation()
    return TypeAdapter(annotation)


@cache
def _adapter(record_type: type[BaseModel]) -> TypeAdapter[BaseModel]:
    # Serialising through the canonical type keeps a subclass's (or a nested record's)
    # extra attributes out, which ``record.model_dump()`` would include.
    return TypeAdapter(record_type)


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
            journey.hop(
                "route.registry_call",
                "registry_call",
                outcome,
                duration_ms=duration_ms,
                call=call.name,
                registry=call.registry,
                operation=call.operation,
            )
        gathered.records[call.name] = None if record is None else purpose_bound(record, call)
        gathered.calls[call.name] = call
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
            journey.hop("route.rule", "rule", outcome, duration_ms=duration_ms, rule=rule.id)
            if not holds:
                raise Refusal("rule.failed", detail=rule.reason, extra={"rule": rule.id})
