"""Status updates coming back from municipalities: checked, recorded once, or dead-lettered.

Real store (SQLite and PostgreSQL) and real RabbitMQ; updates are published the way a
municipal system would, on the status exchange.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import TopologyNames, apply_commands, municipality_user_commands
from contracts.messages import DecidedBy, IssuedDocument, Note, RequestStatus, StatusUpdate
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.fixtures.broker import rabbitmqctl
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.relay.probes import drain, wait_until
from tests.integration.store.builders import new_request

CODES = ["19", "20"]


@pytest.fixture
def consumer(store: Store, amqp_url: str, topology_names: TopologyNames) -> Iterator[None]:
    running = StatusConsumer(
        store, amqp_url, names=topology_names, municipality_codes=CODES, retry_delay_s=0.2
    )
    running.start()
    try:
        wait_until(lambda: running.health()["broker"] == "connected", what="consumer connected")
        yield
    finally:
        running.stop()


def _stored_request(store: Store, municipality: str = "19") -> str:
    request = new_request(municipality=municipality)
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.commit()
    return request.id


def _update(request_id: str, status: str, municipality: str = "19") -> StatusUpdate:
    return StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality=municipality,
        status=status,  # type: ignore[arg-type]
        note=Note(language="sr", text="Vaš zahtev se razmatra."),
        documents=(IssuedDocument(document_id="19-2026-000123", title="Izvod iz matične knjige"),),
        decided_by=DecidedBy(official_id="19-0042", name="Službenik", role="matičar"),
        occurred_at=datetime.now(UTC),
    )


def _publish(
    users: BrokerUsers, names: TopologyNames, body: bytes, *, routing_key: str, sender: str = "19"
) -> None:
    """As ``sender``'s own broker user, ``user_id`` set, the way its back-office publishes."""
    users.municipality(sender).publish(names.status_exchange, routing_key, body)


def _send(users: BrokerUsers, names: TopologyNames, update: StatusUpdate) -> None:
    """As the municipality the update names."""
    _publish(
        users,
        names,
        update.model_dump_json().encode(),
        routing_key=update.routing_key,
        sender=update.municipality,
    )


def _statuses(store: Store, request_id: str) -> list[RequestStatus]:
    with store.unit_of_work(read_only=True) as uow:
        return [change.status for change in uow.requests.history(request_id)]


@pytest.mark.usefixtures("consumer")
def test_a_valid_update_is_recorded_with_its_note_documents_and_official(
    store: Store, topology_names: TopologyNames, broker_users: BrokerUsers
) -> None:
    request_id = _stored_request(store)
    update = _update(request_id, "in_review")

    _send(broker_users, topology_names, update)
    wait_until(lambda: _statuses(store, request_id) == ["accepted", "in_review"])

    with store.unit_of_work(read_only=True) as uow:
        change = uow.requests.history(request_id)[-1]
    assert change.update_id == str(update.update_id)
    assert change.source == "municipality:19"
    assert change.note == {"language": "sr", "text": "Vaš zahtev se razmatra."}
    assert change.documents[0]["document_id"] == "19-2026-000123"
    assert change.decided_by is not None and change.decided_by["official_id"] == "19-0042"


@pytest.mark.usefixtures("consumer")
def test_a_redelivered_update_changes_nothing(
    store: Store,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
    broker_users: BrokerUsers,
) -> None:
    request_id = _stored_request(store)
    in_review = _update(request_id, "in_review")

    _send(broker_users, topology_names, in_review)
    _send(broker_users, topology_names, in_review)
    _send(broker_users, topology_names, _update(request_id, "approved"))
    wait_until(lambda: _statuses(store, request_id)[-1:] == ["approved"])

    assert _statuses(store, request_id) == ["accepted", "in_review", "approved"]
    method, _, _ = amqp_channel.basic_get(topology_names.dead_letter_queue, auto_ack=True)
    assert method is None, "a duplicate is not an error"


POISON_CASES = {
    "not json at all": (b"\x00\xffnot-json", "status.invalid_message"),
    "wrong municipality": (None, "status.wrong_municipality"),
    "unknown request": (None, "status.unknown_request"),
    "illegal transition": (None, "status.illegal_transition: accepted -> closed"),
}


@pytest.mark.usefixtures("consumer")
@pytest.mark.parametrize("case", POISON_CASES)
def test_an_update_failing_a_check_is_dead_lettered_with_its_reason(
    case: str,
    store: Store,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
    broker_users: BrokerUsers,
) -> None:
    request_id = _stored_request(store, municipality="19")
    raw, expected_reason = POISON_CASES[case]
    if raw is not None:
        _publish(broker_users, topology_names, raw, routing_key="19.in_review")
    elif case == "wrong municipality":
        _send(broker_users, topology_names, _update(request_id, "in_review", municipality="20"))
    elif case == "unknown request":
        _send(broker_users, topology_names, _update(str(uuid.uuid4()), "in_review"))
    else:
        _send(broker_users, topology_names, _update(request_id, "closed"))

    (dead,) = drain(amqp_channel, topology_names.dead_letter_queue, expect=1)
    assert str(dead.properties.headers[REASON_HEADER]).startswith(expected_reason)
    assert _statuses(store, request_id) == ["accepted"]

    # The consumer is still there and still works.
    _send(broker_users, topology_names, _update(request_id, "in_review"))
    wait_until(lambda: _statuses(store, request_id) == ["accepted", "in_review"])


@pytest.fixture
def municipal_user(amqp_vhost: str, topology_names: TopologyNames) -> Iterator[tuple[str, str]]:
    """A real broker user for Prizren (20), limited as ``municipality_user_commands`` says."""
    password = uuid.uuid4().hex
    apply_commands(
        municipality_user_commands("20", password, names=topology_names, vhost=amqp_vhost)
    )
    user = topology_names.municipality_user("20")
    try:
        yield user, password
    finally:
        rabbitmqctl("delete_user", user)


@pytest.mark.usefixtures("consumer")
def test_a_municipal_user_can_only_speak_for_its_own_municipality(
    store: Store,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
    amqp_url: str,
    municipal_user: tuple[str, str],
) -> None:
    user, password = municipal_user
    prishtina_request = _stored_request(store, municipality="19")
    prizren_request = _stored_request(store, municipality="20")
    parameters = pika.URLParameters(amqp_url)
    parameters.credentials = pika.PlainCredentials(user, password)

    def publish_as_prizren(update: StatusUpdate, routing_key: str) -> None:
        with pika.BlockingConnection(parameters) as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.basic_publish(
                topology_names.status_exchange,
                routing_key,
                update.model_dump_json().encode(),
                pika.BasicProperties(message_id=str(update.update_id), user_id=user),
            )

    # The broker refuses a routing key of another municipality outright...
    with pytest.raises(ChannelClosedByBroker) as refused:
        publish_as_prizren(_update(prishtina_request, "in_review"), "19.in_review")
    assert refused.value.reply_code == 403
    # ...and the gateway refuses a body that claims another municipality.
    publish_as_prizren(_update(prishtina_request, "in_review", municipality="19"), "20.x")
    (dead,) = drain(amqp_channel, topology_names.dead_letter_queue, expect=1)
    assert str(dead.properties.headers[REASON_HEADER]).startswith("status.sender_mismatch")

    publish_as_prizren(_update(prizren_request, "in_review", municipality="20"), "20.in_review")
    wait_until(lambda: _statuses(store, prizren_request) == ["accepted", "in_review"])
    assert _statuses(store, prishtina_request) == ["accepted"]
