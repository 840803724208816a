"""The gateway's Prometheus metrics: one ``CollectorRegistry`` per running gateway.

Counters and histograms are updated where things happen (the intake, the routing engine,
the relay, the status consumer) and cost a label lookup and an addition each. What is a
state rather than an event (breakers, the outbox backlog, dead letters waiting, complaints
past their deadline) is read when Prometheus scrapes, by ``StateCollector``, so the request
path never pays for it.

Label values are always from closed sets (catalogue codes, registry names, fixed outcome
words): a value a caller made up is counted as ``unknown``, so nobody can grow the number of
series by sending nonsense.

Several worker processes (``serve --workers N``) share one scrape through prometheus_client's
multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set (``serve`` sets it for its workers),
every counter and histogram writes to a file of its process, and the worker that answers a
scrape sums them all. The scrape-time states are read once, by that worker, from the store:
the outbox depth is the real depth, not one copy per worker. Gauges say how they combine: the
requests in flight are summed over the live workers; ``ekomunat_worker_requests_handled`` keeps
one series per live worker (label ``pid``), so an operator sees the load spread.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

log = structlog.get_logger()

ROUTE_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REGISTRY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BREAKER_STATES = ("closed", "half_open", "open")
UNKNOWN = "unknown"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
IN_FLIGHT_SAMPLE_S = 0.5
LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")

REQUEST_OUTCOMES = ("answered", "accepted", "replayed", "refused", "failed")
"""answered: sync 200; accepted: async 202; replayed: an Idempotency-Key repeat;
refused: a 4xx (bad input, rule failed, not found); failed: a registry fault or a crash."""


class GatewayMetrics:
    """The metric objects of one gateway, registered in its own registry."""

    def __init__(
        self,
        *,
        services: Iterable[str] = (),
        municipalities: Iterable[str] = (),
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        shared = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        self.multiprocess_dir = Path(shared) if shared else None
        # Label lookups cost ~1.4 µs each in prometheus_client; the hot path keeps the
        # children it has used. Keys are label values already bounded (see service_label).
        self._request_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._registry_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._services = frozenset(services)
        self._municipalities = frozenset(municipalities)
        self.requests = Counter(
            "ekomunat_requests",
            "Citizen requests by service, municipality and outcome.",
            ["service", "municipality", "outcome"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "ekomunat_refusals",
            "Requests refused or failed, by the problem code the portal received.",
            ["code"],
            registry=self.registry,
        )
        self.route_duration = Histogram(
            "ekomunat_route_duration_seconds",
            "Time from receiving a request to answering it, per route (service).",
            ["service"],
            buckets=ROUTE_BUCKETS_S,
            registry=self.registry,
        )
        self.registry_calls = Counter(
            "ekomunat_registry_calls",
            "Calls to the state registries by registry and outcome.",
            ["registry", "outcome"],
            registry=self.registry,
        )
        self.registry_duration = Histogram(
            "ekomunat_registry_call_duration_seconds",
            "Duration of registry calls (retries included), per registry and operation.",
            ["registry", "operation"],
            buckets=REGISTRY_BUCKETS_S,
            registry=self.registry,
        )
        self.publishes = Counter(
            "ekomunat_relay_publishes",
            "Hand-off messages the broker confirmed, returned as unroutable, or that were "
            "released to be sent again.",
            ["result"],
            registry=self.registry,
        )
        self.status_updates = Counter(
            "ekomunat_status_updates",
            "Municipal status updates consumed: accepted, dead_lettered or retried.",
            ["outcome"],
            registry=self.registry,
        )
        self.callbacks = Counter(
            "ekomunat_callbacks",
            "Status callbacks to the portal: delivered or failed attempts.",
            ["result"],
            registry=self.registry,
        )
        self.replays = Counter(
            "ekomunat_dead_letter_replays",
            "Dead letters an operator replayed, and replays that failed.",
            ["result"],
            registry=self.registry,
        )
        self.breaker_resets = Counter(
            "ekomunat_breaker_resets",
            "Circuit breakers reset by an operator.",
            ["registry"],
            registry=self.registry,
        )
        self.overload_refusals = Counter(
            "ekomunat_overload_refusals",
            "Requests refused at the door (503) because too many were in flight.",
            registry=self.registry,
        )
        in_flight = Gauge(
            "ekomunat_http_requests_in_flight",
            "HTTP requests being handled now that count against the admission limit "
            "(summed over the live workers).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.in_flight: Gauge | SampledGauge = (
            in_flight if self.multiprocess_dir is None else SampledGauge(in_flight)
        )
        self.worker_requests = Gauge(
            "ekomunat_worker_requests_handled",
            "Citizen requests this worker process finished since it started (one series per "
            "live worker, label pid, when serve runs several).",
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        # What the multiprocess files hold: a scrape takes these from the files, not from
        # this process's objects (see ``exposition``).
        self.file_backed = frozenset(family.name for family in self.registry.collect())

    def service_label(self, service: str) -> str:
        return service if service in self._services else UNKNOWN

    def municipality_label(self, municipality: str) -> str:
        return municipality if municipality in self._municipalities else UNKNOWN

    def request_finished(
        self, service: str, municipality: str, outcome: str, seconds: float
    ) -> None:
        key = (self.service_label(service), self.municipality_label(municipality), outcome)
        children = self._request_children.get(key)
        if children is None:
            children = (self.requests.labels(*key), self.route_duration.labels(key[0]))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        self.worker_requests.inc()

    def refused(self, code: str) -> None:
        self.refusals.labels(code).inc()

    def registry_call(self, registry: str, operation: str, outcome: str, seconds: float) -> None:
        key = (registry, operation, outcome)
        children = self._registry_children.get(key)
        if children is None:
            children = (
                self.registry_calls.labels(registry, outcome),
                self.registry_duration.labels(registry, operation),
            )
            self._registry_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format; with several workers, every worker's
        counters and histograms summed, and the states read once, here."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        forget_dead_workers(self.multiprocess_dir)
        return generate_latest(_WorkersScrape(self))


class _WorkersScrape:
    """One scrape over every worker: the shared files, then this process's scrape-time
    states (its own copies of the file-backed metrics are left out)."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from MultiProcessCollector(None, path=str(self._metrics.multiprocess_dir)).collect()
        for family in self._metrics.registry.collect():
            if family.name not in self._metrics.file_backed:
                yield family


class SampledGauge:
    """A gauge fed by a function, for multiprocess mode, where ``set_function`` cannot work:
    the scraping worker cannot call a function of another process. A daemon thread writes the
    function's value to the worker's file every ``IN_FLIGHT_SAMPLE_S``; a scrape may be that
    much behind."""

    def __init__(self, gauge: Gauge) -> None:
        self.gauge = gauge

    def set_function(self, read: Callable[[], float]) -> None:
        pause = threading.Event()

        def sample() -> None:
            while True:
                self.gauge.set(read())
                pause.wait(IN_FLIGHT_SAMPLE_S)

        threading.Thread(target=sample, name="in-flight-sampler", daemon=True).start()


def forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of worker processes that died without saying so (kill -9, OOM):
    their counters stay in the sum, as counters must, but their in-flight requests do not."""
    for path in directory.glob("gauge_live*_*.db"):
        match = LIVE_GAUGE_FILE.fullmatch(path.name)
        if match and not _alive(int(match.group(1))):
            mark_process_dead(int(match.group(1)), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Backlog:
    """Unsent outbox rows of one kind and the age of the oldest."""

    depth: int
    oldest_age_s: float


@dataclass(frozen=True)
class StateSources:
    """Where ``StateCollector`` reads states from; each is optional and may fail alone."""

    breakers: Callable[[], Mapping[str, str]] | None = None
    outbox: Callable[[], Mapping[str, Backlog]] | None = None
    dead_letters: Callable[[], int | None] | None = None
    complaints_overdue: Callable[[], Mapping[str, int]] | None = None


V = TypeVar("V")


def _union(readers: list[Callable[[], Mapping[str, V]]]) -> Callable[[], Mapping[str, V]] | None:
    if len(readers) <= 1:
        return readers[0] if readers else None
    return lambda: {key: value for read in readers for key, value in read().items()}


def combine_sources(parts: Iterable[StateSources]) -> StateSources:
    """The features' sources as one: each feature names the sources it has, and a metric fed
    by several (overdue complaints: catalogue services and Open311 categories) is their union,
    so it stays one family in the exposition."""
    chosen = list(parts)

    dead_letters = [p.dead_letters for p in chosen if p.dead_letters is not None]
    return StateSources(
        breakers=_union([p.breakers for p in chosen if p.breakers is not None]),
        outbox=_union([p.outbox for p in chosen if p.outbox is not None]),
        dead_letters=dead_letters[0] if dead_letters else None,
        complaints_overdue=_union(
            [p.complaints_overdue for p in chosen if p.complaints_overdue is not None]
        ),
    )


class StateCollector(Collector):
    """Reads the gateway's states at scrape time.

    A source that fails (the database is down) leaves its metric out of this scrape and logs
    why; the rest of the scrape still answers, so an outage shows as missing series.
    """

    def __init__(self, sources: StateSources) -> None:
        self.sources = sources

    def describe(self) -> Iterable[Metric]:
        # Nothing described: registering must not read the sources (the store may be down).
        return []

    def collect(self) -> Iterable[Metric]:
        yield from self._guarded("breakers", self._breakers)
        yield from self._guarded("outbox", self._outbox)
        yield from self._guarded("dead_letters", self._dead_letters)
        yield from self._guarded("complaints_overdue", self._complaints)

    def _guarded(self, name: str, produce: Callable[[], list[Metric]]) -> list[Metric]:
        try:
            return produce()
        except Exception as exc:  # a scrape must answer even when one source is down
            log.warning("metrics.source_failed", source=name, error=type(exc).__name__)
            return []

    def _breakers(self) -> list[Metric]:
        if self.sources.breakers is None:
            return []
        family = GaugeMetricFamily(
            "ekomunat_registry_breaker_state",
            "Circuit breaker state per registry: 1 for the current state, 0 for the others.",
            labels=["registry", "state"],
        )
        for registry, current in sorted(self.sources.breakers().items()):
            for state in BREAKER_STATES:
                family.add_metric([registry, state], 1.0 if state == current else 0.0)
        return [family]

    def _outbox(self) -> list[Metric]:
        if self.sources.outbox is None:
            return []
        depth = GaugeMetricFamily(
            "ekomunat_outbox_depth", "Outbox rows not yet sent, by kind.", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "ekomunat_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest outbox row not yet sent, by kind (0 when none waits).",
            labels=["kind"],
        )
        for kind, backlog in sorted(self.sources.outbox().items()):
            depth.add_metric([kind], float(backlog.depth))
            age.add_metric([kind], backlog.oldest_age_s)
        return [depth, age]

    def _dead_letters(self) -> list[Metric]:
        if self.sources.dead_letters is None:
            return []
        count = self.sources.dead_letters()
        if count is None:
            return []
        return [
            GaugeMetricFamily(
                "ekomunat_dead_letters",
                "Messages waiting in the dead-letter queue (last known count).",
                value=float(count),
            )
        ]

    def _complaints(self) -> list[Metric]:
        if self.sources.complaints_overdue is None:
            return []
        family = GaugeMetricFamily(
            "ekomunat_complaints_overdue",
            "Complaints still open past their legal answer deadline, by service.",
            labels=["service"],
        )
        for service, count in sorted(self.sources.complaints_overdue().items()):
            family.add_metric([service], float(count))
        return [family]
