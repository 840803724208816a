"""The outbox relays: hand-offs to RabbitMQ, callbacks over HTTP, each confirmed before it counts.

Both keep their books through ``gateway.outbox_ledger`` (claim under a lease, mark published
only when the other side took the row, release or fail otherwise, give claims back on stop).
``Relay`` is the AMQP one, described below; ``HttpRelay`` sends rows whose destination is a
URL (status callbacks) over the pooled async HTTP client, many at a time on its own event
loop, with a ``RetryPolicy``'s backoff between a row's attempts.

The hand-off relay:

The promise: every request that got a 202 reaches its municipality exactly once in effect.
The accept transaction wrote the hand-off into the outbox; the relay claims unsent rows,
publishes them persistent and ``mandatory`` with pipelined publisher confirms, and marks a
row published only after the broker confirmed it (and records ``handed_off`` on requests
still ``accepted``). Anything else leaves the row to be sent again:

* broker unreachable, channel lost, nack: the rows are released at once and the relay
  backs off and reconnects; the API keeps accepting, ``health()`` says so;
* no queue for the routing key (the broker returns it): released with a delay and the error
  recorded, for operators to see;
* the relay process dies: its claims expire after ``lease_s`` and any relay takes them.

So a message may be published twice, never lost; back-offices dedupe on ``message_id``.
Several relays may share one PostgreSQL: claims use ``FOR UPDATE SKIP LOCKED``.

Run it inside the server (``start``/``stop``) or alone: ``python -m gateway.relay``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from adapters.amqp import connection_parameters
from adapters.amqp.publisher import MAX_WINDOW, ConfirmingPublisher, Outgoing
from adapters.amqp.topology import QueueType, Topology, TopologyNames
from contracts.messages import HANDOFF_SCHEMA_NAME
from gateway.logging import configure_logging
from gateway.metrics import GatewayMetrics
from gateway.outbox_ledger import OutboxLedger, RetryPolicy
from gateway.settings import Settings
from gateway.store import OutboxKind, OutboxMessage, Store
from gateway.store.clock import utc_now

log = structlog.get_logger()

HANDOFF_TYPE = f"{HANDOFF_SCHEMA_NAME}.v1"


def message_type(headers: Mapping[str, Any]) -> str:
    """The AMQP ``type`` of an outbox row: its own contract and version (applications and
    complaints share the outbox), so a back-office can tell them apart without the body."""
    schema, version = headers.get("schema"), headers.get("schema_version")
    if schema and version:
        return f"{schema}.v{version}"
    return HANDOFF_TYPE


def default_relay_name() -> str:
    """Unique per process: a restarted relay must not inherit a dead one's claims early."""
    return f"relay-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Relay:
    """Publishes the outbox's hand-off rows; one thread, one connection."""

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        window: int = MAX_WINDOW,
        batch_size: int = 200,
        lease_s: float = 60.0,
        names: TopologyNames | None = None,
        municipality_codes: Sequence[str] | None = None,
        central_institutions: Sequence[str] = (),
        queue_type: QueueType = "quorum",
        idle_poll_s: float = 0.5,
        max_backoff_s: float = 15.0,
        returned_retry_s: float = 30.0,
        name: str | None = None,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._row_of: dict[int, OutboxMessage] = {}
        self._names = names or TopologyNames()
        self._returned_retry_s = returned_retry_s
        self.name = name or default_relay_name()
        self._ledger = OutboxLedger(store, OutboxKind.HANDOFF, owner=self.name, lease_s=lease_s)
        self._request_of: dict[int, str | None] = {}
        self._connected = False
        self._stopping = False
        self._published = 0
        self._thread: threading.Thread | None = None
        topology = None
        if municipality_codes is not None:
            # With the central institutions' and the ministry's queues too: a complaint for a
            # central body or an act for review must find its queue even when no consumer of
            # their answers runs in this process.
            topology = Topology.build(
                municipality_codes, central_institutions, names=self._names, queue_type=queue_type
            )

        self._publisher = ConfirmingPublisher(
            connection_parameters(amqp_url, name=self.name),
            self,
            window=window,
            batch_size=batch_size,
            idle_poll_s=idle_poll_s,
            max_backoff_s=max_backoff_s,
            topology=topology,
        )

        # Rows this process commits wake the relay at once; the idle poll is for the rest.
        self._outbox_signal = store.outbox_signal
        self._unsubscribe = self._outbox_signal.subscribe(OutboxKind.HANDOFF, self._publisher.wake)

    def start(self) -> None:
        """Run in a daemon thread of the calling process (the API server's lifespan); again
        after a ``stop`` too (the deployment's lease on the relay came back to this process)."""
        if self._thread is not None:
            raise RuntimeError("the relay is already running")
        if self._stopping:
            self._stopping = False
            self._publisher.reset()
            self._unsubscribe = self._outbox_signal.subscribe(
                OutboxKind.HANDOFF, self._publisher.wake
            )
        self._thread = threading.Thread(target=self.run_forever, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish in-flight confirms, give back unsent claims, close the connection."""
        self._stopping = True
        self._unsubscribe()
        self._publisher.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        """Publish until ``stop`` (the standalone relay calls this in its main thread)."""
        log.info("relay.started", relay=self.name)
        try:
            self._publisher.run()
        finally:
            self._give_back_claims()
            log.info("relay.stopped", relay=self.name)

    @property
    def published_count(self) -> int:
        """Rows this relay has seen confirmed and marked published since it started."""
        return self._published

    def health(self) -> dict[str, Any]:
        """For ``/ready``: is the broker reachable, and how far behind is the outbox."""
        depth, oldest_age_s = self._ledger.backlog()
        return {
            "broker": "connected" if self._connected else "unreachable",
            "outbox_depth": depth,
            "oldest_unpublished_age_s": oldest_age_s,
        }

    # MessageSource: called by the publisher, in the relay thread.

    def fetch(self, limit: int) -> Sequence[Outgoing]:
        rows = self._ledger.claim(limit)
        for row in rows:
            self._request_of[row.id] = row.request_id
            self._row_of[row.id] = row
        return [self._outgoing(row) for row in rows]

    def confirmed(self, tokens: Sequence[int]) -> None:
        request_ids = [self._request_of.get(token) for token in tokens]
        self._ledger.published(
            tokens,
            also=lambda uow: uow.requests.mark_handed_off(
                request_id for request_id in request_ids if request_id
            ),
        )
        self._hops(tokens, "confirmed")
        for token in tokens:
            self._request_of.pop(token, None)
        self._published += len(tokens)
        log.info("relay.published", count=len(tokens), first_row=tokens[0], last_row=tokens[-1])

    def failed(self, tokens: Sequence[int], reason: str, *, returned: bool) -> None:
        delay = self._returned_retry_s if returned else 0.0
        self._ledger.release(tokens, error=reason, delay_s=delay)
        self._hops(tokens, "returned" if returned else "released", reason=reason)
        for token in tokens:
            self._request_of.pop(token, None)
        event = "relay.returned" if returned else "relay.released"
        log.warning(event, count=len(tokens), reason=reason, retry_in_s=delay)

    def connection_changed(self, connected: bool) -> None:
        self._connected = connected
        if connected:
            log.info("relay.broker_connected", relay=self.name)
        elif self._stopping:
            log.info("relay.broker_disconnected", relay=self.name)
        else:
            log.warning("relay.broker_unreachable", relay=self.name)

    def _outgoing(self, row: OutboxMessage) -> Outgoing:
        return Outgoing(
            token=row.id,
            exchange=self._names.requests_exchange,
            routing_key=row.destination,
            body=row.body.encode("utf-8"),
            message_id=row.message_id,
            correlation_id=row.request_id,
            headers=row.headers,
            type=message_type(row.headers),
        )

    def _give_back_claims(self) -> None:
        try:
            released = self._ledger.give_back()
        except Exception:
            log.exception("relay.release_failed", relay=self.name)
            return
        if released:
            log.info("relay.claims_released", relay=self.name, count=released)
        self._request_of.clear()
        self._row_of.clear()

    def _hops(self, tokens: Sequence[int], outcome: str, *, reason: str | None = None) -> None:
        """One routing-log line per hand-off (the ``published`` hop) and the publish counters.

        ``duration_ms`` is how long the hand-off waited in the outbox, from the request's
        acceptance to the broker's answer: the number an operator watches when the relay lags.
        """
        if self._metrics is not None:
            self._metrics.publishes.labels(outcome).inc(len(tokens))
        now = utc_now()
        for token in tokens:
            row = self._row_of.pop(token, None)
            if row is None:
                continue
            municipality, _, service = row.destination.partition(".")
            log.info(
                "route.published",
                hop="published",
                outcome=outcome,
                request_id=row.request_id,
                message_id=row.message_id,
                service=service,
                municipality=municipality,
                duration_ms=round((now - row.created_at).total_seconds() * 1000, 2),
                reason=reason,
            )


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How one attempt at one row went: ``error`` is ``None`` when the other side took it.

    ``final`` says that trying again cannot help (the destination is refused), so the row
    is failed at once instead of backed off.
    """

    error: str | None = None
    final: bool = False


DELIVERED = DeliveryOutcome()


class HttpDelivery(Protocol):
    """Sends one outbox row over the pooled async HTTP client; never raises for the row."""

    async def deliver(self, row: OutboxMessage) -> DeliveryOutcome: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RelayEvents:
    """The stable log event names of one kind of HTTP row (``callback.delivered`` …)."""

    delivered: str
    failed: str
    loop_failed: str


class HttpRelay:
    """Delivers one kind of outbox row over HTTP; one thread running one event loop.

    Up to ``concurrency`` rows are in flight at once; a free slot claims the next due row.
    A commit of this kind wakes the loop at once, the idle poll covers other processes.
    ``stop`` lets deliveries in flight finish for ``grace_s``, then cancels them and gives
    their rows back: they go out again (the receiver de-duplicates on the delivery id).
    """

    def __init__(
        self,
        store: Store,
        kind: OutboxKind,
        delivery: HttpDelivery,
        *,
        events: RelayEvents,
        retry: RetryPolicy,
        concurrency: int = 20,
        lease_s: float = 120.0,
        idle_poll_s: float = 0.5,
        grace_s: float = 5.0,
        name: str | None = None,
    ) -> None:
        self.name = name or f"{kind.value}s-{uuid.uuid4().hex[:8]}"
        self._ledger = OutboxLedger(store, kind, owner=self.name, lease_s=lease_s)
        self._delivery = delivery
        self._events = events
        self._retry = retry
        self._concurrency = concurrency
        self._idle_poll_s = idle_poll_s
        self._grace_s = grace_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._store = store
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Run in a daemon thread of the calling process (the API server's lifespan)."""
        if self._thread is not None:
            raise RuntimeError(f"the {self.name} relay is already running")
        self._stopping.clear()
        self._unsubscribe = self._store.outbox_signal.subscribe(self._ledger.kind, self.wake)
        self._thread = threading.Thread(target=self.run_forever, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look at the outbox now; safe from any thread."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(wake.set)

    def run_forever(self) -> None:
        asyncio.run(self._run())

    def backlog(self) -> tuple[int, float]:
        """(rows not yet delivered, age in seconds of the oldest)."""
        return self._ledger.backlog()

    async def _run(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    room = self._concurrency - len(in_flight)
                    rows = await asyncio.to_thread(self._ledger.claim, room) if room > 0 else []
                except Exception:
                    log.exception(self._events.loop_failed, relay=self.name)
                    rows = []
                for row in rows:
                    task = asyncio.create_task(self._deliver(row))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll_s)
        finally:
            await self._wind_down(in_flight)

    async def _wind_down(self, in_flight: set[asyncio.Task[None]]) -> None:
        if in_flight:
            _, unfinished = await asyncio.wait(set(in_flight), timeout=self._grace_s)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        self._loop = None
        await self._delivery.aclose()
        try:
            await asyncio.to_thread(self._ledger.give_back)
        except Exception:
            log.exception(self._events.loop_failed, relay=self.name)

    async def _deliver(self, row: OutboxMessage) -> None:
        try:
            outcome = await self._delivery.deliver(row)
            await asyncio.to_thread(self._settle, row, outcome)
        except Exception:
            log.exception(self._events.loop_failed, relay=self.name, request_id=row.request_id)
        finally:
            if self._wake is not None:
                self._wake.set()  # a slot is free

    def _settle(self, row: OutboxMessage, outcome: DeliveryOutcome) -> None:
        attempts = row.attempts + 1
        gave_up = outcome.final or self._retry.gives_up_after(attempts)
        if outcome.error is None:
            self._ledger.published([row.id])
            log.info(self._events.delivered, request_id=row.request_id, attempts=attempts)
            return
        if gave_up:
            self._ledger.fail([row.id], error=outcome.error)
        else:
            self._ledger.release(
                [row.id], error=outcome.error, delay_s=self._retry.delay_after(attempts)
            )
        log.warning(
            self._events.failed,
            request_id=row.request_id,
            attempts=attempts,
            error=outcome.error,
            gave_up=gave_up,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The relay's options, on ``python -m gateway.relay`` and on ``ekomunat-gateway relay``."""
    parser.add_argument("--database-url", help="default: GATEWAY_DATABASE_URL")
    parser.add_argument("--amqp-url", help="default: GATEWAY_AMQP_URL")
    parser.add_argument("--prefix", default="", help="name prefix of a private topology")
    parser.add_argument(
        "--municipalities",
        default="",
        help="comma-separated codes whose queues to declare at start (default: declare none)",
    )
    parser.add_argument(
        "--lease", type=float, help="claim lease in seconds (default: GATEWAY_RELAY_LEASE_S)"
    )
    parser.add_argument("--window", type=int, default=MAX_WINDOW, help="confirms in flight")
    parser.add_argument("--name", help="relay name (default: host, pid and a random part)")
    parser.add_argument(
        "--poll",
        type=float,
        default=0.05,
        help="seconds between looks at an idle outbox (alone, the relay hears of no commit)",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.relay", description="Publish the outbox to RabbitMQ."
    )
    add_arguments(parser)
    run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> None:
    """The standalone relay: runs until SIGINT or SIGTERM."""
    settings = Settings()
    configure_logging(settings)
    store = Store.from_url(args.database_url or settings.database_url)
    codes = [code for code in args.municipalities.split(",") if code]
    relay = Relay(
        store,
        args.amqp_url or settings.amqp_url,
        window=args.window,
        lease_s=settings.relay_lease_s if args.lease is None else args.lease,
        names=TopologyNames(args.prefix),
        municipality_codes=codes or None,
        name=args.name,
        idle_poll_s=args.poll,
    )
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: relay.stop(timeout=0))
    try:
        relay.run_forever()
    finally:
        store.close()


if __name__ == "__main__":
    main()
