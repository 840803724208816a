"""A 3-node RabbitMQ cluster: quorum queues on all three keep a confirmed message through a
kill -9 of the queue leader's node, and the node rejoins when it is started again."""

from __future__ import annotations

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError

from adapters.amqp.topology import Topology, TopologyNames, declare
from bench.drills.engines import RabbitCluster
from bench.drills.engines.process_group import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

QUORUM_ON_ALL_THREE = {"x-queue-type": "quorum", "x-quorum-initial-group-size": 3}
PERSISTENT = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)


def _confirming_channel(url: str) -> tuple[pika.BlockingConnection, BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


def _publish_confirmed(url: str, queue: str, body: bytes) -> None:
    """Returns only once the broker confirmed it (pika raises on a nack or a return)."""
    connection, channel = _confirming_channel(url)
    try:
        channel.queue_declare(queue, durable=True, arguments=QUORUM_ON_ALL_THREE)
        channel.basic_publish("", queue, body, PERSISTENT, mandatory=True)
    finally:
        connection.close()


def _get_one(url: str, queue: str) -> bytes | None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        method, _properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            return None
        channel.basic_ack(method.delivery_tag)
        return body
    finally:
        connection.close()


def test_the_three_nodes_form_one_cluster(rabbit_cluster: RabbitCluster) -> None:
    names = sorted(node.name for node in rabbit_cluster.nodes)
    assert len(names) == 3
    for node in rabbit_cluster.nodes:
        assert rabbit_cluster.running_nodes(ask=node) == names
        pika.BlockingConnection(pika.URLParameters(node.url())).close()


def test_the_gateways_own_queues_get_a_member_on_every_node(
    rabbit_cluster: RabbitCluster,
) -> None:
    """The topology sets no group size: RabbitMQ's default (3) must put a replica of every
    queue on each node, as docs/deployment.md says."""
    names = TopologyNames("drill-topology.")
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_cluster.nodes[1].url()))
    try:
        declare(connection.channel(), Topology.build(["19"], [], names=names))
    finally:
        connection.close()
    everyone = sorted(node.name for node in rabbit_cluster.nodes)
    ours = [row for row in rabbit_cluster.queues() if row["name"].startswith(names.prefix)]
    assert len(ours) >= 3
    for row in ours:
        assert row["type"] == "quorum", row["name"]
        assert sorted(row["members"]) == everyone, row["name"]


def test_a_confirmed_message_outlives_its_leaders_node_which_rejoins(
    rabbit_cluster: RabbitCluster,
) -> None:
    queue = "drill.leader-kill"
    first, *_ = rabbit_cluster.nodes
    _publish_confirmed(first.url(), queue, b"before the kill")
    info = rabbit_cluster.queue_info(queue)
    assert info["type"] == "quorum"
    assert sorted(info["members"]) == sorted(node.name for node in rabbit_cluster.nodes)

    leader = rabbit_cluster.kill_node(rabbit_cluster.leader_of(queue))
    survivors = [node for node in rabbit_cluster.nodes if node is not leader]

    # Two of three members are a majority: a new leader is elected and takes confirms.
    def published_on_survivor() -> bool:
        try:
            _publish_confirmed(survivors[0].url(), queue, b"during the outage")
        except AMQPError:
            return False  # no leader yet: the publish times out or is nacked
        return True

    wait_until(published_on_survivor, timeout_s=60, what="a confirm with one node down")
    assert rabbit_cluster.leader_of(queue).name != leader.name
    assert wait_until(
        lambda: _get_one(survivors[1].url(), queue), timeout_s=30, what="the message"
    ) == (b"before the kill")

    rabbit_cluster.restart_node(leader)
    everyone = sorted(node.name for node in rabbit_cluster.nodes)
    wait_until(
        lambda: rabbit_cluster.running_nodes(ask=leader) == everyone,
        timeout_s=60,
        what="the restarted node back in the cluster",
    )
    wait_until(
        lambda: sorted(rabbit_cluster.queue_info(queue)["online"]) == everyone,
        timeout_s=60,
        what="the restarted node's queue member online",
    )
    assert _get_one(leader.url(), queue) == b"during the outage"
