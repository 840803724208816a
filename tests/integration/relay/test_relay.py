"""The relay's promises at the broker: what a published hand-off looks like, and what
happens when it cannot be delivered."""

from __future__ import annotations

import json
import socket

import pika
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.topology import TopologyNames
from contracts.messages import HandoffMessage, RequestStatus
from gateway.relay import Relay
from gateway.store import Store
from tests.integration.relay.probes import drain, running, wait_until
from tests.integration.store.builders import handoff_for, new_request


def _accept(store: Store, municipality: str = "19") -> HandoffMessage:
    request = new_request(municipality=municipality, service="cadastre.possession-list")
    message = handoff_for(request)
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(message)
        uow.commit()
    return message


def test_a_handoff_is_published_persistent_with_ids_and_schema_version(
    store: Store, amqp_url: str, topology_names: TopologyNames, amqp_channel: BlockingChannel
) -> None:
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=["19"])
    with running(relay):
        message = _accept(store)
        wait_until(lambda: relay.health()["outbox_depth"] == 0, what="outbox drained")
        (received,) = drain(amqp_channel, topology_names.municipality_queue("19"), expect=1)

    properties = received.properties
    assert received.routing_key == "19.cadastre.possession-list"
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
    assert properties.message_id == str(message.message_id)
    assert properties.correlation_id == str(message.request_id)
    assert properties.content_type == "application/json"
    assert properties.headers["schema"] == "ekomunat.handoff"
    assert properties.headers["schema_version"] == "1"
    assert HandoffMessage.model_validate_json(received.body) == message
    with store.unit_of_work(read_only=True) as uow:
        request = uow.requests.get(str(message.request_id))
    assert request is not None and request.status is RequestStatus.HANDED_OFF


def test_a_handoff_no_queue_takes_is_kept_with_the_reason(
    store: Store, amqp_url: str, topology_names: TopologyNames
) -> None:
    # Only Prishtinë's queue exists; Prizren's message is returned by the broker.
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=["19"])
    with running(relay):
        message = _accept(store, municipality="20")

        def recorded_failure() -> dict[str, object] | None:
            with store.unit_of_work(read_only=True) as uow:
                row = uow.outbox.get(str(message.message_id))
            return row if row and row["attempts"] >= 1 else None

        row = wait_until(recorded_failure, what="the returned message recorded")
        health = relay.health()

    assert row["published_at"] is None
    assert str(row["last_error"]).startswith("unroutable")
    assert health["outbox_depth"] == 1
    with store.unit_of_work(read_only=True) as uow:
        request = uow.requests.get(str(message.request_id))
    assert request is not None and request.status is RequestStatus.ACCEPTED


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_a_broker_the_relay_says_so_and_requests_wait_in_the_outbox(
    store: Store,
) -> None:
    relay = Relay(store, f"amqp://guest:guest@127.0.0.1:{_closed_port()}/%2F", max_backoff_s=0.5)
    with running(relay):
        accepted = [_accept(store) for _ in range(3)]
        health = wait_until(lambda: relay.health() if relay.health()["outbox_depth"] == 3 else None)

    assert health["broker"] == "unreachable"
    assert health["oldest_unpublished_age_s"] >= 0
    with store.unit_of_work(read_only=True) as uow:
        requests = [uow.requests.get(str(message.request_id)) for message in accepted]
    assert [request.status if request else None for request in requests] == [
        RequestStatus.ACCEPTED
    ] * 3


def test_a_burst_is_published_completely_and_in_order(
    store: Store, amqp_url: str, topology_names: TopologyNames, amqp_channel: BlockingChannel
) -> None:
    messages = []
    with store.unit_of_work() as uow:
        for _ in range(1500):
            request = new_request(municipality="32")
            message = handoff_for(request)
            uow.requests.add(request)
            uow.outbox.add_handoff(message)
            messages.append(message)
        uow.commit()

    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=["32"], window=100)
    with running(relay):
        wait_until(lambda: relay.health()["outbox_depth"] == 0, what="outbox drained")
        received = drain(amqp_channel, topology_names.municipality_queue("32"), expect=1500)

    ids = [json.loads(item.body)["message_id"] for item in received]
    assert ids == [str(message.message_id) for message in messages]


def test_a_handoff_committed_in_the_relay_s_process_is_published_without_waiting_for_a_poll(
    store: Store, amqp_url: str, topology_names: TopologyNames, amqp_channel: BlockingChannel
) -> None:
    # A row committed before the relay exists is found by its first look at the outbox:
    # once it is published, that look is over and the next poll is an hour away.
    _accept(store)
    relay = Relay(
        store, amqp_url, names=topology_names, municipality_codes=["19"], idle_poll_s=3600
    )
    with running(relay):
        wait_until(lambda: relay.published_count == 1, what="the first look published")
        _accept(store)
        # Only the commit's signal can wake the relay before the poll.
        wait_until(lambda: relay.published_count == 2, what="the commit's signal heard")
        drain(amqp_channel, topology_names.municipality_queue("19"), expect=2)
    assert relay.health()["outbox_depth"] == 0


def test_rows_from_another_process_are_found_by_the_idle_poll(
    store: Store,
    database_url: str,
    amqp_url: str,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
) -> None:
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=["19"], idle_poll_s=0.2)
    elsewhere = Store.from_url(database_url)  # another gateway instance: no signal crosses
    try:
        with running(relay):
            wait_until(lambda: relay.health()["broker"] == "connected", what="relay connected")
            _accept(elsewhere)
            wait_until(lambda: relay.health()["outbox_depth"] == 0, what="outbox drained")
            drain(amqp_channel, topology_names.municipality_queue("19"), expect=1)
    finally:
        elsewhere.close()


def test_a_relay_stopped_and_started_again_publishes_again_and_hears_commits(
    store: Store, amqp_url: str, topology_names: TopologyNames, amqp_channel: BlockingChannel
) -> None:
    # The deployment's lease on the relay can leave a process and come back to it: the same
    # relay object is started again, and must publish, woken by commits, as the first time.
    relay = Relay(
        store, amqp_url, names=topology_names, municipality_codes=["19"], idle_poll_s=3600
    )
    with running(relay):
        _accept(store)
        wait_until(lambda: relay.published_count == 1, what="published before the stop")
    with running(relay):
        wait_until(lambda: relay.health()["broker"] == "connected", what="connected again")
        _accept(store)
        wait_until(lambda: relay.published_count == 2, what="published after the restart")
    drain(amqp_channel, topology_names.municipality_queue("19"), expect=2)
