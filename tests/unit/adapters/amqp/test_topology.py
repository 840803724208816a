"""The topology as declared, described and permissioned (no broker needed)."""

from __future__ import annotations

import pytest

from adapters.amqp.topology import (
    APPLICATIONS,
    SINGLE_ACTIVE_CONSUMER,
    Binding,
    QueueDeclaration,
    Topology,
    TopologyNames,
    describe,
    municipality_user_commands,
)

ALL_CODES = [f"{number:02d}" for number in range(1, 39)]


def test_every_municipality_gets_a_durable_quorum_queue_bound_to_its_code() -> None:
    items = Topology.build(ALL_CODES).part(APPLICATIONS)
    queues = {item.name: item for item in items if isinstance(item, QueueDeclaration)}
    bindings = {(item.queue, item.routing_key) for item in items if isinstance(item, Binding)}

    for code in ALL_CODES:
        queue = queues[f"ekomunat.{code}"]
        assert queue.arguments["x-queue-type"] == "quorum"
        assert queue.arguments["x-dead-letter-exchange"] == "ekomunat.dlx"
        assert (f"ekomunat.{code}", f"{code}.#") in bindings
    assert ("gateway.status", "#") in bindings
    assert ("ekomunat.dead", "") in bindings
    assert len(queues) == 38 + 2


def test_classic_queues_carry_no_quorum_only_arguments() -> None:
    items = Topology.build(["19"], queue_type="classic").part(APPLICATIONS)
    queue = next(item for item in items if getattr(item, "name", "") == "ekomunat.19")
    assert isinstance(queue, QueueDeclaration)
    assert "x-delivery-limit" not in queue.arguments


def test_describe_prints_one_line_per_declaration_in_a_workable_order() -> None:
    topology = Topology.build(["19", "20"])
    text = describe(topology)
    lines = text.splitlines()
    assert lines[0] == "exchange ekomunat.requests type=topic durable"
    assert "binding  ekomunat.requests -> ekomunat.20 key=20.#" in lines
    assert len(lines) == len(topology.declarations)


def test_a_prefix_renames_everything_for_a_private_copy() -> None:
    names = TopologyNames(prefix="staging.")
    text = describe(Topology.build(["32"], names=names))
    assert all(" staging." in line for line in text.splitlines())


def test_a_municipality_code_must_be_two_digits() -> None:
    with pytest.raises(ValueError, match="two digits"):
        Topology.build(["7"])


def test_broker_users_map_back_to_their_municipality() -> None:
    names = TopologyNames(prefix="t1.")
    assert names.municipality_of_user(names.municipality_user("20")) == "20"
    assert names.municipality_of_user("ekomunat-20") is None
    assert names.municipality_of_user("guest") is None
    assert names.municipality_of_user(None) is None


def test_a_municipal_user_may_read_its_queue_and_publish_only_its_own_status_keys() -> None:
    add_user, permissions, topic = municipality_user_commands("20", "secret")
    assert add_user == ["rabbitmqctl", "add_user", "ekomunat-20", "secret"]
    configure, write, read = permissions[-3:]
    assert (configure, write, read) == ("^$", r"^ekomunat\.status$", r"^ekomunat\.20$")
    assert topic[-3:] == ["ekomunat.status", r"^20\.", "^$"]


@pytest.mark.parametrize("queue_type", ["quorum", "classic"])
def test_only_the_queues_the_gateway_consumes_take_one_consumer_at_a_time(
    queue_type: str,
) -> None:
    topology = Topology.build(ALL_CODES, ["keds"], queue_type=queue_type)  # type: ignore[arg-type]
    single_active = {
        queue.name for queue in topology.queues if queue.arguments.get(SINGLE_ACTIVE_CONSUMER)
    }
    assert single_active == {"gateway.status", "gateway.complaint-status", "gateway.act-review"}
