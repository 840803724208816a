"""An existing deployment's queues, declared before issue 19, brought to one active consumer
by ``migrate`` with every waiting update kept, in order, and still trusted as its sender's.

The old topology (no ``x-single-active-consumer``) is declared and Prishtinë's back-office
has already sent updates into ``gateway.status``; the new topology cannot be declared over
it. After ``migrate`` it can, nothing is left in a holding queue, and a status consumer
records every request in review, then approved. A message that came without a broker-checked
sender but claiming one in ``x-ekomunat-sender`` stays untrusted after the move.
"""

from __future__ import annotations

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.consumer import REASON_HEADER, SENDER_HEADER
from adapters.amqp.topology import (
    Topology,
    TopologyNames,
    declare,
)
from adapters.amqp.topology.migrate import HOLDING_SUFFIX, MigratedQueue, migrate
from bench.status_ordering import (
    before_issue_19,
    handed_off_requests,
    publish_in_order,
    status_update,
)
from contracts.messages import RequestStatus
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.relay.probes import drain, wait_until

CODES = ["19", "20"]
REQUESTS = 20


def test_migrate_keeps_every_waiting_update_in_order_and_its_sender(
    amqp_url: str,
    amqp_channel: BlockingChannel,
    postgres_store: Store,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    topology = Topology.build(CODES, names=topology_names)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), before_issue_19(topology))
        with pytest.raises(ChannelClosedByBroker, match="PRECONDITION_FAILED"):
            declare(connection.channel(), topology)

    request_ids = handed_off_requests(postgres_store, REQUESTS)
    prishtine = broker_users.municipality("19")
    publish_in_order(prishtine.url, prishtine.name, topology_names, request_ids)
    forged = status_update(request_ids[0], "rejected")
    with pika.BlockingConnection(pika.URLParameters(prishtine.url)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            topology_names.status_exchange,
            forged.routing_key,
            forged.model_dump_json().encode(),
            pika.BasicProperties(headers={SENDER_HEADER: prishtine.name}),
        )

    migrated = migrate(amqp_url, topology)

    status_queue = topology_names.status_queue
    assert MigratedQueue(status_queue, 2 * REQUESTS + 1) in migrated
    assert {queue.name for queue in migrated} == {
        status_queue,
        topology_names.complaint_status_queue,
        topology_names.act_decision_queue,
    }
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), topology)
        for queue in migrated:
            with pytest.raises(ChannelClosedByBroker, match="NOT_FOUND"):
                connection.channel().queue_declare(queue.name + HOLDING_SUFFIX, passive=True)

    consumer = StatusConsumer(
        postgres_store, amqp_url, names=topology_names, municipality_codes=CODES
    )
    consumer.start()
    try:

        def approved() -> int:
            with postgres_store.unit_of_work(read_only=True) as uow:
                return sum(
                    1
                    for request_id in request_ids
                    if (record := uow.requests.get(request_id)) is not None
                    and record.status is RequestStatus.APPROVED
                )

        wait_until(lambda: approved() == REQUESTS, what="every migrated update recorded")
    finally:
        consumer.stop()
    dead = drain(amqp_channel, topology_names.dead_letter_queue, expect=1)
    assert [str(item.properties.headers[REASON_HEADER]) for item in dead] == [
        "status.sender_unverified: user_id names no municipality's broker user"
    ]
