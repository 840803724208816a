"""Consuming one queue: manual acks after the handler's work is stored, reconnecting forever.

The handler sees a plain ``Delivery`` and answers with an ``Outcome``:

* ``ACK``: done (or a duplicate: nothing to do); the message leaves the queue.
* ``DEAD_LETTER``: the message can never succeed (malformed, not allowed). It is published
  to the dead-letter exchange with the reason in the ``x-ekomunat-reason`` header, with a
  publisher confirm, and only then acked, so the reason reaches operators and the consumer
  moves on.
* ``RETRY``: a passing fault on our side (the database is down). The message is tried
  again after a pause, and the messages behind it wait, unacknowledged, until it is settled:
  the queues the gateway consumes carry one request's updates in order (a single active
  consumer), and an "approved" handled while its "in review" waits would be refused as an
  illegal move. After ``hold_s`` of failures the message is given back to the queue
  (``nack``) and the rest go on: then it is a message that cannot succeed, not an outage,
  and it must not stop the queue.

A handler that raises counts as ``RETRY``; nothing a message contains can stop the consumer.
The consumer's connection belongs to the thread that calls ``run``.

``Delivery.sender`` is who published the message, as the broker checked it: the AMQP
``user_id``, which RabbitMQ refuses unless it is the publishing connection's own user. A dead
letter keeps that sender in ``x-ekomunat-sender``, and a message the gateway's own broker user
publishes (an operator's replay of a dead letter) speaks for the sender that header names;
from any other publisher the header counts for nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pika
import structlog
from pika.adapters.blocking_connection import BlockingChannel
from pika.adapters.utils.connection_workflow import AMQPConnectorException
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties

from adapters.amqp.topology import Topology, declare

log = structlog.get_logger()

REASON_HEADER = "x-ekomunat-reason"
SENDER_HEADER = "x-ekomunat-sender"


class Verdict(Enum):
    ACK = "ack"
    DEAD_LETTER = "dead_letter"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    reason: str | None = None

    @classmethod
    def ack(cls) -> Outcome:
        return cls(Verdict.ACK)

    @classmethod
    def dead_letter(cls, reason: str) -> Outcome:
        return cls(Verdict.DEAD_LETTER, reason)

    @classmethod
    def retry(cls, reason: str) -> Outcome:
        return cls(Verdict.RETRY, reason)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A received message, without pika types."""

    body: bytes
    routing_key: str
    exchange: str
    redelivered: bool
    message_id: str | None = None
    correlation_id: str | None = None
    user_id: str | None = None
    sender: str | None = None
    app_id: str | None = None
    content_type: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)

    def routed_under(self, prefix: str) -> bool:
        """Whether the routing key lies under ``prefix`` (``19`` takes ``19.approved``)."""
        return self.routing_key.startswith(f"{prefix}.")


Handler = Callable[[Delivery], Outcome]


def rejected(delivery: Delivery, event: str, reason: str, **fields: str) -> Outcome:
    """Dead-letter a message that failed a check, and say why in one log line."""
    log.warning(
        event,
        reason=reason,
        message_id=delivery.message_id,
        routing_key=delivery.routing_key,
        **fields,
    )
    return Outcome.dead_letter(reason)


class QueueConsumer:
    """Consumes ``queue`` with ``handler`` until ``request_stop``, declaring ``topology`` (when
    given) at every (re)connect, so the queue exists whichever process comes up first."""

    def __init__(
        self,
        parameters: pika.URLParameters,
        queue: str,
        handler: Handler,
        *,
        dead_letter_exchange: str,
        prefetch: int = 50,
        retry_delay_s: float = 2.0,
        hold_s: float = 120.0,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 15.0,
        poll_s: float = 0.25,
        topology: Topology | None = None,
        name: str = "consumer",
    ) -> None:
        self._parameters = parameters
        self._queue = queue
        self._handler = handler
        self._dead_letter_exchange = dead_letter_exchange
        self._prefetch = prefetch
        self._retry_delay_s = retry_delay_s
        self._hold_s = hold_s
        self._waiting: deque[tuple[Basic.Deliver, BasicProperties, bytes]] = deque()
        self._held_since = 0.0
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._poll_s = poll_s
        self._topology = topology
        self._name = name
        self._own_user = getattr(parameters.credentials, "username", None)
        self._stop = threading.Event()
        self._connected = False
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self._connected

    def start(self, thread_name: str) -> None:
        """Consume in a thread of its own: the connection never leaves that thread."""
        if self._thread is not None:
            raise RuntimeError(f"consumer {self._name} is already running")
        self._thread = threading.Thread(target=self.run, name=thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def health(self) -> dict[str, str]:
        """For readiness checks: is the broker reachable from this consumer now."""
        return {"broker": "connected" if self._connected else "unreachable"}

    def request_stop(self) -> None:
        """Thread-safe; the consuming thread notices within ``poll_s``."""
        self._stop.set()

    def run(self) -> None:
        backoff = self._initial_backoff_s
        while not self._stop.is_set():
            try:
                self._consume()
                backoff = self._initial_backoff_s
            # A broker whose node is up but whose app is stopped times out the handshake:
            # pika raises that outside its AMQPError tree, and it must not end the thread.
            except (AMQPError, AMQPConnectorException, OSError) as exc:
                log.warning(
                    "consumer.broker_unreachable",
                    consumer=self._name,
                    error=type(exc).__name__,
                    detail=str(exc)[:200],
                )
            finally:
                self._connected = False
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)

    def _consume(self) -> None:
        # What waited on the last connection is redelivered, in order, by the broker.
        self._waiting.clear()
        with pika.BlockingConnection(self._parameters) as connection:
            channel = connection.channel()
            if self._topology is not None:
                declare(channel, self._topology)
            dead_letters = connection.channel()
            dead_letters.confirm_delivery()
            channel.basic_qos(prefetch_count=self._prefetch)

            def on_message(
                channel: BlockingChannel,
                method: Basic.Deliver,
                properties: BasicProperties,
                body: bytes,
            ) -> None:
                self._on_message(connection, channel, dead_letters, method, properties, body)

            channel.basic_consume(self._queue, on_message)
            self._connected = True
            log.info("consumer.connected", consumer=self._name, queue=self._queue)
            while not self._stop.is_set():
                connection.process_data_events(time_limit=self._poll_s)

    def _on_message(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        dead_letters: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        if self._waiting:  # an earlier message waits for its retry: keep the order
            self._waiting.append((method, properties, body))
            return
        if not self._settle(channel, dead_letters, method, properties, body):
            self._waiting.append((method, properties, body))
            self._held_since = time.monotonic()
            self._retry_later(connection, channel, dead_letters)

    def _retry_later(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        dead_letters: BlockingChannel,
    ) -> None:
        connection.call_later(
            self._retry_delay_s, lambda: self._retry_waiting(connection, channel, dead_letters)
        )

    def _retry_waiting(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        dead_letters: BlockingChannel,
    ) -> None:
        """The first waiting message again, then the ones behind it while they settle."""
        while self._waiting:
            method, properties, body = self._waiting[0]
            if not self._settle(channel, dead_letters, method, properties, body):
                if time.monotonic() - self._held_since < self._hold_s:
                    self._retry_later(connection, channel, dead_letters)
                    return
                log.warning(
                    "consumer.retry_given_back",
                    consumer=self._name,
                    message_id=properties.message_id,
                    held_s=round(time.monotonic() - self._held_since, 1),
                )
                channel.basic_nack(_addressed(method)[0], requeue=True)
            self._waiting.popleft()
            self._held_since = time.monotonic()

    def _settle(
        self,
        channel: BlockingChannel,
        dead_letters: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> bool:
        """Handle one message: acked or dead-lettered (True), or to be tried again (False)."""
        tag, exchange, routing_key = _addressed(method)
        delivery = Delivery(
            body=body,
            routing_key=routing_key,
            exchange=exchange,
            redelivered=bool(method.redelivered),
            message_id=properties.message_id,
            correlation_id=properties.correlation_id,
            user_id=properties.user_id,
            sender=self._sender(properties),
            app_id=properties.app_id,
            content_type=properties.content_type,
            headers=dict(properties.headers or {}),
        )
        try:
            outcome = self._handler(delivery)
        except Exception:
            log.exception(
                "consumer.handler_failed", consumer=self._name, message_id=delivery.message_id
            )
            outcome = Outcome.retry("handler failed")
        if outcome.verdict is Verdict.ACK:
            channel.basic_ack(tag)
        elif outcome.verdict is Verdict.DEAD_LETTER:
            self._dead_letter(channel, dead_letters, method, properties, body, outcome.reason)
        else:
            log.warning(
                "consumer.retry_scheduled", consumer=self._name, message_id=delivery.message_id
            )
            return False
        return True

    def _sender(self, properties: BasicProperties) -> str | None:
        """The broker-checked publisher; for the gateway's own republishing, the one it named."""
        if properties.user_id is not None and properties.user_id == self._own_user:
            named = (properties.headers or {}).get(SENDER_HEADER)
            return named if isinstance(named, str) else None
        return properties.user_id

    def _dead_letter(
        self,
        channel: BlockingChannel,
        dead_letters: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
        reason: str | None,
    ) -> None:
        tag, exchange, routing_key = _addressed(method)
        headers = dict(properties.headers or {})
        headers[REASON_HEADER] = reason or "rejected"
        headers["x-ekomunat-queue"] = self._queue
        headers["x-ekomunat-exchange"] = exchange
        headers["x-ekomunat-routing-key"] = routing_key
        # Only a sender the broker checked may be named here, never one the message claimed.
        headers.pop(SENDER_HEADER, None)
        sender = self._sender(properties)
        if sender is not None:
            headers[SENDER_HEADER] = sender
        forwarded = BasicProperties(
            content_type=properties.content_type,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=properties.message_id,
            correlation_id=properties.correlation_id,
            app_id=properties.app_id,
            type=properties.type,
            timestamp=properties.timestamp,
            headers=headers,
        )
        try:
            dead_letters.basic_publish(self._dead_letter_exchange, routing_key, body, forwarded)
        except AMQPError:
            # The reason is lost, the message is not: the queue's own dead-lettering takes it.
            log.warning("consumer.dead_letter_publish_failed", consumer=self._name, reason=reason)
            channel.basic_reject(tag, requeue=False)
            return
        channel.basic_ack(tag)


def _addressed(method: Basic.Deliver) -> tuple[int, str, str]:
    """A delivery's tag, exchange and routing key.

    pika types them optional (its constructor defaults them to None); a delivery the broker
    sent always carries all three, so a None here is a broken frame, not a message to handle.
    """
    tag, exchange, routing_key = method.delivery_tag, method.exchange, method.routing_key
    assert tag is not None and exchange is not None and routing_key is not None
    return tag, exchange, routing_key
