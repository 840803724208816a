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
from datetime import datetime
from pathlib import Path

import structlog

from adapters.operations import ContractError
from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry, build_registry
from contracts.catalogue import Catalogue, load_catalogue
from gateway.access import Client, index_clients
from gateway.acts.channel import build_acts_channel
from gateway.acts.desk import ActDesk
from gateway.callback_origins import CallbackPolicy
from gateway.callbacks import CallbackSender
from gateway.complaints.channel import build_complaints_channel
from gateway.complaints.desk import ComplaintDesk
from gateway.development_credentials import refuse_development_credentials
from gateway.hearings.channel import build_hearings_channel
from gateway.hearings.desk import HearingDesk
from gateway.intake import Intake
from gateway.metrics import GatewayMetrics, StateSources
from gateway.open.channel import OpenDataChannel, build_open_data
from gateway.open.readiness import Readiness, SourceReadiness
from gateway.ops.dead_letters import DeadLetterDesk
from gateway.ops.instruments import equip
from gateway.ops.live_log import LiveLog
from gateway.ops.sign_in import OpsSignIn
from gateway.relay import Relay
from gateway.routing.config import ClientConfig, RegistryConfig, load_routing_file
from gateway.routing.engine import RoutingEngine
from gateway.routing.table import RoutingTable, compile_routing
from gateway.settings import Environment, Settings
from gateway.status import StatusConsumer
from gateway.store import Store
from gateway.store.clock import utc_now

log = structlog.get_logger()


@dataclass(frozen=True)
class ReadinessReport:
    name: str
    ready: bool
    detail: str = ""
    status: Readiness | None = None
    """ready, degraded or not_ready; by default what ``ready`` says."""
    required: bool = True
    """False for a part the gateway serves citizens' requests without (the open-data feeds):
    its state is reported, but it does not fail ``/ready``."""
    sources: tuple[SourceReadiness, ...] = ()


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
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    live_log: LiveLog = field(default_factory=LiveLog)
    dead_letters: DeadLetterDesk | None = None
    state_sources: StateSources = field(default_factory=StateSources)
    complaints: ComplaintDesk | None = None
    open_data: OpenDataChannel | None = None
    acts: ActDesk | None = None
    hearings: HearingDesk | None = None
    ops_sign_in: OpsSignIn | None = None

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


def _start_workers(gateway: Gateway) -> None:
    """The relay, the status consumer and the callback sender: one thread and one broker
    connection each, never shared with request handlers (ARCHITECTURE §5)."""
    settings, store = gateway.settings, gateway.store
    codes = list(gateway.catalogue.municipality_codes)
    workers: list[Relay | StatusConsumer | CallbackSender] = []
    if settings.relay_enabled:
        desk = gateway.complaints
        central = [i.id for i in desk.catalogue.central_institutions] if desk else []
        relay = Relay(
            store,
            settings.amqp_url,
            municipality_codes=codes,
            central_institutions=central,
            lease_s=settings.relay_lease_s,
            metrics=gateway.metrics,
        )
        workers.append(relay)

        async def broker_ready() -> ReadinessReport:
            health = await asyncio.to_thread(relay.health)
            detail = (
                f"broker {health['broker']}; outbox depth {health['outbox_depth']}, "
                f"oldest {health['oldest_unpublished_age_s']} s"
            )
            if health["broker"] != "connected":
                detail += "; hand-offs wait in the outbox until the broker is back"
            # Accepting does not need the broker: the outbox holds what it cannot deliver.
            return ReadinessReport("broker", True, detail)

        gateway.readiness_checks.append(broker_ready)
    if settings.status_consumer_enabled:
        workers.append(
            StatusConsumer(
                store, settings.amqp_url, municipality_codes=codes, metrics=gateway.metrics
            )
        )
        workers.append(
            CallbackSender(
                store,
                settings.callback_secret.get_secret_value().encode(),
                policy=callback_policy(gateway.table.clients, settings.environment),
            )
        )
    for worker in workers:
        worker.start()

    async def stop_workers() -> None:
        for worker in reversed(workers):
            await asyncio.to_thread(worker.stop)

    gateway.closers.append(stop_workers)


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
    store = Store.from_url(settings.database_url)
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
    hearings = build_hearings_channel(store, clock=clock)
    intake = Intake(
        catalogue=catalogue,
        table=table,
        engine=engine,
        store=store,
        metrics=metrics,
        on_accept=hearings.on_accept,
    )
    gateway = Gateway(
        settings=settings,
        catalogue=catalogue,
        table=table,
        registries=registries,
        store=store,
        intake=intake,
        clients_by_key_hash=index_clients(table.clients),
        metrics=metrics,
        hearings=hearings.desk,
        ops_sign_in=OpsSignIn(
            store,
            idle_s=settings.ops_session_idle_s,
            max_s=settings.ops_session_max_s,
            max_failures=settings.ops_sign_in_max_failures,
            window_s=settings.ops_sign_in_window_s,
        ),
    )
    equip(gateway)
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
    complaints = build_complaints_channel(settings, catalogue, store)
    gateway.complaints = complaints.desk
    _start_workers(gateway)

    async def complaints_ready() -> ReadinessReport:
        return ReadinessReport("complaints", *complaints.readiness())

    gateway.readiness_checks.append(complaints_ready)
    gateway.closers.append(complaints.close)

    acts = build_acts_channel(
        settings,
        store,
        municipality_codes=catalogue.municipality_codes,
        central_institutions=[i.id for i in complaints.desk.catalogue.central_institutions],
    )
    gateway.acts = acts.desk

    async def acts_ready() -> ReadinessReport:
        return ReadinessReport("acts", *acts.readiness())

    gateway.readiness_checks.append(acts_ready)
    gateway.closers.append(acts.close)

    open_data = build_open_data(settings, catalogue, table, store, policy_of=policy_of)
    open_data.service.register(acts.feed())
    open_data.service.register(hearings.feed())
    gateway.open_data = open_data

    async def open_data_ready() -> ReadinessReport:
        status, detail, sources = open_data.readiness()
        return ReadinessReport(
            "open_data",
            status is not Readiness.NOT_READY,
            detail,
            status=status,
            required=False,
            sources=tuple(sources),
        )

    gateway.readiness_checks.append(open_data_ready)
    gateway.closers.append(open_data.close)
    return gateway
