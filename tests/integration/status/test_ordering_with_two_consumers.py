"""Two gateway instances consuming ``gateway.status`` must record each request's updates in
the order its municipality sent them (issue 19: 47 of 200 "approved" dead-lettered as
``handed_off -> approved`` because the other instance had not yet recorded "in review").

Two ``StatusConsumer`` instances, each on its own connection, as two instances run them,
share one PostgreSQL store; Prishtinë's own broker user sends, per request, "in review" then
"approved". Every request must end approved and nothing be dead-lettered. Then the active
consumer's connection is closed by the broker mid-stream: the other takes over, and the
order still holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import TopologyNames
from bench.status_ordering import handed_off_requests, publish_in_order
from contracts.messages import RequestStatus
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.amqp.broker_listing import close_connection_of, queue_consumers
from tests.integration.relay.probes import drain, wait_until

CODES = ["19", "20"]
REQUESTS = 200


@pytest.fixture
def two_instances(
    postgres_store: Store, amqp_url: str, topology_names: TopologyNames
) -> Iterator[list[StatusConsumer]]:
    running = [
        StatusConsumer(
            postgres_store,
            amqp_url,
            names=topology_names,
            municipality_codes=CODES,
            retry_delay_s=0.2,
            max_backoff_s=0.5,
        )
        for _ in range(2)
    ]
    for consumer in running:
        consumer.start()
    try:
        for consumer in running:
            wait_until(lambda c=consumer: c.connected, what="both consumers connected")
        yield running
    finally:
        for consumer in running:
            consumer.stop()


def _approved(store: Store, request_ids: list[str]) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return sum(
            1
            for request_id in request_ids
            if (record := uow.requests.get(request_id)) is not None
            and record.status is RequestStatus.APPROVED
        )


def _settle(
    store: Store, channel: BlockingChannel, names: TopologyNames, request_ids: list[str]
) -> list[str]:
    """Wait until every request is approved or has a dead letter; the dead letters' reasons."""
    reasons: list[str] = []

    def settled() -> bool:
        reasons.extend(
            str(item.properties.headers[REASON_HEADER])
            for item in drain(channel, names.dead_letter_queue, expect=0)
        )
        return _approved(store, request_ids) + len(reasons) >= len(request_ids)

    wait_until(settled, timeout_s=120, interval_s=0.3, what="every update handled")
    return reasons


def test_two_instances_record_in_review_before_approved_for_every_request(
    two_instances: list[StatusConsumer],
    postgres_store: Store,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    request_ids = handed_off_requests(postgres_store, REQUESTS)

    prishtine = broker_users.municipality("19")
    publish_in_order(prishtine.url, prishtine.name, topology_names, request_ids)
    reasons = _settle(postgres_store, amqp_channel, topology_names, request_ids)

    out_of_order = [r for r in reasons if r == "status.illegal_transition: handed_off -> approved"]
    assert out_of_order == [], f"{len(out_of_order)} of {REQUESTS} dead-lettered for ordering"
    assert reasons == []
    assert _approved(postgres_store, request_ids) == REQUESTS


def test_when_the_active_consumer_dies_the_other_takes_over_in_order(
    two_instances: list[StatusConsumer],
    postgres_store: Store,
    amqp_channel: BlockingChannel,
    amqp_vhost: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    queue = topology_names.status_queue
    before = queue_consumers(amqp_vhost, queue)
    active = [pid for pid, is_active in before if is_active]
    assert len(before) == 2 and len(active) == 1, before

    request_ids = handed_off_requests(postgres_store, REQUESTS)
    sender = broker_users.municipality("19")
    publish_in_order(sender.url, sender.name, topology_names, request_ids[: REQUESTS // 2])
    wait_until(lambda: _approved(postgres_store, request_ids) > 10, what="some recorded")
    close_connection_of(amqp_vhost, active[0], "drill: the active consumer's link")
    publish_in_order(sender.url, sender.name, topology_names, request_ids[REQUESTS // 2 :])

    reasons = _settle(postgres_store, amqp_channel, topology_names, request_ids)
    assert reasons == []
    assert _approved(postgres_store, request_ids) == REQUESTS
    # The killed instance came back, as the one waiting: still exactly one active consumer,
    # and not the channel that was closed.
    after = wait_until(lambda: (c := queue_consumers(amqp_vhost, queue)) and len(c) == 2 and c)
    now_active = [pid for pid, is_active in after if is_active]
    assert len(now_active) == 1 and now_active[0] != active[0], after
    assert all(consumer.connected for consumer in two_instances)
