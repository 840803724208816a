"""What one feature of the gateway brings to it, as one value: the seam every feature plugs into.

A feature (the request path, complaints, acts, hearings, open data, the dead-letter desk, the
dashboard sign-in) is built by its own builder from settings and the core parts, and hands
``bootstrap`` one ``Feature``: the parts its handlers reach (``provides``), the background
workers it needs, its readiness checks, its scrape-time metric sources and how it closes.
``bootstrap`` builds the list and the ``Gateway`` once; nothing changes it afterwards, and
nothing starts: the app's lifespan (or a CLI command) calls ``start_workers`` and
``stop_workers``, so building a gateway in a test, a check or a benchmark never leaves a
thread behind.

The routers stay in ``gateway.app``: the API is the same whatever a deployment switches on
(a feature that is off answers its routes with a 503 problem, see ``gateway.api.deps``), so
the OpenAPI document does not depend on settings, and the routers' order there is a measured
choice (the busiest first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

import structlog

from gateway.leased_worker import LeasedWorker
from gateway.metrics import StateSources
from gateway.open.readiness import Readiness, SourceReadiness

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway

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
Closer = Callable[[], Awaitable[None]]


class Scope(Enum):
    """How many copies of a worker a deployment of several instances (each with several
    processes, ARCHITECTURE §4) may run.

    ``PER_PROCESS``: every process runs its own; the broker or the store shares the work out
    (a queue gives each message to one consumer; the handlers check each message against the
    stored state, so a second consumer cannot apply it twice or out of order).

    ``PER_DEPLOYMENT``: one copy for the whole deployment. ``start_workers`` runs it under a
    lease in the store (``gateway.leased_worker``, named for the worker): every process tries,
    the holder runs it, and when the holder dies another process takes it over within
    ``GATEWAY_LEASE_TTL_S`` plus one renewal. The feed refresher is one (every process asking
    every source would multiply the sources' load by the process count; the others serve what
    the holder keeps in the store). So are the outbox relay and the callback sender: their
    row claims (``FOR UPDATE SKIP LOCKED``) would make several copies safe against sending a
    row twice at once, but one copy keeps a request's hand-offs, and its callbacks to the
    portal, in the order they were committed.
    """

    PER_PROCESS = "per_process"
    PER_DEPLOYMENT = "per_deployment"


class Runnable(Protocol):
    """What a background duty offers: its own thread, started and stopped from outside."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Worker:
    """A background duty of a feature, with the scope it runs in."""

    name: str
    scope: Scope
    runs: Runnable
    _started: list[Runnable] = field(default_factory=list, init=False, repr=False, compare=False)
    """What ``start`` started (the duty itself, or its lease), for ``stop``."""

    def start(self, leased: Callable[[Worker], Runnable] | None = None) -> None:
        """Start the duty; a once-per-deployment one inside ``leased(self)`` when given."""
        runnable = self.runs
        if self.scope is Scope.PER_DEPLOYMENT and leased is not None:
            runnable = leased(self)
        self._started.append(runnable)
        runnable.start()

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()


async def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class Feature:
    """One feature's contribution to a gateway (see the module's docstring)."""

    name: str
    provides: tuple[object, ...] = ()
    """The parts its handlers reach, found by their type (``Gateway.part``)."""
    workers: tuple[Worker, ...] = ()
    readiness: tuple[ReadinessCheck, ...] = ()
    metrics: StateSources = field(default_factory=StateSources)
    close: Closer = _nothing_to_close


def start_workers(gateway: Gateway) -> None:
    """Start every feature's workers, in the features' order; the once-per-deployment ones
    under their lease (``Scope``)."""
    settings = gateway.settings

    def leased(worker: Worker) -> Runnable:
        return LeasedWorker(
            worker.name,
            worker.runs,
            gateway.store,
            ttl_s=settings.lease_ttl_s,
            renew_s=settings.lease_renew_s,
        )

    for worker in gateway.workers:
        log.info("worker.starting", worker=worker.name, scope=worker.scope.value)
        worker.start(leased)


def stop_workers(gateway: Gateway) -> None:
    """Stop every worker, the last started first; a worker never started stops at once."""
    for worker in reversed(gateway.workers):
        worker.stop()
