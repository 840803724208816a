"""The routing table: ``routing.yaml`` checked against the catalogue and the registry contracts.

``compile_routing`` is the gate every start goes through (and ``ekomunat-gateway routes
check``). It collects every problem it finds, each naming file, line and key, and refuses
the file when there is any; what it returns is what the engine runs, with nothing left to
look up or interpret per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from adapters.operations import OperationSpec
from contracts.catalogue import Catalogue, LocalizedText, Mode, Service
from contracts.located_yaml import ConfigFileError, ConfigProblem, LocatedDocument
from gateway.routing.config import (
    CallConfig,
    ClientConfig,
    HandoffConfig,
    RegistryConfig,
    RouteConfig,
    RoutingFile,
)
from gateway.routing.rules import RULE_KINDS, RuleKindSpec


@dataclass(frozen=True)
class LegalBasis:
    """The law (and article, where a source gives it) that allows one registry call."""

    law: str
    article: str | None
    from_catalogue: bool
    note: str | None = None

    def __str__(self) -> str:
        return f"{self.law}, {self.article}" if self.article else self.law


@dataclass(frozen=True)
class Call:
    """One registry call of a route, with what it may read and why.

    ``fields`` are the only fields of ``record_type`` the engine keeps; the data-usage
    records name them as "the fields read", with ``legal_basis`` and ``purpose``.
    """

    name: str
    registry: str
    operation: str
    arguments: tuple[tuple[str, str], ...]
    on_not_found: str
    record_type: type[BaseModel]
    fields: tuple[str, ...]
    legal_basis: LegalBasis
    purpose: str


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    spec: RuleKindSpec
    record: str
    values: tuple[str, ...]
    reason: LocalizedText


@dataclass(frozen=True)
class Route:
    service: Service
    municipality: str | None
    mode: Mode
    calls: tuple[Call, ...]
    rules: tuple[Rule, ...]
    exchange: str | None
    handoff_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per call name, the fields of its record a hand-off may carry (none: not handed off)."""


@dataclass(frozen=True)
class RoutingTable:
    registries: Mapping[str, RegistryConfig]
    clients: Mapping[str, ClientConfig]
    routes: Mapping[tuple[str, str | None], Route]

    def route_for(self, service: str, municipality: str) -> Route | None:
        return self.routes.get((service, municipality)) or self.routes.get((service, None))

    def describe(self) -> str:
        """The routing table as operators read it: one line per route."""
        lines = [f"{'service':42} {'where':5} {'mode':5} calls -> rules"]
        for (service, municipality), route in sorted(
            self.routes.items(), key=lambda item: (item[0][0], item[0][1] or "")
        ):
            calls = ", ".join(f"{c.name}={c.registry}.{c.operation}" for c in route.calls) or "-"
            rules = ", ".join(rule.id for rule in route.rules) or "-"
            where = municipality or "all"
            lines.append(f"{service:42} {where:5} {route.mode.value:5} {calls} -> {rules}")
        return "\n".join(lines)


def compile_routing(
    routing: RoutingFile,
    document: LocatedDocument,
    catalogue: Catalogue,
    operations: Mapping[str, Mapping[str, OperationSpec]],
) -> RoutingTable:
    """Check the file against the catalogue and the contracts; build the table or refuse."""
    problems: list[ConfigProblem] = []
    routes: dict[tuple[str, str | None], Route] = {}
    first_at: dict[tuple[str, str | None], int] = {}

    for index, route_config in enumerate(routing.routes):
        at = ("routes", index)
        service = catalogue.service(route_config.service)
        if service is None:
            problems.append(
                document.problem(
                    (*at, "service"), f"no service {route_config.service!r} in the catalogue"
                )
            )
            continue
        key = (service.code, route_config.municipality)
        if key in first_at:
            problems.append(
                document.problem(
                    (*at, "service"),
                    f"a second route for {service.code!r}"
                    + (f" in {route_config.municipality}" if route_config.municipality else "")
                    + f" (first at routes[{first_at[key]}])",
                )
            )
            continue
        first_at[key] = index
        if route_config.municipality is not None and not service.offered_in(
            route_config.municipality
        ):
            problems.append(
                document.problem(
                    (*at, "municipality"),
                    f"{service.code!r} is not offered in municipality "
                    f"{route_config.municipality!r}",
                )
            )
        if route_config.mode is not service.mode:
            problems.append(
                document.problem(
                    (*at, "mode"),
                    f"the catalogue says {service.code!r} is {service.mode.value}",
                )
            )
        if route_config.mode is Mode.SYNC and route_config.handoff is not None:
            problems.append(document.problem((*at, "handoff"), "a sync route hands nothing off"))

        calls = _compile_calls(route_config, service, routing, operations, document, at, problems)
        rules = _compile_rules(route_config, calls, operations, document, at, problems)
        handoff_fields = _compile_handoff_fields(route_config, calls, document, at, problems)
        if service.anonymous_allowed:
            _check_anonymous(route_config, document, at, problems)
        exchange = None
        if route_config.mode is Mode.ASYNC:
            exchange = (route_config.handoff or HandoffConfig()).exchange
        routes[key] = Route(
            service=service,
            municipality=route_config.municipality,
            mode=route_config.mode,
            calls=tuple(calls.values()),
            rules=tuple(rules),
            exchange=exchange,
            handoff_fields=handoff_fields,
        )

    for service in catalogue.services:
        if (service.code, None) not in first_at:
            problems.append(
                document.problem(("routes",), f"catalogue service {service.code!r} has no route")
            )
    _check_catalogue_registries(routing, catalogue, document, problems)
    _check_clients(routing, catalogue, document, problems)
    if problems:
        raise ConfigFileError(document.path, problems)
    return RoutingTable(
        registries=dict(routing.registries.items()),
        clients=dict(routing.clients),
        routes=routes,
    )


def _compile_calls(
    route_config: RouteConfig,
    service: Service,
    routing: RoutingFile,
    operations: Mapping[str, Mapping[str, OperationSpec]],
    document: LocatedDocument,
    at: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> dict[str, Call]:
    calls: dict[str, Call] = {}
    properties = service.form.get("properties", {})
    required = set(service.form.get("required", []))
    for position, call in enumerate(route_config.calls):
        where = (*at, "calls", position)
        registry = call.registry
        if registry not in routing.registries:
            problems.append(
                document.problem(
                    (*where, "registry"), f"registry {registry!r} is not in registries:"
                )
            )
            continue
        if registry not in service.registries:
            problems.append(
                document.problem(
                    (*where, "registry"),
                    f"the catalogue does not list {registry!r} among the registries of "
                    f"{service.code!r}",
                )
            )
        spec = operations.get(registry, {}).get(call.operation)
        if spec is None:
            known = ", ".join(sorted(operations.get(registry, {}))) or "none"
            problems.append(
                document.problem(
                    (*where, "operation"),
                    f"the {registry} contract has no operation {call.operation!r} (it has {known})",
                )
            )
            continue
        given, expected = set(call.arguments), set(spec.parameters)
        if given != expected:
            problems.append(
                document.problem(
                    (*where, "arguments"),
                    f"{call.operation} takes {sorted(expected)}; the route gives {sorted(given)}",
                )
            )
        for parameter, source in call.arguments.items():
            if source.startswith("form."):
                field = source.removeprefix("form.")
                if field not in properties:
                    problems.append(
                        document.problem(
                            (*where, "arguments", parameter),
                            f"the form of {service.code!r} has no field {field!r}",
                        )
                    )
                elif field not in required:
                    problems.append(
                        document.problem(
                            (*where, "arguments", parameter),
                            f"form field {field!r} of {service.code!r} is optional; "
                            "a registry argument must come from a required field",
                        )
                    )
        legal_basis = _legal_basis(call, service, document, where, problems)
        fields = _declared_fields(call, spec.record, document, where, problems)
        if call.purpose is None:
            problems.append(
                document.problem(
                    (*where, "purpose"), "a registry call names its purpose: purpose: <why>"
                )
            )
        calls[call.name] = Call(
            name=call.name,
            registry=registry,
            operation=call.operation,
            arguments=tuple(call.arguments.items()),
            on_not_found=call.on_not_found,
            record_type=spec.record,
            # A refused file is never run: the fallbacks only keep the later checks quiet.
            fields=fields if fields is not None else tuple(spec.record.model_fields),
            legal_basis=legal_basis or LegalBasis("", None, from_catalogue=False),
            purpose=call.purpose or "",
        )
    return calls


def _legal_basis(
    call: CallConfig,
    service: Service,
    document: LocatedDocument,
    where: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> LegalBasis | None:
    """The call's legal basis, ``law: catalogue`` resolved to the service's own."""
    declared = call.legal_basis
    if declared is None:
        problems.append(
            document.problem(
                (*where, "legal_basis"),
                f"registry call {call.name!r} names no legal basis: "
                "legal_basis: {law: catalogue | <law>, article: <article> | null}",
            )
        )
        return None
    if declared.law != "catalogue":
        return LegalBasis(declared.law, declared.article, from_catalogue=False, note=declared.note)
    if service.legal_basis is None:
        problems.append(
            document.problem(
                # The call's own line: ``law: catalogue`` usually comes through an alias.
                (*where, "legal_basis"),
                f"law: catalogue, but the catalogue gives no legal basis for "
                f"{service.code!r}; name the law here",
            )
        )
        return None
    return LegalBasis(
        service.legal_basis, declared.article, from_catalogue=True, note=declared.note
    )


def _declared_fields(
    call: CallConfig,
    record_type: type[BaseModel],
    document: LocatedDocument,
    where: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> tuple[str, ...] | None:
    if call.fields is None:
        problems.append(
            document.problem(
                (*where, "fields"),
                f"registry call {call.name!r} declares no fields: "
                f"fields: [...] of its {record_type.__name__} record",
            )
        )
        return None
    known = record_type.model_fields
    for position, name in enumerate(call.fields):
        if name not in known:
            problems.append(
                document.problem(
                    (*where, "fields", position),
                    f"a {record_type.__name__} has no field {name!r}; it has {', '.join(known)}",
                )
            )
    return tuple(name for name in call.fields if name in known)


def _compile_handoff_fields(
    route_config: RouteConfig,
    calls: Mapping[str, Call],
    document: LocatedDocument,
    at: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> dict[str, tuple[str, ...]]:
    """What of each record the municipality receives: only fields its call declared."""
    declared = route_config.handoff_fields
    if declared is None:
        if route_config.mode is Mode.ASYNC and route_config.calls:
            problems.append(
                document.problem(
                    (*at, "handoff_fields"),
                    "an async route with registry calls names the fields it hands off: "
                    "handoff_fields: {<call>: [...]} ({} for none)",
                )
            )
        return {}
    if route_config.mode is Mode.SYNC:
        problems.append(document.problem((*at, "handoff_fields"), "a sync route hands nothing off"))
        return {}
    compiled: dict[str, tuple[str, ...]] = {}
    for name, fields in declared.items():
        call = calls.get(name)
        if call is None:
            problems.append(
                document.problem(
                    (*at, "handoff_fields", name), f"no call of this route is named {name!r}"
                )
            )
            continue
        for position, field_name in enumerate(fields):
            if field_name not in call.fields:
                problems.append(
                    document.problem(
                        (*at, "handoff_fields", name, position),
                        f"hand-off field {field_name!r} of {name!r} is not among the fields "
                        "its call declares",
                    )
                )
        compiled[name] = tuple(f for f in fields if f in call.fields)
    return compiled


def _compile_rules(
    route_config: RouteConfig,
    calls: Mapping[str, Call],
    operations: Mapping[str, Mapping[str, OperationSpec]],
    document: LocatedDocument,
    at: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> list[Rule]:
    rules: list[Rule] = []
    for position, rule in enumerate(route_config.rules):
        where = (*at, "rules", position)
        spec = RULE_KINDS[rule.kind]
        call = calls.get(rule.record)
        if call is None:
            problems.append(
                document.problem(
                    (*where, "record"), f"no call of this route produces a record {rule.record!r}"
                )
            )
            continue
        produced = operations[call.registry][call.operation].record
        if not issubclass(produced, spec.record_types):
            expected = " or ".join(t.__name__ for t in spec.record_types)
            problems.append(
                document.problem(
                    (*where, "record"),
                    f"rule {rule.kind} reads a {expected}; "
                    f"{rule.record!r} is a {produced.__name__}",
                )
            )
        for field_name in sorted(spec.reads - set(call.fields)):
            problems.append(
                document.problem(
                    (*where, "kind"),
                    f"rule {rule.kind} reads field {field_name!r} of {rule.record!r}; "
                    "its call does not declare it in fields",
                )
            )
        if spec.needs_values and not rule.values:
            problems.append(document.problem((*where, "values"), f"{rule.kind} needs values"))
        rules.append(
            Rule(
                id=rule.id,
                kind=rule.kind,
                spec=spec,
                record=rule.record,
                values=rule.values,
                reason=rule.reason,
            )
        )
    return rules


def _check_anonymous(
    route_config: RouteConfig,
    document: LocatedDocument,
    at: tuple[str | int, ...],
    problems: list[ConfigProblem],
) -> None:
    """A service open to anonymous requests may not ask about, or check, the applicant."""
    for position, call in enumerate(route_config.calls):
        for parameter, source in call.arguments.items():
            if source == "applicant.personal_number":
                problems.append(
                    document.problem(
                        (*at, "calls", position, "arguments", parameter),
                        f"{route_config.service!r} takes anonymous requests: "
                        "no call may use the applicant's personal number",
                    )
                )
    for position, rule in enumerate(route_config.rules):
        if RULE_KINDS[rule.kind].reads_applicant:
            problems.append(
                document.problem(
                    (*at, "rules", position, "kind"),
                    f"{route_config.service!r} takes anonymous requests: "
                    f"rule {rule.kind} checks the applicant",
                )
            )


def _check_catalogue_registries(
    routing: RoutingFile,
    catalogue: Catalogue,
    document: LocatedDocument,
    problems: list[ConfigProblem],
) -> None:
    """Every registry a catalogue service names must be one that ``routing.yaml`` declares.

    Registry names are data on both sides, so this is where a typo in either file, or a
    registry the catalogue expects but the deployment lacks, is caught before any traffic.
    """
    listed: dict[str, list[str]] = {}
    for service in catalogue.services:
        for registry in service.registries:
            if registry not in routing.registries:
                listed.setdefault(registry, []).append(service.code)
    for registry, services in sorted(listed.items()):
        problems.append(
            document.problem(
                ("registries",),
                f"the catalogue lists registry {registry!r} for {', '.join(services)}; "
                "no such registry is declared here",
            )
        )


def _check_clients(
    routing: RoutingFile,
    catalogue: Catalogue,
    document: LocatedDocument,
    problems: list[ConfigProblem],
) -> None:
    for name, client in routing.clients.items():
        where = ("clients", name)
        if client.services != "all":
            for position, code in enumerate(client.services):
                if catalogue.service(code) is None:
                    problems.append(
                        document.problem(
                            (*where, "services", position), f"no service {code!r} in the catalogue"
                        )
                    )
        if "municipality" in client.roles:
            if client.municipality is None:
                problems.append(
                    document.problem(where, "a municipality client names its municipality")
                )
            elif catalogue.municipality(client.municipality) is None:
                problems.append(
                    document.problem(
                        (*where, "municipality"), f"no municipality {client.municipality!r}"
                    )
                )
