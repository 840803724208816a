"""What the attack tests share: publish as someone, and read why the gateway refused it."""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import TopologyNames
from tests.fixtures.broker import vhost_url
from tests.fixtures.broker_users import BrokerUser
from tests.integration.relay.probes import drain


def refusal(
    sender: BrokerUser,
    routing_key: str,
    body: bytes,
    *,
    exchange: str,
    channel: BlockingChannel,
    names: TopologyNames,
    user_id: str | None = "",
) -> str:
    """Publish as ``sender``; the reason the gateway dead-lettered the message with."""
    sender.publish(exchange, routing_key, body, user_id=user_id)
    (dead,) = drain(channel, names.dead_letter_queue, expect=1)
    return str(dead.properties.headers[REASON_HEADER])


def unverified_reasons(
    vhost: str,
    routing_key: str,
    body: bytes,
    *,
    exchange: str,
    channel: BlockingChannel,
    names: TopologyNames,
) -> set[str]:
    """Publish as the gateway's own login (``guest``, no party's user) with no ``user_id``
    and with its own: the reason codes the gateway refused each with."""
    gateway_itself = BrokerUser("guest", vhost_url(vhost))
    reasons = {
        refusal(
            gateway_itself,
            routing_key,
            body,
            exchange=exchange,
            channel=channel,
            names=names,
            user_id=user_id,
        )
        for user_id in (None, "guest")
    }
    return {reason.split(":")[0] for reason in reasons}
