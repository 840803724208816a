"""The background refresh of the open-data feeds: every source document, every period.

The refresher runs in its own thread with its own event loop and its own registry clients
(built from the same ``routing.yaml`` entries as the routes' clients), so the CPU it spends
checking and mapping answers never stalls a citizen's request on the API's loop. Each period
it asks each source which years it publishes, then fetches every municipality's document of
every year, a bounded number at a time, through the registry adapters (contract checked,
retried, behind the breaker). A failed fetch leaves the last good snapshot in place and marks
it failing; a "not found" removes it. One log line per source and period says how it went.

The period is at most 30 s (``OpenDataSettings.refresh_s``): a change in a source is in the
feeds by the end of the next refresh, well within a minute.

After each refresh what changed is kept in the store (``SnapshotArchive``), off the loop, so a
restarted gateway serves the last good data even when a source is down at its start, and the
other instances of the deployment serve it too (``gateway.open.follower``): the refresher runs
once per deployment, under a lease. ``fence`` gives it the lease's check: a refresher whose
lease ran out (its process was paused) keeps nothing, and ``stop`` cancels the refresh under
way rather than letting it finish.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

import structlog
from pydantic import BaseModel

from adapters.errors import RegistryError, RegistryNotFound
from contracts.open_records import FiscalYears
from gateway.open.feeds import FeedKey, FeedStore
from gateway.open.snapshots import SnapshotArchive

log = structlog.get_logger()


class SourceClient(Protocol):
    """What the refresher needs of a registry client (``adapters.registry`` builds them)."""

    name: str

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel: ...

    async def aclose(self) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _always() -> bool:
    return True


class FeedRefresher:
    """Keeps a ``FeedStore`` filled from the transparency sources."""

    def __init__(
        self,
        store: FeedStore,
        sources: Mapping[str, SourceClient],
        *,
        municipalities: Sequence[str],
        period_s: float,
        concurrency: int = 8,
        archive: SnapshotArchive | None = None,
    ) -> None:
        self._store = store
        self._archive = archive
        self._sources = sources
        self._municipalities = tuple(municipalities)
        self._period_s = period_s
        self._concurrency = concurrency
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._current: asyncio.Task[dict[str, Counter[str]]] | None = None
        self._holds: Callable[[], bool] = _always
        self.refreshes = 0
        self.last_refresh_s = 0.0
        self.answered: set[str] = set()
        """Sources that have answered a fetch (a document, or "no such document") in this run."""

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the sources refreshed, in ``routing.yaml``'s order."""
        return tuple(self._sources)

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``: this process refreshes the feeds."""
        return self._thread is not None

    def fence(self, holds: Callable[[], bool]) -> None:
        """``holds()`` says whether this process may still write the deployment's snapshots."""
        self._holds = holds

    # ---- life in a thread ------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the feed refresher is already running")
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="open-data-refresher", daemon=True
        )
        self._thread.start()
        ready.wait(5)

    def stop(self, timeout: float = 10.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._halt, stop)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _halt(self, stop: asyncio.Event) -> None:
        stop.set()
        if self._current is not None:
            self._current.cancel()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._forever(ready))
        finally:
            loop.run_until_complete(self._close_sources())
            loop.close()

    async def _forever(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        ready.set()
        log.info("open.refresher.started", period_s=self._period_s, sources=sorted(self._sources))
        while not self._stop.is_set():
            started = time.monotonic()
            self._current = asyncio.create_task(self.refresh_once())
            try:
                await self._current
            except asyncio.CancelledError:
                if not self._stop.is_set():
                    raise
                log.info("open.refresh.cancelled")
                break
            except Exception:  # the loop must outlive any one refresh
                log.exception("open.refresh.crashed")
            finally:
                self._current = None
            elapsed = time.monotonic() - started
            try:
                await asyncio.wait_for(self._stop.wait(), max(0.0, self._period_s - elapsed))
            except TimeoutError:
                continue
        log.info("open.refresher.stopped")

    async def _close_sources(self) -> None:
        for source in self._sources.values():
            await source.aclose()

    # ---- one refresh ---------------------------------------------------------------------

    async def refresh_once(self) -> dict[str, Counter[str]]:
        """Fetch every document once; returns the outcomes per source (for logs and tests)."""
        started = time.perf_counter()
        limit = asyncio.Semaphore(self._concurrency)
        outcomes: dict[str, Counter[str]] = {name: Counter() for name in self._sources}
        jobs: list[Awaitable[None]] = []
        for source, years_operation, kinds in (
            (
                "treasury",
                "getFiscalYears",
                (("budget", "getBudget"), ("revenues", "getOwnRevenues")),
            ),
            ("procurement", "getProcurementYears", (("releases", "getReleasePackage"),)),
        ):
            if source in self._sources:
                jobs.append(self._per_year(source, years_operation, kinds, limit, outcomes))
        if "urban_planning" in self._sources:
            jobs.extend(
                self._fetch(
                    "urban_planning",
                    "listPlans",
                    {"municipalityCode": code},
                    ("plans", code, None),
                    limit,
                    outcomes,
                )
                for code in self._municipalities
            )
        if "ministry_permits" in self._sources:
            jobs.append(self._central_permits(limit, outcomes))
        await asyncio.gather(*jobs)
        if self._archive is not None:
            if self._holds():
                await asyncio.to_thread(self._archive.keep, self._store)
            else:
                # Another instance may hold the lease by now: what it keeps is newer.
                log.warning("open.refresh.fenced", sources=sorted(self._sources))
        self.refreshes += 1
        self.last_refresh_s = time.perf_counter() - started
        for source, counts in outcomes.items():
            log.info(
                "open.refresh.finished",
                source=source,
                duration_ms=round(self.last_refresh_s * 1000, 1),
                **dict(counts),
            )
        return outcomes

    async def _years(
        self,
        source: str,
        operation: str,
        limit: asyncio.Semaphore,
        outcomes: dict[str, Counter[str]],
    ) -> tuple[int, ...]:
        key: FeedKey = ("years", source, None)
        await self._fetch(source, operation, {}, key, limit, outcomes)
        snapshot = self._store.get(key)
        if snapshot is None or not isinstance(snapshot.record, FiscalYears):
            return ()
        return snapshot.record.years

    async def _per_year(
        self,
        source: str,
        years_operation: str,
        kinds: tuple[tuple[str, str], ...],
        limit: asyncio.Semaphore,
        outcomes: dict[str, Counter[str]],
    ) -> None:
        years = await self._years(source, years_operation, limit, outcomes)
        await asyncio.gather(
            *(
                self._fetch(
                    source,
                    operation,
                    {"municipalityCode": code, "year": str(year)},
                    (kind, code, year),
                    limit,
                    outcomes,
                )
                for year in years
                for code in self._municipalities
                for kind, operation in kinds
            )
        )

    async def _central_permits(
        self, limit: asyncio.Semaphore, outcomes: dict[str, Counter[str]]
    ) -> None:
        years = await self._years("ministry_permits", "getPermitYears", limit, outcomes)
        await asyncio.gather(
            *(
                self._fetch(
                    "ministry_permits",
                    "listCentralPermits",
                    {"year": str(year)},
                    ("central_permits", None, year),
                    limit,
                    outcomes,
                )
                for year in years
            )
        )

    async def _fetch(
        self,
        source: str,
        operation: str,
        arguments: Mapping[str, str],
        key: FeedKey,
        limit: asyncio.Semaphore,
        outcomes: dict[str, Counter[str]],
    ) -> None:
        async with limit:
            try:
                record = await self._sources[source].call(operation, arguments)
            except RegistryNotFound:
                self._store.drop(key)
                self.answered.add(source)
                outcomes[source]["absent"] += 1
                return
            except RegistryError as exc:
                self._store.failed(key, exc.code, _now())
                outcomes[source]["failed"] += 1
                return
        changed = self._store.put(key, record, _now())
        self.answered.add(source)
        outcomes[source]["changed" if changed else "unchanged"] += 1
