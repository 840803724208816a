"""The dead-letter queue over AMQP: what is there, why, and sending it back.

Two kinds of dead letters meet in ``ekomunat.dead``:

* the gateway's: the status consumer refused an update and forwarded it with the reason in
  ``x-ekomunat-reason`` and its origin in ``x-ekomunat-exchange`` / ``x-ekomunat-routing-key``;
* the broker's: a back-office rejected a hand-off, or redelivered it past the queue's delivery
  limit; RabbitMQ's ``x-death`` header says why (``rejected``, ``delivery_limit``, ``expired``)
  and where the message came from.

Listing reads messages with ``basic.get`` without acking and gives them all back at the end
(so the queue is unchanged, apart from the redelivered flag). Replaying republishes a
message to its original exchange and routing key, ``mandatory`` and with a publisher
confirm, and only then acks the dead letter: a replay the broker did not take leaves the
dead letter where it was.

pika connections are not thread-safe, so the queue owns one connection in one worker thread
(started on first use); request handlers hand it jobs and await the result.

What is read here is raw: masking personal numbers in a preview, counting replays and
logging them are the gateway's (``gateway.ops.dead_letters`` extends ``replayed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import pika
import structlog
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ChannelClosedByBroker, NackError, UnroutableError
from pika.spec import BasicProperties

from adapters.amqp import connection_parameters
from adapters.amqp.consumer import REASON_HEADER, SENDER_HEADER
from adapters.amqp.topology import TopologyNames

log = structlog.get_logger()

T = TypeVar("T")

PREVIEW_CHARS = 400
REPLAY_HEADER = "x-ekomunat-replays"
MAX_REPLAY = 10_000
# Headers that describe a past dead-lettering; a replayed message starts clean without them.
_DEATH_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
    REASON_HEADER,
    "x-ekomunat-queue",
    "x-ekomunat-exchange",
    "x-ekomunat-routing-key",
)


class DeadLettersUnavailable(Exception):
    """The broker could not be reached or refused the operation; nothing was changed."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message in the dead-letter queue, described for an operator."""

    message_id: str | None
    request_id: str | None
    reason: str
    dead_lettered_by: str
    queue: str | None
    exchange: str
    routing_key: str
    deaths: int
    replays: int
    type: str | None
    size: int
    preview: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class ReplayReport:
    replayed: list[str]
    failed: list[dict[str, str]]
    remaining: int | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def describe(
    body: bytes,
    *,
    routing_key: str,
    message_id: str | None,
    correlation_id: str | None,
    message_type: str | None,
    headers: Mapping[str, Any],
    mask: Callable[[str], str] = str,
) -> DeadLetter:
    """Read where a dead letter came from and why, from the gateway's or the broker's headers.

    The preview is the start of the body. Hand-off messages carry the applicant, so a
    letter for an operator's eyes is read with ``mask`` (applied to reason and preview).
    """
    deaths = headers.get("x-death") or []
    first_death: Mapping[str, Any] = deaths[0] if deaths and isinstance(deaths[0], Mapping) else {}
    if REASON_HEADER in headers:
        by = "gateway"
        reason = _text(headers[REASON_HEADER]) or "rejected"
        queue_name = _text(headers.get("x-ekomunat-queue"))
        exchange = _text(headers.get("x-ekomunat-exchange")) or ""
        original_key = _text(headers.get("x-ekomunat-routing-key")) or routing_key
    else:
        by = "broker"
        reason = _text(first_death.get("reason") or headers.get("x-first-death-reason")) or (
            "unknown"
        )
        queue_name = _text(first_death.get("queue") or headers.get("x-first-death-queue"))
        exchange = _text(first_death.get("exchange") or headers.get("x-first-death-exchange")) or ""
        keys = first_death.get("routing-keys") or []
        original_key = (_text(keys[0]) if keys else None) or routing_key
    count = sum(int(death.get("count", 1)) for death in deaths if isinstance(death, Mapping))
    text = body[: PREVIEW_CHARS * 4].decode("utf-8", errors="replace")[:PREVIEW_CHARS]
    return DeadLetter(
        message_id=message_id,
        request_id=correlation_id,
        reason=mask(reason),
        dead_lettered_by=by,
        queue=queue_name,
        exchange=exchange,
        routing_key=original_key or routing_key,
        deaths=count or 1,
        replays=int(headers.get(REPLAY_HEADER, 0) or 0),
        type=message_type,
        size=len(body),
        preview=mask(text),
    )


def replay_properties(properties: BasicProperties, user_id: str | None = None) -> BasicProperties:
    """The original properties, without the marks of dead-lettering, counting the replay.

    ``user_id`` is the gateway's own broker user: with it, the consumers believe the sender
    the dead letter names (``adapters.amqp.consumer``), as the broker had checked it."""
    headers = {
        key: value
        for key, value in dict(properties.headers or {}).items()
        if key not in _DEATH_HEADERS
    }
    # Read as describe() reads headers: values of any AMQP type, the count an int we set.
    replays: Any = (properties.headers or {}).get(REPLAY_HEADER, 0)
    headers[REPLAY_HEADER] = int(replays or 0) + 1
    # The broker dead-lettered it (x-death): the publisher's checked user_id is still on it.
    # The gateway did: it named the checked sender, and publishes without a user_id itself.
    original = dict(properties.headers or {})
    sender = properties.user_id if "x-death" in original else original.get(SENDER_HEADER)
    headers.pop(SENDER_HEADER, None)
    if sender:
        headers[SENDER_HEADER] = sender
    return BasicProperties(
        content_type=properties.content_type,
        content_encoding=properties.content_encoding,
        delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE,
        message_id=properties.message_id,
        correlation_id=properties.correlation_id,
        user_id=user_id,
        app_id=properties.app_id,
        type=properties.type,
        timestamp=properties.timestamp,
        headers=headers,
    )


def _explain(exc: Exception) -> str:
    if isinstance(exc, ChannelClosedByBroker) and exc.reply_code == 404:
        return "the dead-letter queue does not exist yet (the topology is not declared)"
    return f"the broker cannot be reached ({type(exc).__name__})"


_Job = tuple[Callable[[BlockingChannel], Any], "Future[Any]"]


class DeadLetterQueue:
    """Lists and replays dead letters through one connection owned by one worker thread."""

    def __init__(
        self,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        timeout_s: float = 15.0,
        idle_tick_s: float = 1.0,
        depth_max_age_s: float = 10.0,
    ) -> None:
        self._parameters = connection_parameters(amqp_url, name="ekomunat-gateway-ops")
        self.names = names or TopologyNames()
        self._timeout_s = timeout_s
        self._idle_tick_s = idle_tick_s
        self._depth_max_age_s = depth_max_age_s
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stopping = False
        self._depth: int | None = None
        self._depth_at = 0.0
        self._depth_pending = False

    @property
    def queue_name(self) -> str:
        return self.names.dead_letter_queue

    # The API's side: coroutines that wait for the worker without blocking the event loop.

    async def peek(self, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, read and given back: the queue is unchanged."""
        return await self._run(lambda channel: self._list(channel, limit))

    async def replay(self, message_id: str) -> ReplayReport:
        return await self._run(lambda channel: self._replay(channel, message_id))

    async def replay_all(self) -> ReplayReport:
        return await self._run(lambda channel: self._replay(channel, None))

    async def count(self) -> int:
        return await self._run(self._count)

    def depth_hint(self) -> int | None:
        """The last known queue depth, refreshed in the background when older than allowed.

        For the metrics scrape and the dashboard: never waits for the broker.
        """
        stale = time.monotonic() - self._depth_at > self._depth_max_age_s
        if stale and not self._depth_pending and not self._stopping:
            self._depth_pending = True
            future = self._submit(self._count)
            future.add_done_callback(self._depth_refreshed)
        return self._depth

    def close(self) -> None:
        """Stop the worker; it closes its connection on the way out."""
        self._stopping = True
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(self._timeout_s)
            self._thread = None

    # Plumbing between the two sides.

    async def _run(self, job: Callable[[BlockingChannel], T]) -> T:
        future = self._submit(job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self._timeout_s)
        except TimeoutError as exc:
            raise DeadLettersUnavailable("the broker did not answer in time") from exc

    def _submit(self, job: Callable[[BlockingChannel], T]) -> Future[T]:
        if self._stopping:
            raise DeadLettersUnavailable("the gateway is stopping")
        future: Future[T] = Future()
        self._ensure_worker()
        self._jobs.put((job, future))
        return future

    def _depth_refreshed(self, future: Future[int]) -> None:
        self._depth_pending = False
        if future.exception() is None:
            self._depth = future.result()
            self._depth_at = time.monotonic()

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="dead-letter-desk", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        connection: pika.BlockingConnection | None = None
        channel: BlockingChannel | None = None
        try:
            while True:
                try:
                    item = self._jobs.get(timeout=self._idle_tick_s)
                except queue.Empty:
                    if connection is not None and connection.is_open:
                        try:
                            connection.process_data_events(time_limit=0)
                        except (AMQPError, OSError):
                            connection, channel = None, None
                    continue
                if item is None:
                    return
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if connection is None or not connection.is_open:
                        connection = pika.BlockingConnection(self._parameters)
                        channel = None
                    if channel is None or not channel.is_open:
                        channel = connection.channel()
                        channel.confirm_delivery()
                    future.set_result(job(channel))
                except (AMQPError, OSError) as exc:
                    if isinstance(exc, ChannelClosedByBroker):
                        channel = None
                    else:
                        connection, channel = self._closed(connection), None
                    log.warning(
                        "ops.dead_letters.broker_error",
                        error=type(exc).__name__,
                        detail=str(exc)[:200],
                    )
                    future.set_exception(DeadLettersUnavailable(_explain(exc)))
                except Exception as exc:  # the job's own bug: report it, keep the worker
                    future.set_exception(exc)
        finally:
            self._closed(connection)

    @staticmethod
    def _closed(connection: pika.BlockingConnection | None) -> None:
        if connection is not None and connection.is_open:
            with contextlib.suppress(AMQPError, OSError):
                connection.close()
        return None

    # Jobs: run in the worker thread, on its channel.

    def _count(self, channel: BlockingChannel) -> int:
        declared = channel.queue_declare(self.queue_name, passive=True)
        return int(declared.method.message_count or 0)

    def _take(
        self, channel: BlockingChannel, limit: int
    ) -> list[tuple[int, str, BasicProperties, bytes]]:
        """Up to ``limit`` messages, held unacked: (delivery tag, routing key, properties, body).

        pika types every part of ``basic_get``'s answer optional; a message it took has all.
        """
        taken = []
        for _ in range(limit):
            method, properties, body = channel.basic_get(self.queue_name, auto_ack=False)
            if method is None:
                break
            tag, routing_key = method.delivery_tag, method.routing_key
            assert tag is not None and routing_key is not None
            assert properties is not None and body is not None
            taken.append((tag, routing_key, properties, body))
        return taken

    @staticmethod
    def _give_back(channel: BlockingChannel, tags: list[int]) -> None:
        for tag in tags:
            channel.basic_nack(tag, requeue=True)

    def _list(self, channel: BlockingChannel, limit: int) -> list[DeadLetter]:
        taken = self._take(channel, limit)
        try:
            return [
                describe(
                    body,
                    routing_key=routing_key,
                    message_id=properties.message_id,
                    correlation_id=properties.correlation_id,
                    message_type=properties.type,
                    headers=properties.headers or {},
                )
                for _, routing_key, properties, body in taken
            ]
        finally:
            self._give_back(channel, [tag for tag, _, _, _ in taken])

    def _replay(self, channel: BlockingChannel, message_id: str | None) -> ReplayReport:
        """Replay one message (by id) or all present when the replay began.

        Everything is taken off the queue first (held unacked), then republished: a message
        that is dead-lettered again at once comes back after the taking and is not replayed
        a second time. The queue is read until empty rather than up to its reported length,
        which lags behind a ``nack`` on quorum queues.
        """
        taken = self._take(channel, MAX_REPLAY)
        replayed: list[str] = []
        failed: list[dict[str, str]] = []
        keep: list[int] = []
        for tag, routing_key, properties, body in taken:
            if message_id is not None and properties.message_id != message_id:
                keep.append(tag)
                continue
            letter = describe(
                body,
                routing_key=routing_key,
                message_id=properties.message_id,
                correlation_id=properties.correlation_id,
                message_type=properties.type,
                headers=properties.headers or {},
            )
            problem = self._republish(channel, letter, properties, body)
            if problem is None:
                channel.basic_ack(tag)
                replayed.append(letter.message_id or "")
            else:
                keep.append(tag)
                failed.append({"message_id": letter.message_id or "", "error": problem})
            self.replayed(letter, problem)
        self._give_back(channel, keep)
        remaining = len(keep) if len(taken) < MAX_REPLAY else self._count(channel)
        self._depth, self._depth_at = remaining, time.monotonic()
        return ReplayReport(replayed=replayed, failed=failed, remaining=remaining)

    def _republish(
        self,
        channel: BlockingChannel,
        letter: DeadLetter,
        properties: BasicProperties,
        body: bytes,
    ) -> str | None:
        if not letter.exchange:
            return "the dead letter does not say which exchange it came from"
        try:
            channel.basic_publish(
                letter.exchange,
                letter.routing_key,
                body,
                replay_properties(
                    properties, getattr(self._parameters.credentials, "username", None)
                ),
                mandatory=True,
            )
        except UnroutableError:
            return f"no queue takes routing key {letter.routing_key} on {letter.exchange}"
        except NackError:
            return "the broker refused the message (nack)"
        return None

    def replayed(self, letter: DeadLetter, problem: str | None) -> None:
        """Told of each message a replay tried, in the worker thread: ``problem`` says why it
        failed (``None``: replayed). Nothing here; the gateway's desk counts and logs."""
