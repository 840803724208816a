"""Declaring a ``Topology`` on the broker: at every (re)connect of a worker, or from the CLI."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.topology.layout import ExchangeDeclaration, QueueDeclaration, Topology


def declare(channel: BlockingChannel, topology: Topology) -> None:
    """Declare the whole topology on an open channel; a no-op where it already exists.

    A queue that exists with other arguments (say, classic where quorum is asked for) makes
    the broker close the channel with PRECONDITION_FAILED: the operator must migrate it.
    """
    for item in topology.declarations:
        if isinstance(item, ExchangeDeclaration):
            channel.exchange_declare(item.name, exchange_type=item.type, durable=True)
        elif isinstance(item, QueueDeclaration):
            channel.queue_declare(item.name, durable=True, arguments=item.arguments)
        else:
            channel.queue_bind(item.queue, item.exchange, routing_key=item.routing_key)


def apply_topology(amqp_url: str, topology: Topology) -> None:
    """Connect, declare everything, disconnect: the CLI's ``topology apply``."""
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), topology)
