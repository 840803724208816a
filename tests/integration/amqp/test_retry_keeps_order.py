"""A message whose handler fails for a while holds back the messages behind it.

The gateway's queues carry one request's updates in order ("in review", then "approved"), and
a single active consumer keeps that order only if a retried message is not overtaken. The
drill of issue #19 saw it overtaken during a PostgreSQL fail-over: the "in review" whose write
failed was put back, the "approved" behind it was handled first and refused as illegal. The
handler below fails its first tries as a store does while no node takes writes (the fault is
the handler's own raise, standing in for the database error that the store raises then).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pytest

from adapters.amqp.consumer import Delivery, Outcome, QueueConsumer
from tests.integration.relay.probes import wait_until


@pytest.fixture
def queue(amqp_channel) -> Iterator[str]:  # type: ignore[no-untyped-def]
    name = f"t{uuid.uuid4().hex[:8]}.ordered"
    amqp_channel.queue_declare(
        name, durable=True, arguments={"x-queue-type": "quorum", "x-single-active-consumer": True}
    )
    yield name
    amqp_channel.queue_delete(name)


def _consumer(url: str, queue: str, handler, hold_s: float) -> QueueConsumer:  # type: ignore[no-untyped-def]
    return QueueConsumer(
        pika.URLParameters(url),
        queue,
        handler,
        dead_letter_exchange="",
        retry_delay_s=0.1,
        hold_s=hold_s,
        name="ordered",
    )


def _publish(amqp_channel, queue: str, bodies: list[str]) -> None:  # type: ignore[no-untyped-def]
    for body in bodies:
        amqp_channel.basic_publish("", queue, body.encode(), pika.BasicProperties(message_id=body))


def test_a_message_retried_in_place_is_not_overtaken(amqp_url: str, amqp_channel, queue: str):  # type: ignore[no-untyped-def]
    handled: list[str] = []
    failures = {"in_review": 5}

    def handler(delivery: Delivery) -> Outcome:
        name = delivery.body.decode()
        if failures.get(name, 0) > 0:
            failures[name] -= 1
            raise ConnectionError("the store takes no writes now")
        handled.append(name)
        return Outcome.ack()

    _publish(amqp_channel, queue, ["in_review", "approved", "closed"])
    consumer = _consumer(amqp_url, queue, handler, hold_s=60)
    consumer.start("ordered-consumer")
    try:
        wait_until(lambda: len(handled) == 3, what="all three handled")
    finally:
        consumer.stop()
    assert handled == ["in_review", "approved", "closed"]
    assert amqp_channel.queue_declare(queue, passive=True).method.message_count == 0


def test_a_message_that_never_succeeds_is_given_back_and_the_queue_goes_on(  # type: ignore[no-untyped-def]
    amqp_url: str, amqp_channel, queue: str
):
    handled: list[str] = []

    def handler(delivery: Delivery) -> Outcome:
        name = delivery.body.decode()
        if name == "poison":
            raise ValueError("this message can never be stored")
        handled.append(name)
        return Outcome.ack()

    _publish(amqp_channel, queue, ["poison", "next"])
    consumer = _consumer(amqp_url, queue, handler, hold_s=0.5)
    consumer.start("ordered-consumer")
    try:
        wait_until(lambda: "next" in handled, what="the message behind the poison one")
    finally:
        consumer.stop()
