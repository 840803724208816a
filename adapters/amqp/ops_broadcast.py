"""The operators' fan-out channel: every gateway process hears what every other one says.

One fanout exchange (``ekomunat.ops`` by default) and, per process, an exclusive queue that
the broker deletes when the process's connection closes: a message published once reaches
every live instance, and an instance that is gone leaves nothing behind. What travels on it
is small, short-lived JSON (a breaker reset and its acknowledgements, masked routing-log
lines, route counters), so the messages are transient, expire after ``MESSAGE_TTL_MS`` and
are sent without publisher confirms: a message lost with a broker node is seen again a few
seconds later (counters) or reported as not acknowledged (a reset).

One thread owns the connection (pika's connections are not thread-safe). Other threads hand
it messages through a bounded queue with ``send``, which never blocks: when the queue is
full the message is dropped and ``send`` says so, so a slow broker or a slow dashboard
never slows the request path. The thread also calls ``on_tick`` every ``tick_s`` (the
gateway's heartbeat with its counters).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pika
import structlog
from pika.adapters.blocking_connection import BlockingChannel
from pika.adapters.utils.connection_workflow import AMQPConnectorException
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties

from adapters.amqp import connection_parameters

log = structlog.get_logger()

DEFAULT_EXCHANGE = "ekomunat.ops"
MESSAGE_TTL_MS = 10_000
OUTGOING_LIMIT = 2000
POLL_S = 0.05
SEND_BATCH = 200

Received = Callable[[Mapping[str, Any]], None]


class OpsBroadcast:
    """A fanout exchange with one exclusive, auto-deleted queue for this process."""

    def __init__(
        self,
        amqp_url: str,
        *,
        on_message: Received,
        exchange: str = DEFAULT_EXCHANGE,
        on_tick: Callable[[], None] | None = None,
        tick_s: float = 2.0,
        outgoing_limit: int = OUTGOING_LIMIT,
        max_backoff_s: float = 15.0,
    ) -> None:
        self.exchange = exchange
        self._parameters = connection_parameters(amqp_url, name="ekomunat-gateway-ops")
        self._on_message = on_message
        self._on_tick = on_tick
        self._tick_s = tick_s
        self._outgoing: queue.Queue[bytes] = queue.Queue(maxsize=outgoing_limit)
        self._max_backoff_s = max_backoff_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()

    @property
    def connected(self) -> bool:
        """True once the queue is bound and consumed, until the connection is lost."""
        return self._connected.is_set()

    def send(self, message: Mapping[str, Any]) -> bool:
        """Queue ``message`` for every instance; False when it was dropped (queue full)."""
        body = json.dumps(message, default=str, ensure_ascii=False, separators=(",", ":"))
        try:
            self._outgoing.put_nowait(body.encode("utf-8"))
        except queue.Full:
            return False
        return True

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, name="ops-broadcast", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """Connect, bind, consume and send until ``stop``; reconnect with backoff."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                self._session()
                backoff = 0.5
            except (AMQPError, AMQPConnectorException, OSError) as exc:
                log.warning("ops_broadcast.disconnected", error=type(exc).__name__)
            finally:
                self._connected.clear()
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self._max_backoff_s)

    def _session(self) -> None:
        connection = pika.BlockingConnection(self._parameters)
        try:
            channel = connection.channel()
            channel.exchange_declare(self.exchange, exchange_type="fanout", durable=True)
            own = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
            channel.queue_bind(own, self.exchange)
            channel.basic_consume(own, self._delivered, auto_ack=True)
            self._connected.set()
            log.info("ops_broadcast.connected", exchange=self.exchange)
            next_tick = time.monotonic()
            while not self._stopping.is_set():
                if self._on_tick is not None and time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + self._tick_s
                    self._tick(self._on_tick)
                self._send_waiting(channel)
                connection.process_data_events(time_limit=POLL_S)
            self._send_waiting(channel)
        finally:
            if connection.is_open:
                connection.close()

    @staticmethod
    def _tick(on_tick: Callable[[], None]) -> None:
        try:
            on_tick()
        except Exception:
            log.exception("ops_broadcast.tick_failed")

    def _send_waiting(self, channel: BlockingChannel) -> None:
        properties = BasicProperties(
            content_type="application/json", delivery_mode=1, expiration=str(MESSAGE_TTL_MS)
        )
        for _ in range(SEND_BATCH):
            try:
                body = self._outgoing.get_nowait()
            except queue.Empty:
                return
            channel.basic_publish(self.exchange, "", body, properties)

    def _delivered(
        self,
        _channel: BlockingChannel,
        _method: Basic.Deliver,
        _properties: BasicProperties,
        body: bytes,
    ) -> None:
        try:
            message = json.loads(body)
        except ValueError:
            log.warning("ops_broadcast.unreadable", size=len(body))
            return
        if isinstance(message, dict):
            try:
                self._on_message(message)
            except Exception:
                log.exception("ops_broadcast.handler_failed", kind=message.get("kind"))
