"""The legality review's part of the broker topology (no broker needed)."""

from __future__ import annotations

from adapters.amqp.topology import (
    ACT_REVIEW,
    APPLICATIONS,
    COMPLAINTS,
    ActReviewNames,
    Binding,
    ExchangeDeclaration,
    QueueDeclaration,
    Topology,
    TopologyNames,
    describe,
    ministry_user_commands,
)


def test_acts_reach_the_ministry_s_queue_and_its_decisions_come_back_on_their_own_path() -> None:
    topology = Topology.build(["19", "20"], ["keds"])
    items = topology.declarations
    queues = {item.name: item for item in items if isinstance(item, QueueDeclaration)}
    bindings = {(i.queue, i.exchange, i.routing_key) for i in items if isinstance(i, Binding)}
    exchanges = {item.name for item in items if isinstance(item, ExchangeDeclaration)}

    assert ("ekomunat.mapl.acts", "ekomunat.requests", "mapl.acts.#") in bindings
    assert queues["ekomunat.mapl.acts"].arguments["x-dead-letter-exchange"] == "ekomunat.dlx"
    assert queues["ekomunat.mapl.acts"].arguments["x-delivery-limit"] == 10
    assert "ekomunat.act-review" in exchanges
    assert ("gateway.act-review", "ekomunat.act-review", "#") in bindings
    # Acts never land in a municipality's queue, and decisions never in a status queue.
    assert not any(
        key.startswith(("19.", "20.")) and q == "ekomunat.mapl.acts" for q, _, key in bindings
    )
    assert not any(
        exchange == "ekomunat.act-review" and queue != "gateway.act-review"
        for queue, exchange, _ in bindings
    )
    # Applications and complaints come first, unchanged.
    assert [part.feature for part in topology.parts] == [APPLICATIONS, COMPLAINTS, ACT_REVIEW]
    before = Topology.build(["19", "20"]).part(APPLICATIONS) + topology.part(COMPLAINTS)
    assert items[: len(before)] == before


def test_topology_print_shows_the_ministry_s_part_behind_a_prefix_too() -> None:
    names = TopologyNames(prefix="staging.")
    text = describe(Topology.build(["32"], names=names))
    assert "binding  staging.ekomunat.requests -> staging.ekomunat.mapl.acts key=mapl.acts.#" in (
        text.splitlines()
    )
    assert all(" staging." in line for line in text.splitlines())


def test_the_ministry_user_may_read_its_queue_and_publish_only_decisions_on_acts() -> None:
    add_user, permissions, topic = ministry_user_commands("secret")
    assert add_user == ["rabbitmqctl", "add_user", "ekomunat-mapl", "secret"]
    assert permissions[-3:] == ["^$", r"^ekomunat\.act\-review$", r"^ekomunat\.mapl\.acts$"]
    assert topic[-3:] == ["ekomunat.act-review", r"^mapl\.acts\.", "^$"]


def test_parties_broker_users_are_told_from_the_ministry_s() -> None:
    names = ActReviewNames(TopologyNames(prefix="t1."))
    assert names.ministry_user == "t1.ekomunat-mapl"
    assert names.is_party_user("t1.ekomunat-19")
    assert names.is_party_user("t1.ekomunat-central-keds")
    assert not names.is_party_user("guest")
    assert not names.is_party_user(None)
