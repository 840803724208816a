"""Bringing an existing deployment's queues to the topology's arguments without losing a message.

RabbitMQ cannot change a queue's arguments: declaring ``gateway.status`` with
``x-single-active-consumer`` (issue 19) where it exists without fails with
PRECONDITION_FAILED, and every worker, which declares at each connect, would fail the same
way. ``migrate`` (the CLI's ``topology migrate``) finds each such queue and moves it through
a holding queue ``<name>.migrating``:

1. declare the holding queue with the new arguments (but single-active-consumer); move
   the queue's messages into it, one by one with a publisher confirm before each ack; bind
   the holding queue where the queue was bound, unbind the queue, move what arrived
   meanwhile;
2. delete the unbound queue once its count is zero (quorum queues refuse an ``if-empty``
   delete) and declare it anew with the new arguments;
3. the same move back, then delete the holding queue.

Messages keep their order, routing keys, ids, headers and body (each is moved through a
fan-out exchange ``<target>.migrating`` bound to the target alone, so its routing key, which
the consumers check against the sender, is unchanged). The sender cannot be kept as the
``user_id`` (the broker accepts only the migrating connection's own user there), so a
message a party sent is republished under the gateway's user with the party named in
``x-ekomunat-sender``, the form the consumers already trust for the gateway's replays; a
message that came without ``user_id`` keeps none and loses any such header, so moving it
makes it no more trusted than it was. In the instant both queues are bound a message lands
in both: a duplicate with the same ``update_id``, which the consumers ack as one.

Run it with the consumers stopped (a moved message is not delivered twice, and a migrating
queue has no consumer to keep it from being deleted), with the gateway's AMQP URL. A run
interrupted half-way leaves the holding queue; running it again finishes the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.consumer import SENDER_HEADER
from adapters.amqp.topology import (
    SINGLE_ACTIVE_CONSUMER,
    Binding,
    QueueDeclaration,
    Topology,
    declare,
)

HOLDING_SUFFIX = ".migrating"
_PRECONDITION_FAILED = 406
_NOT_FOUND = 404
_BROKER_HEADERS = ("x-delivery-count",)


@dataclass(frozen=True, slots=True)
class MigratedQueue:
    """One queue redeclared with the topology's arguments, and how many messages it carried."""

    name: str
    moved: int


def migrate(amqp_url: str, topology: Topology) -> list[MigratedQueue]:
    """Redeclare every queue whose arguments differ from ``topology``'s, messages kept; then
    declare the whole topology. Finishes a move an earlier run left half-way."""
    parameters = pika.URLParameters(amqp_url)
    own_user = getattr(parameters.credentials, "username", None)
    migrated = []
    with pika.BlockingConnection(parameters) as connection:
        for queue in topology.queues:
            bindings = [item for item in topology.bindings if item.queue == queue.name]
            mover = _Mover(connection.channel(), own_user)
            holding = queue.name + HOLDING_SUFFIX
            if not _declares(connection, queue):
                mover.transfer(queue.name, holding, _holding_arguments(queue), bindings)
                mover.delete_drained(queue.name, holding)
                mover.channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
            if _exists(connection, holding):
                moved = mover.transfer(holding, queue.name, queue.arguments, bindings)
                mover.delete_drained(holding, queue.name)
                migrated.append(MigratedQueue(queue.name, moved))
            mover.channel.close()
        declare(connection.channel(), topology)
    return migrated


def _holding_arguments(queue: QueueDeclaration) -> dict[str, Any]:
    """The queue's arguments but single-active-consumer: a quorum queue with it refuses the
    ``basic.get`` the move back reads it with."""
    return {key: value for key, value in queue.arguments.items() if key != SINGLE_ACTIVE_CONSUMER}


def _declares(connection: pika.BlockingConnection, queue: QueueDeclaration) -> bool:
    """Whether ``queue`` can be declared as the topology has it (it may not exist yet)."""
    channel = connection.channel()
    try:
        channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
    except ChannelClosedByBroker as exc:
        if exc.reply_code != _PRECONDITION_FAILED:
            raise
        return False
    channel.close()
    return True


def _exists(connection: pika.BlockingConnection, queue: str) -> bool:
    channel = connection.channel()
    try:
        channel.queue_declare(queue, passive=True)
    except ChannelClosedByBroker as exc:
        if exc.reply_code != _NOT_FOUND:
            raise
        return False
    channel.close()
    return True


@dataclass
class _Mover:
    channel: BlockingChannel
    own_user: str | None

    def __post_init__(self) -> None:
        self.channel.confirm_delivery()

    def transfer(
        self,
        source: str,
        target: str,
        arguments: dict[str, Any],
        bindings: list[Binding],
    ) -> int:
        """Move ``source`` into ``target`` and take over its bindings; the messages moved."""
        self.channel.queue_declare(target, durable=True, arguments=arguments)
        moved = self._move(source, target)
        for binding in bindings:
            self.channel.queue_bind(target, binding.exchange, routing_key=binding.routing_key)
            self.channel.queue_unbind(source, binding.exchange, routing_key=binding.routing_key)
        return moved + self._move(source, target)

    def delete_drained(self, source: str, target: str) -> None:
        """Delete the unbound ``source`` once nothing is left in it (quorum queues have no
        ``if-empty`` delete: the count is checked, and what remains moved, first)."""
        while self.channel.queue_declare(source, passive=True).method.message_count:
            self._move(source, target)
        self.channel.queue_delete(source)

    def _move(self, source: str, target: str) -> int:
        """Through a fan-out exchange bound to ``target`` alone (``<target>.migrating``), so
        each message keeps the routing key its sender's checks are made against."""
        exchange = target + HOLDING_SUFFIX
        self.channel.exchange_declare(exchange, exchange_type="fanout", durable=True)
        self.channel.queue_bind(target, exchange)
        moved = 0
        try:
            while True:
                method, properties, body = self.channel.basic_get(source, auto_ack=False)
                if method is None:
                    return moved
                # basic_get's frames always carry these; pika's types leave them optional.
                assert method.routing_key is not None and method.delivery_tag is not None
                assert properties is not None and body is not None
                # Confirmed before the ack: a crash in between leaves a duplicate, not a loss.
                self.channel.basic_publish(
                    exchange, method.routing_key, body, self._republished(properties)
                )
                self.channel.basic_ack(method.delivery_tag)
                moved += 1
        finally:
            self.channel.exchange_delete(exchange)

    def _republished(self, properties: pika.BasicProperties) -> pika.BasicProperties:
        headers = {
            key: value
            for key, value in (properties.headers or {}).items()
            if key not in _BROKER_HEADERS
        }
        user_id = properties.user_id
        if user_id is None:
            headers.pop(SENDER_HEADER, None)
        elif user_id != self.own_user:
            headers[SENDER_HEADER] = user_id
            user_id = self.own_user
        return pika.BasicProperties(
            content_type=properties.content_type,
            content_encoding=properties.content_encoding,
            headers=headers,
            delivery_mode=pika.DeliveryMode.Persistent,
            priority=properties.priority,
            correlation_id=properties.correlation_id,
            reply_to=properties.reply_to,
            expiration=properties.expiration,
            message_id=properties.message_id,
            timestamp=properties.timestamp,
            type=properties.type,
            user_id=user_id,
            app_id=properties.app_id,
        )
