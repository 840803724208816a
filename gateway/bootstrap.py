"""The composition root: the one place that chooses concrete parts and wires them.

The HTTP app and the CLI's ``serve`` call ``bootstrap(settings)``. Everything slow or fallible
(catalogue checks, routing checks, WSDL loading, database migrations) happens here, once,
before the first request, so that a broken file stops the start and never a citizen's request.
Each feature's builder gives one ``Feature`` (``gateway.features``); bootstrap builds the list
and the ``Gateway`` from it, and starts nothing: the workers start in the app's lifespan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import structlog

from adapters.operations import ContractError
from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry, build_registry
from contracts.catalogue import Catalogue, load_catalogue
from gateway.access import Client, index_clients
from gateway.acts.channel import build_acts_channel
from gateway.assembly.channel import build_assembly_channel
from gateway.audit.channel import build_audit
from gateway.callback_origins import CallbackPolicy
from gateway.complaints.channel import build_complaints_channel
from gateway.development_credentials import refuse_development_credentials
from gateway.features import Feature, ReadinessReport, Worker
from gateway.hearings.channel import build_hearings_channel
from gateway.intake import Intake
from gateway.metrics import GatewayMetrics, StateCollector, combine_sources
from gateway.open.channel import build_open_data
from gateway.ops.instruments import (
    build_dead_letters,
    build_shared_ops,
    build_sign_in,
    instance_id,
)
from gateway.ops.live_log import LiveLog
from gateway.participation.channel import build_participation_channel
from gateway.request_path import build_request_path
from gateway.routing.config import ClientConfig, RegistryConfig, load_routing_file
from gateway.routing.engine import RoutingEngine
from gateway.routing.table import RoutingTable, compile_routing
from gateway.settings import Environment, Settings
from gateway.store import Store
from gateway.store.clock import utc_now

log = structlog.get_logger()


T = TypeVar("T")


@dataclass(frozen=True)
class Gateway:
    """The parts of one running gateway, as the API and the workers see them.

    Built once by ``bootstrap`` and never changed: what a feature brings is in ``features``,
    and a handler reaches a feature's part by its type (``part``, through ``gateway.api.deps``).
    """

    settings: Settings
    catalogue: Catalogue
    table: RoutingTable
    registries: Mapping[str, ResilientRegistry]
    store: Store
    intake: Intake
    clients_by_key_hash: Mapping[str, Client]
    metrics: GatewayMetrics
    features: tuple[Feature, ...] = ()
    live_log: LiveLog = field(default_factory=LiveLog)
    _parts: dict[type, object] = field(init=False, repr=False, compare=False)
    _open: list[Feature] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = {type(part): part for feature in self.features for part in feature.provides}
        # Frozen: the two indexes are set once here; ``_open`` only ever shrinks, on close.
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(self, "_open", list(self.features))

    def part(self, kind: type[T]) -> T | None:
        """The part of type ``kind`` a feature provides, or None when no feature does."""
        found = self._parts.get(kind)
        return found if isinstance(found, kind) else None

    @property
    def workers(self) -> tuple[Worker, ...]:
        return tuple(worker for feature in self.features for worker in feature.workers)

    async def readiness(self) -> list[ReadinessReport]:
        return [await check() for feature in self.features for check in feature.readiness]

    async def close(self) -> None:
        """Close each feature once, the last built first (the store and registries last)."""
        while self._open:
            await self._open.pop().close()


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
            registries[name] = build_registry(
                name,
                kind=config.kind,
                contract=settings.contracts_root / config.contract,
                endpoint=config.endpoint,
                policy=policy_of(config),
            )
        except (ContractError, ValueError) as exc:
            raise document.error(("registries", name, "contract"), str(exc)) from exc
    operations = {name: registry.operations() for name, registry in registries.items()}
    table = compile_routing(routing, document, catalogue, operations)
    return table, registries


def callback_policy(
    clients: Mapping[str, ClientConfig], environment: Environment
) -> CallbackPolicy:
    """The callback origins routing.yaml declares, as the callback sender checks them."""
    return CallbackPolicy(
        {name: [o.parsed() for o in config.callback_origins] for name, config in clients.items()},
        production=environment is Environment.PRODUCTION,
    )


def bootstrap(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Gateway:
    """Build one gateway from settings; ``clock`` is the hearings' time (a test moves it)."""
    catalogue = load_catalogue(settings.catalogue_dir)
    table, registries = build_routing(settings, catalogue)
    if settings.environment is Environment.PRODUCTION:
        refuse_development_credentials(settings, table.clients)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    store = Store.from_url(settings.database_url, group_commit=settings.group_commit)
    metrics = GatewayMetrics(
        services=(s.code for s in catalogue.services), municipalities=catalogue.municipality_codes
    )
    engine = RoutingEngine(
        registries,
        retry_after_s={
            name: max(1, math.ceil(config.breaker.cool_down_s))
            for name, config in table.registries.items()
        },
        metrics=metrics,
    )
    live_log = LiveLog(instance=instance_id(settings))
    audit = build_audit(settings, catalogue, table, store, clock=clock)
    hearings = build_hearings_channel(store, clock=clock)
    assembly = build_assembly_channel(
        store, notice_days=settings.assembly_agenda_notice_days, clock=clock
    )
    participation = build_participation_channel(settings, store, clock=clock)
    complaints = build_complaints_channel(settings, catalogue, store)
    central = [i.id for i in complaints.desk.catalogue.central_institutions]
    acts = build_acts_channel(
        settings,
        store,
        municipality_codes=catalogue.municipality_codes,
        central_institutions=central,
        on_decision=audit.trail.act_decision,
    )
    open_data = build_open_data(
        settings,
        catalogue,
        table,
        store,
        policy_of=policy_of,
        registers=(acts.feed(), hearings.feed(), *assembly.feeds(), *participation.feeds()),
    )
    features = (
        build_request_path(
            settings,
            catalogue,
            registries,
            store,
            metrics,
            callbacks=callback_policy(table.clients, settings.environment),
            central_institutions=central,
        ),
        build_dead_letters(settings, metrics),
        build_sign_in(settings, store),
        build_shared_ops(settings, metrics, registries, live_log),
        hearings.feature(),
        assembly.feature(),
        participation.feature(),
        complaints.feature(),
        acts.feature(),
        open_data.feature(),
        audit.feature(),
    )
    metrics.registry.register(StateCollector(combine_sources(f.metrics for f in features)))
    intake = Intake(
        catalogue=catalogue,
        table=table,
        engine=engine,
        store=store,
        metrics=metrics,
        on_accept={**hearings.on_accept, **participation.on_accept},
        reads=audit.trail,
    )
    log.info(
        "gateway.started",
        services=len(catalogue.services),
        municipalities=len(catalogue.municipalities),
        routes=len(table.routes),
        registries=sorted(registries),
        store=store.dialect,
        features=[feature.name for feature in features],
    )
    return Gateway(
        settings=settings,
        catalogue=catalogue,
        table=table,
        registries=registries,
        store=store,
        intake=intake,
        clients_by_key_hash=index_clients(table.clients),
        metrics=metrics,
        features=features,
        live_log=live_log,
    )
