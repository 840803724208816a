"""The open-data channel as the composition root builds it: store, service, refresher.

``build_open_data`` is called once by ``gateway.bootstrap``. The refresher gets registry
clients of its own for the transparency sources named in ``routing.yaml`` (it runs on its own
thread and event loop, and an aiohttp session belongs to one loop), built from the very same
entries, so endpoints, timeouts, retries and breakers are configured in one place. The feeds'
last good data is loaded from the store first, so a restart never starts from nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from adapters.policy import RegistryPolicy
from adapters.registry import build_registry
from contracts.catalogue import Catalogue
from gateway.open.feeds import FeedStore
from gateway.open.permits import PermitRegister
from gateway.open.readiness import Readiness, SourceReadiness, source_readiness, worst
from gateway.open.refresher import FeedRefresher, SourceClient
from gateway.open.service import OpenData
from gateway.open.settings import OpenDataSettings
from gateway.open.snapshots import SnapshotArchive
from gateway.routing.config import RegistryConfig
from gateway.routing.table import RoutingTable
from gateway.settings import Settings
from gateway.store import Store

log = structlog.get_logger()

SOURCES = ("treasury", "procurement", "urban_planning", "ministry_permits")


@dataclass
class OpenDataChannel:
    service: OpenData
    refresher: FeedRefresher | None = None

    def readiness(self) -> tuple[Readiness, str, list[SourceReadiness]]:
        """The feeds' state, and each source's: ``not_ready`` while a source has never given
        good data, ``degraded`` while one is failing and its last good data is served."""
        refresher = self.refresher
        if refresher is None:
            return Readiness.READY, "refresher off", []
        now = datetime.now(UTC)
        sources = [
            source_readiness(
                self.service.store,
                name,
                answered=name in refresher.answered,
                refreshed=refresher.refreshes > 0,
                now=now,
            )
            for name in refresher.sources
        ]
        detail = (
            f"{refresher.refreshes} refreshes, last took {round(refresher.last_refresh_s, 2)} s"
        )
        return worst(source.status for source in sources), detail, sources

    async def close(self) -> None:
        if self.refresher is not None:
            await asyncio.to_thread(self.refresher.stop)


def source_clients(
    settings: Settings,
    table: RoutingTable,
    *,
    policy_of: Callable[[RegistryConfig], RegistryPolicy],
) -> dict[str, SourceClient]:
    """The refresher's own clients of the transparency sources ``routing.yaml`` names."""
    sources: dict[str, SourceClient] = {}
    for name in SOURCES:
        config = table.registries.get(name)
        if config is None:
            continue
        sources[name] = build_registry(
            name,
            kind=config.kind,
            contract=settings.contracts_root / config.contract,
            endpoint=config.endpoint,
            policy=policy_of(config),
            remember_answers=True,
        )
    return sources


def build_open_data(
    settings: Settings,
    catalogue: Catalogue,
    table: RoutingTable,
    store: Store,
    *,
    policy_of: Callable[[RegistryConfig], RegistryPolicy],
    open_settings: OpenDataSettings | None = None,
) -> OpenDataChannel:
    chosen = open_settings or OpenDataSettings()
    feeds = FeedStore()
    archive = SnapshotArchive(store)
    # The last good data of the previous run, with its true age, before any source answers.
    archive.load_into(feeds)
    service = OpenData(
        catalogue=catalogue, store=feeds, settings=chosen, permits=PermitRegister(store)
    )
    channel = OpenDataChannel(service)
    sources = source_clients(settings, table, policy_of=policy_of)
    if chosen.enabled and sources:
        channel.refresher = FeedRefresher(
            feeds,
            sources,
            municipalities=chosen.refreshed_municipalities(catalogue.municipality_codes),
            period_s=chosen.refresh_s,
            concurrency=chosen.concurrency,
            archive=archive,
        )
        channel.refresher.start()
    log.info(
        "open.ready",
        sources=sorted(sources),
        refresher=channel.refresher is not None,
        refresh_s=chosen.refresh_s,
    )
    return channel
