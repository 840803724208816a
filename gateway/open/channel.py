"""The open-data channel as the composition root builds it: store, service, refresher.

``build_open_data`` is called once by ``gateway.bootstrap``. The refresher gets registry
clients of its own for the transparency sources named in ``routing.yaml`` (it runs on its own
thread and event loop, and an aiohttp session belongs to one loop), built from the very same
entries, so endpoints, timeouts, retries and breakers are configured in one place. The feeds'
last good data is loaded from the store first, so a restart never starts from nothing.
The refresher starts with the app's workers (``feature`` lists it), never here: once per
deployment, under its lease. Every process also runs a ``SnapshotFollower``, which keeps the
feeds what the store holds while the refresher runs elsewhere (or is off here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from adapters.policy import RegistryPolicy
from adapters.registry import build_registry
from contracts.catalogue import Catalogue
from gateway.features import Feature, ReadinessReport, Scope, Worker
from gateway.open.feeds import FeedStore
from gateway.open.follower import SnapshotFollower
from gateway.open.permits import PermitRegister
from gateway.open.readiness import Readiness, SourceReadiness, source_readiness, worst
from gateway.open.refresher import FeedRefresher, SourceClient
from gateway.open.service import FeedSpec, OpenData
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
    follower: SnapshotFollower
    refresher: FeedRefresher | None = None

    def readiness(self) -> tuple[Readiness, str, list[SourceReadiness]]:
        """The feeds' state, and each source's: ``not_ready`` while a source has never given
        good data, ``degraded`` while one is failing and its last good data is served."""
        refresher = self.refresher
        if refresher is None:
            return Readiness.READY, "refresher off", []
        now = datetime.now(UTC)
        here = refresher.running
        # An instance following the holder knows only what the store keeps: each source's
        # data and its age, not whether the source answered the holder's last fetch.
        sources = [
            source_readiness(
                self.service.store,
                name,
                answered=name in refresher.answered if here else False,
                refreshed=refresher.refreshes > 0 if here else self.follower.follows > 0,
                now=now,
            )
            for name in refresher.sources
        ]
        if here:
            last = round(refresher.last_refresh_s, 2)
            detail = f"{refresher.refreshes} refreshes, last took {last} s"
        else:
            detail = "another instance refreshes the feeds; served from the store"
        return worst(source.status for source in sources), detail, sources

    def feature(self) -> Feature:
        async def open_data_ready() -> ReadinessReport:
            status, detail, sources = self.readiness()
            return ReadinessReport(
                "open_data",
                status is not Readiness.NOT_READY,
                detail,
                status=status,
                required=False,
                sources=tuple(sources),
            )

        # Per process: it only reads the store, and only while the refresher is elsewhere.
        workers: tuple[Worker, ...] = (
            Worker("open-data-follower", Scope.PER_PROCESS, self.follower),
        )
        if self.refresher is not None:
            # Once per deployment: every process asking every source for every municipality
            # multiplies the load on the sources by the process count. The other processes
            # serve the snapshots the holder keeps in the store (the follower).
            refresher = Worker("open-data-refresher", Scope.PER_DEPLOYMENT, self.refresher)
            workers = (refresher, *workers)
        return Feature("open_data", provides=(self,), workers=workers, readiness=(open_data_ready,))


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
    registers: Sequence[FeedSpec] = (),
) -> OpenDataChannel:
    """``registers`` are the other features' own feeds (acts, hearings), served beside the
    source feeds."""
    chosen = open_settings or OpenDataSettings()
    feeds = FeedStore()
    archive = SnapshotArchive(store)
    # The last good data of the previous run, with its true age, before any source answers.
    archive.load_into(feeds)
    service = OpenData(
        catalogue=catalogue, store=feeds, settings=chosen, permits=PermitRegister(store)
    )
    for register in registers:
        service.register(register)
    sources = source_clients(settings, table, policy_of=policy_of)
    refresher = None
    if chosen.enabled and sources:
        refresher = FeedRefresher(
            feeds,
            sources,
            municipalities=chosen.refreshed_municipalities(catalogue.municipality_codes),
            period_s=chosen.refresh_s,
            concurrency=chosen.concurrency,
            archive=archive,
        )
    follower = SnapshotFollower(archive, feeds, period_s=chosen.follow_s, refresher=refresher)
    channel = OpenDataChannel(service, follower, refresher)
    log.info(
        "open.ready",
        sources=sorted(sources),
        refresher=channel.refresher is not None,
        refresh_s=chosen.refresh_s,
    )
    return channel
