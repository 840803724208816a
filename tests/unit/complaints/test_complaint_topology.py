"""The complaints' part of the broker topology (no broker needed)."""

from __future__ import annotations

import pytest

from adapters.amqp.topology import (
    APPLICATIONS,
    Binding,
    ComplaintNames,
    ExchangeDeclaration,
    QueueDeclaration,
    Topology,
    TopologyNames,
    central_institution_user_commands,
    municipal_complaint_permission_commands,
)


def test_central_institutions_get_queues_and_answers_their_own_path() -> None:
    items = Topology.build(["19"], ["keds", "ombudsperson"]).declarations
    queues = {item.name: item for item in items if isinstance(item, QueueDeclaration)}
    bindings = {(i.queue, i.exchange, i.routing_key) for i in items if isinstance(i, Binding)}
    exchanges = {item.name for item in items if isinstance(item, ExchangeDeclaration)}

    assert ("ekomunat.central.keds", "ekomunat.requests", "central.keds.#") in bindings
    assert ("ekomunat.central.ombudsperson", "ekomunat.requests", "central.ombudsperson.#") in (
        bindings
    )
    assert queues["ekomunat.central.keds"].arguments["x-dead-letter-exchange"] == "ekomunat.dlx"
    assert "ekomunat.complaint-status" in exchanges
    assert ("gateway.complaint-status", "ekomunat.complaint-status", "#") in bindings
    # Answers to complaints never reach the application status queue.
    assert not any(
        queue == "gateway.status" and exchange == "ekomunat.complaint-status"
        for queue, exchange, _ in bindings
    )
    # The application topology is all there, unchanged, first.
    applications = Topology.build(["19"]).part(APPLICATIONS)
    assert items[: len(applications)] == applications


def test_a_municipal_complaint_key_lands_in_the_municipality_queue_only() -> None:
    items = Topology.build(["19", "20"], ["keds"]).declarations
    patterns = {i.queue: i.routing_key for i in items if isinstance(i, Binding)}
    assert patterns["ekomunat.19"] == "19.#"  # 19.complaint.road-damage matches here
    assert not any(p.startswith("central") for q, p in patterns.items() if q == "ekomunat.19")


def test_an_institution_id_must_be_a_plain_word() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        Topology.build(["19"], ["KEDS#"])


def test_broker_users_map_back_to_the_body_they_speak_for() -> None:
    names = ComplaintNames(TopologyNames(prefix="t1."))
    assert names.routing_prefix_of_user("t1.ekomunat-central-keds") == "central.keds"
    assert names.routing_prefix_of_user("t1.ekomunat-19") == "19"
    assert names.routing_prefix_of_user("ekomunat-central-keds") is None
    assert names.routing_prefix_of_user("guest") is None
    assert names.routing_prefix_of_user(None) is None


def test_a_central_user_may_read_its_queue_and_answer_only_for_itself() -> None:
    add_user, permissions, topic = central_institution_user_commands("keds", "secret")
    assert add_user == ["rabbitmqctl", "add_user", "ekomunat-central-keds", "secret"]
    assert permissions[-3:] == [
        "^$",
        r"^ekomunat\.complaint\-status$",
        r"^ekomunat\.central\.keds$",
    ]
    assert topic[-3:] == ["ekomunat.complaint-status", r"^central\.keds\.", "^$"]


def test_a_municipal_user_keeps_its_rights_and_may_answer_complaints() -> None:
    permissions, topic = municipal_complaint_permission_commands("20")
    configure, write, read = permissions[-3:]
    assert configure == "^$"
    assert write == r"^(ekomunat\.status|ekomunat\.complaint\-status)$"
    assert read == r"^ekomunat\.20$"
    assert topic[-3:] == ["ekomunat.complaint-status", r"^20\.", "^$"]
