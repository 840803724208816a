"""The request path as a feature: what every gateway has, whatever else it switches on.

Its readiness (catalogue, store, registries, broker), its workers (the outbox relay, the
status consumer and the callback sender: one thread and one broker connection each, never
shared with request handlers, ARCHITECTURE §5), its scrape-time metrics (breakers, outbox,
overdue complaint services) and the closing of the store and the registries' clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from adapters.registry import ResilientRegistry
from contracts.catalogue import Catalogue
from gateway.callback_origins import CallbackPolicy
from gateway.callbacks import CallbackSender
from gateway.features import Feature, ReadinessCheck, ReadinessReport, Scope, Worker
from gateway.metrics import GatewayMetrics, StateSources
from gateway.ops.queries import complaint_deadlines, outbox_backlog, overdue_counts
from gateway.relay import Relay
from gateway.settings import Settings
from gateway.status import StatusConsumer
from gateway.store import Store


def build_request_path(
    settings: Settings,
    catalogue: Catalogue,
    registries: Mapping[str, ResilientRegistry],
    store: Store,
    metrics: GatewayMetrics,
    *,
    callbacks: CallbackPolicy,
    central_institutions: Sequence[str],
) -> Feature:
    codes = list(catalogue.municipality_codes)
    deadlines = complaint_deadlines(catalogue)

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

    readiness: list[ReadinessCheck] = [catalogue_ready, store_ready, registries_ready]
    workers: list[Worker] = []
    if settings.relay_enabled:
        relay = Relay(
            store,
            settings.amqp_url,
            municipality_codes=codes,
            central_institutions=central_institutions,
            lease_s=settings.relay_lease_s,
            metrics=metrics,
        )
        # Once per deployment: row leases keep two relays from sending a row twice, but one
        # relay keeps a request's hand-offs in commit order and one confirm window on the
        # broker.
        workers.append(Worker("outbox-relay", Scope.PER_DEPLOYMENT, relay))

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

        readiness.append(broker_ready)
    if settings.status_consumer_enabled:
        # Per process: the queue gives each update to one consumer, and each is checked
        # against the request's stored status (known request, legal transition).
        consumer = StatusConsumer(
            store, settings.amqp_url, municipality_codes=codes, metrics=metrics
        )
        workers.append(Worker("status-consumer", Scope.PER_PROCESS, consumer))
        sender = CallbackSender(
            store, settings.callback_secret.get_secret_value().encode(), policy=callbacks
        )
        # Once per deployment: one sender keeps a request's callbacks in the order of its
        # status changes, as the portal must see them.
        workers.append(Worker("callback-sender", Scope.PER_DEPLOYMENT, sender))

    async def close() -> None:
        for registry in registries.values():
            await registry.aclose()
        store.close()

    return Feature(
        "requests",
        workers=tuple(workers),
        readiness=tuple(readiness),
        metrics=StateSources(
            breakers=lambda: {name: r.breaker_state() for name, r in registries.items()},
            outbox=lambda: outbox_backlog(store),
            complaints_overdue=lambda: overdue_counts(store, deadlines),
        ),
        close=close,
    )
