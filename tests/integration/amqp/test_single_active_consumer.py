"""Every queue the gateway consumes takes one consumer at a time, however many instances run.

Two instances of each consumer (status updates, answers to complaints, the ministry's
decisions on acts) subscribe, each on its own connection: the broker lists both, and
delivers to exactly one, so one instance can never record a later update of an entity
before another has recorded an earlier one (issue 19). When the active one goes, the other
becomes active. The status queue's ordering under load is
``tests/integration/status/test_ordering_with_two_consumers.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.amqp.topology import ActReviewNames, ComplaintNames, TopologyNames
from adapters.amqp.worker import ConsumerWorker
from gateway.acts.consumer import ActReviewConsumer
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.integration.amqp.broker_listing import queue_consumers
from tests.integration.relay.probes import wait_until

CODES = ["19", "20"]

CONSUMERS: dict[str, tuple[Callable[..., ConsumerWorker], Callable[[TopologyNames], str]]] = {
    "status": (StatusConsumer, lambda names: names.status_queue),
    "complaint answers": (
        ComplaintStatusConsumer,
        lambda names: ComplaintNames(names).status_queue,
    ),
    "act review": (ActReviewConsumer, lambda names: ActReviewNames(names).decision_queue),
}


@pytest.mark.parametrize("kind", list(CONSUMERS))
def test_two_instances_subscribe_and_one_is_delivered_to_until_it_goes(
    kind: str, sqlite_url: str, amqp_url: str, amqp_vhost: str, topology_names: TopologyNames
) -> None:
    build, queue_of = CONSUMERS[kind]
    queue = queue_of(topology_names)
    store = Store.from_url(sqlite_url)
    first, second = (
        build(store, amqp_url, names=topology_names, municipality_codes=CODES) for _ in range(2)
    )
    try:
        first.start()
        wait_until(lambda: len(queue_consumers(amqp_vhost, queue)) == 1, what="one consumer")
        second.start()
        listed = wait_until(
            lambda: (found := queue_consumers(amqp_vhost, queue)) and len(found) == 2 and found,
            what="both consumers subscribed",
        )
        assert sorted(active for _pid, active in listed) == [False, True], listed
        [(first_channel, _)] = [item for item in listed if item[1]]

        first.stop()
        after = wait_until(
            lambda: (found := queue_consumers(amqp_vhost, queue)) and len(found) == 1 and found,
            what="the first consumer gone",
        )
        assert after[0][1] is True and after[0][0] != first_channel, after
    finally:
        first.stop()
        second.stop()
        store.close()
