"""The composition root: the one place that chooses concrete parts and wires them.

The HTTP app, the stand-alone relay and the CLI all call ``bootstrap(settings)``. Everything
slow or fallible (catalogue checks, routing checks, WSDL loading, database migrations) happens
here, once, before the first request, so that a broken file stops the start and never a
citizen's request.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from adapters.operations import ContractError
from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry, build_registry
from contracts.catalogue import Catalogue, load_catalogue
from gateway.access import Client, index_clients
from gateway.intake import Intake
from gateway.routing.config import RegistryConfig, load_routing_file
from gateway.routing.engine import RoutingEngine
from gateway.routing.table import RoutingTable, compile_routing
from gateway.settings import Settings
from gateway.store import Store

log = structlog.get_logger()


@dataclass(frozen=True)
class ReadinessReport:
    name: str
    ready: bool
    detail: str = ""


ReadinessCheck = Callable[[], Awaitable[ReadinessReport]]


@dataclass
class Gateway:
    """The parts of one running gateway, as the API and the workers see them."""

    settings: Settings
    catalogue: Catalogue
    table: RoutingTable
    registries: Mapping[str, ResilientRegistry]
    store: Store
    intake: Intake
    clients_by_key_hash: Mapping[str, Client]
    readiness_checks: list[ReadinessCheck] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def readiness(self) -> list[ReadinessReport]:
        return [await check() for check in self.readiness_checks]

    async def close(self) -> None:
        for closer in reversed(self.closers):
            await closer()
        self.closers.clear()


def policy_of(config: RegistryConfig) -> RegistryPolicy:
    return RegistryPolicy(
        timeout_s=config.timeout_s,
        retries=config.retries,
        backoff_base_s=config.backoff.initial_s,
        backoff_max_s=max(config.backoff.max_s, config.backoff.initial_s),
        failure_threshold=config.breaker.failure_threshold,
        cool_down_s=config.breaker.cool_down_s,
        max_connections=config.max_connections,
    )


def build_routing(
    settings: Settings, catalogue: Catalogue
) -> tuple[RoutingTable, dict[str, ResilientRegistry]]:
    """Load routing.yaml, load each registry's contract once, and check every route."""
    routing, document = load_routing_file(settings.routing_file)
    registries: dict[str, ResilientRegistry] = {}
    for name, config in routing.registries.items():
        try:
            registries[name.value] = build_registry(
                name.value,
                kind=config.kind,
                contract=settings.contracts_root / config.contract,
                endpoint=config.endpoint,
                policy=policy_of(config),
            )
        except (ContractError, ValueError) as exc:
            raise document.error(("registries", name.value, "contract"), str(exc)) from exc
    operations = {name: registry.operations() for name, registry in registries.items()}
    table = compile_routing(routing, document, catalogue, operations)
    return table, registries


def bootstrap(settings: Settings) -> Gateway:
    catalogue = load_catalogue(settings.catalogue_dir)
    table, registries = build_routing(settings, catalogue)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    store = Store.from_url(settings.database_url)
    engine = RoutingEngine(
        registries,
        retry_after_s={
            name: max(1, math.ceil(config.breaker.cool_down_s))
            for name, config in table.registries.items()
        },
    )
    intake = Intake(catalogue=catalogue, table=table, engine=engine, store=store)
    gateway = Gateway(
        settings=settings,
        catalogue=catalogue,
        table=table,
        registries=registries,
        store=store,
        intake=intake,
        clients_by_key_hash=index_clients(table.clients),
    )
    log.info(
        "gateway.started",
        services=len(catalogue.services),
        municipalities=len(catalogue.municipalities),
        routes=len(table.routes),
        registries=sorted(registries),
        store=store.dialect,
    )

    async def catalogue_ready() -> ReadinessReport:
        return ReadinessReport("catalogue", True, f"{len(catalogue.services)} services")

    async def store_ready() -> ReadinessReport:
        try:
            stats = await asyncio.to_thread(store.outbox_stats)
        except Exception as exc:  # any database failure means: not ready
            return ReadinessReport("store", False, type(exc).__name__)
        return ReadinessReport("store", True, f"{store.dialect}; outbox depth {stats.depth}")

    async def registries_ready() -> ReadinessReport:
        states = {name: r.breaker_state() for name, r in registries.items()}
        detail = ", ".join(f"{name}: {state}" for name, state in sorted(states.items()))
        # An open breaker degrades the routes that need that registry, not the whole gateway.
        return ReadinessReport("registries", True, detail)

    async def close_registries() -> None:
        for registry in registries.values():
            await registry.aclose()

    async def close_store() -> None:
        store.close()

    gateway.readiness_checks += [catalogue_ready, store_ready, registries_ready]
    gateway.closers += [close_store, close_registries]
    return gateway
