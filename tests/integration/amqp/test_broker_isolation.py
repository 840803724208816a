"""Issue 21, item 5: what a municipality's own broker user cannot do, tried on the real broker.

Prizren (20) gets its broker user exactly as the topology code makes it
(``municipality_user_commands``, then ``municipal_complaint_permission_commands``: together
what ``ekomunat-gateway topology user 20`` grants), in the test's vhost and over the test's
private topology. Logged in as that user, the test then attacks the other parties:

* it reads Prishtinë's (19) queue, by consuming and by ``basic.get``;
* it reads the dead letters of everyone: the dead-letter queue, a binding of its own queue
  to the dead-letter exchange, a forged dead letter for an operator to replay;
* it publishes hand-offs on the requests exchange, as if it were the gateway;
* it sends status updates for Prishtinë's request: under Prishtinë's routing key, with
  Prishtinë's name as ``user_id``, naming Prishtinë in the body with and without its own
  ``user_id``, and naming itself for a request that is not its own.

Each is refused by the broker (the channel closes with ACCESS_REFUSED, or PRECONDITION_FAILED
for a forged ``user_id``), or dead-lettered by the gateway's real status consumer with its
reason, and the victim's queue, the dead letters and the request's history stay as they were.
Before each attack the test shows that the same user, doing the same thing on its own
behalf, succeeds: a refusal is about whose data it is, not a broken login.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import (
    Topology,
    TopologyNames,
    apply_commands,
    apply_topology,
    municipal_complaint_permission_commands,
    municipality_user_commands,
)
from contracts.messages import DecidedBy, RequestStatus, StatusUpdate
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.fixtures.broker import rabbitmqctl
from tests.integration.relay.probes import drain, running, wait_until
from tests.integration.store.builders import new_request

PRISHTINA, PRIZREN = "19", "20"
ACCESS_REFUSED, PRECONDITION_FAILED = 403, 406

Attack = Callable[[BlockingChannel], object]


@pytest.fixture
def topology(amqp_url: str, topology_names: TopologyNames) -> TopologyNames:
    apply_topology(amqp_url, Topology.build([PRISHTINA, PRIZREN], names=topology_names))
    return topology_names


@pytest.fixture
def prizren(
    amqp_vhost: str, amqp_url: str, topology: TopologyNames
) -> Iterator[pika.URLParameters]:
    """Connection parameters of Prizren's own broker user, made by the topology's commands."""
    password = secrets.token_hex(16)
    apply_commands(
        municipality_user_commands(PRIZREN, password, names=topology, vhost=amqp_vhost)
        + municipal_complaint_permission_commands(PRIZREN, names=topology, vhost=amqp_vhost)
    )
    user = topology.municipality_user(PRIZREN)
    parameters = pika.URLParameters(amqp_url)
    parameters.credentials = pika.PlainCredentials(user, password)
    try:
        yield parameters
    finally:
        rabbitmqctl("delete_user", user)


@contextmanager
def logged_in(parameters: pika.URLParameters) -> Iterator[BlockingChannel]:
    """A channel of a fresh connection, with publisher confirms (a refusal then raises)."""
    with pika.BlockingConnection(parameters) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        yield channel


def refused_with(parameters: pika.URLParameters, attack: Attack) -> int:
    """The reply code of the channel close the broker answers ``attack`` with."""
    with logged_in(parameters) as channel, pytest.raises(ChannelClosedByBroker) as closed:
        attack(channel)
    return closed.value.reply_code


def _persistent(message_id: str | None = None, user_id: str | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=message_id or str(uuid.uuid4()),
        user_id=user_id,
    )


def _waiting(channel: BlockingChannel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def _ignore(*_delivery: object) -> None:
    """A consumer callback for attacks the broker must refuse before anything is delivered."""


def test_a_municipality_cannot_read_another_municipalitys_queue(
    topology: TopologyNames, prizren: pika.URLParameters, amqp_channel: BlockingChannel
) -> None:
    for code in (PRISHTINA, PRIZREN):
        amqp_channel.basic_publish(
            topology.requests_exchange, f"{code}.birth-certificate", b"{}", _persistent(code)
        )
    wait_until(lambda: _waiting(amqp_channel, topology.municipality_queue(PRISHTINA)) == 1)
    own_queue = topology.municipality_queue(PRIZREN)
    with logged_in(prizren) as channel:
        wait_until(lambda: channel.basic_get(own_queue, auto_ack=True)[0], what="its own hand-off")

    victim = topology.municipality_queue(PRISHTINA)
    assert refused_with(prizren, lambda ch: ch.basic_get(victim, auto_ack=True)) == ACCESS_REFUSED
    assert (
        refused_with(prizren, lambda ch: ch.basic_consume(victim, _ignore, auto_ack=True))
        == ACCESS_REFUSED
    )
    assert refused_with(prizren, lambda ch: ch.queue_purge(victim)) == ACCESS_REFUSED

    (left,) = drain(amqp_channel, victim, expect=1)
    assert left.properties.message_id == PRISHTINA, "Prishtinë's hand-off is still its own"


def test_a_municipality_cannot_read_or_write_the_dead_letters(
    topology: TopologyNames, prizren: pika.URLParameters, amqp_channel: BlockingChannel
) -> None:
    amqp_channel.basic_publish(topology.dead_letter_exchange, "", b"{}", _persistent("dead-19"))
    dead_letters = topology.dead_letter_queue
    wait_until(lambda: _waiting(amqp_channel, dead_letters) == 1)
    own_queue = topology.municipality_queue(PRIZREN)

    attacks: dict[str, Attack] = {
        "get": lambda ch: ch.basic_get(dead_letters, auto_ack=True),
        "consume": lambda ch: ch.basic_consume(dead_letters, _ignore, auto_ack=True),
        "bind its own queue to the dead-letter exchange": lambda ch: ch.queue_bind(
            own_queue, topology.dead_letter_exchange
        ),
        "declare a queue of its own": lambda ch: ch.queue_declare(
            f"{topology.prefix}ekomunat.{PRIZREN}.copy", durable=True
        ),
        "forge a dead letter for an operator to replay": lambda ch: ch.basic_publish(
            topology.dead_letter_exchange, "", b"{}", _persistent()
        ),
    }
    refusals = {name: refused_with(prizren, attack) for name, attack in attacks.items()}

    assert refusals == dict.fromkeys(attacks, ACCESS_REFUSED)
    (left,) = drain(amqp_channel, dead_letters, expect=1)
    assert left.properties.message_id == "dead-19", "only the one real dead letter is there"


def test_a_municipality_cannot_publish_hand_offs_as_the_gateway(
    topology: TopologyNames, prizren: pika.URLParameters, amqp_channel: BlockingChannel
) -> None:
    for code in (PRISHTINA, PRIZREN):
        refusal = refused_with(
            prizren,
            lambda ch, code=code: ch.basic_publish(
                topology.requests_exchange, f"{code}.birth-certificate", b"{}", _persistent()
            ),
        )
        assert refusal == ACCESS_REFUSED, code

    for code in (PRISHTINA, PRIZREN):
        assert _waiting(amqp_channel, topology.municipality_queue(code)) == 0, code


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """Whose request is whose is the same question on either database: SQLite suffices."""
    store = Store.from_url(sqlite_url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def status_consumer(
    sqlite_store: Store, amqp_url: str, topology: TopologyNames
) -> Iterator[StatusConsumer]:
    """The gateway's status consumer as ``serve`` builds it: no option but the test's names."""
    consumer = StatusConsumer(
        sqlite_store,
        amqp_url,
        names=topology,
        municipality_codes=[PRISHTINA, PRIZREN],
        retry_delay_s=0.2,
    )
    with running(consumer):
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer connected")
        yield consumer


def _stored_request(store: Store, municipality: str) -> str:
    request = new_request(municipality=municipality)
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.commit()
    return request.id


def _history(store: Store, request_id: str) -> list[RequestStatus]:
    with store.unit_of_work(read_only=True) as uow:
        return [change.status for change in uow.requests.history(request_id)]


def _in_review(request_id: str, municipality: str) -> bytes:
    update = StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality=municipality,
        status="in_review",
        decided_by=DecidedBy(official_id=f"{municipality}-0001", role="zyrtar"),
        occurred_at=datetime.now(UTC),
    )
    return update.model_dump_json().encode()


@pytest.fixture
def requests_of_both(
    sqlite_store: Store,
    status_consumer: StatusConsumer,
    topology: TopologyNames,
    prizren: pika.URLParameters,
) -> tuple[str, str]:
    """One stored request per municipality; Prizren's own update of its own is recorded."""
    prishtina_request = _stored_request(sqlite_store, PRISHTINA)
    prizren_request = _stored_request(sqlite_store, PRIZREN)
    user = topology.municipality_user(PRIZREN)
    with logged_in(prizren) as channel:
        channel.basic_publish(
            topology.status_exchange,
            f"{PRIZREN}.in_review",
            _in_review(prizren_request, PRIZREN),
            _persistent(user_id=user),
        )
    wait_until(lambda: _history(sqlite_store, prizren_request)[-1:] == [RequestStatus.IN_REVIEW])
    return prishtina_request, prizren_request


BROKER_REFUSED = {
    "under Prishtinë's routing key": (f"{PRISHTINA}.in_review", "own", ACCESS_REFUSED),
    "with Prishtinë's user as user_id": (f"{PRIZREN}.in_review", "victim", PRECONDITION_FAILED),
}


@pytest.mark.parametrize("case", BROKER_REFUSED)
def test_the_broker_refuses_a_status_update_sent_as_another_municipality(
    case: str,
    requests_of_both: tuple[str, str],
    sqlite_store: Store,
    topology: TopologyNames,
    prizren: pika.URLParameters,
    amqp_channel: BlockingChannel,
) -> None:
    prishtina_request, _ = requests_of_both
    routing_key, claimed, expected = BROKER_REFUSED[case]
    user_id = topology.municipality_user(PRIZREN if claimed == "own" else PRISHTINA)

    refusal = refused_with(
        prizren,
        lambda ch: ch.basic_publish(
            topology.status_exchange,
            routing_key,
            _in_review(prishtina_request, PRISHTINA),
            _persistent(user_id=user_id),
        ),
    )

    assert refusal == expected
    assert _history(sqlite_store, prishtina_request) == [RequestStatus.ACCEPTED]
    assert _waiting(amqp_channel, topology.dead_letter_queue) == 0


GATEWAY_REFUSED = {
    "naming Prishtinë, with its own user_id": (PRISHTINA, True, "status.sender_mismatch"),
    # Published without user_id, the broker vouches for no one; the gateway must then trust
    # no one. Green once the consumers require the broker-checked user_id (issue 21).
    "naming Prishtinë, without user_id": (PRISHTINA, False, "status.sender_unverified"),
    "naming itself, for Prishtinë's request": (
        PRIZREN,
        True,
        f"status.wrong_municipality: request belongs to {PRISHTINA}",
    ),
}


@pytest.mark.parametrize("case", GATEWAY_REFUSED)
def test_the_gateway_dead_letters_a_status_update_for_another_municipalitys_request(
    case: str,
    requests_of_both: tuple[str, str],
    sqlite_store: Store,
    topology: TopologyNames,
    prizren: pika.URLParameters,
    amqp_channel: BlockingChannel,
) -> None:
    prishtina_request, _ = requests_of_both
    named, with_user_id, reason = GATEWAY_REFUSED[case]
    user_id = topology.municipality_user(PRIZREN) if with_user_id else None

    with logged_in(prizren) as channel:
        channel.basic_publish(
            topology.status_exchange,
            f"{PRIZREN}.in_review",
            _in_review(prishtina_request, named),
            _persistent(user_id=user_id),
        )

    (dead,) = drain(amqp_channel, topology.dead_letter_queue, expect=1)
    assert str(dead.properties.headers[REASON_HEADER]).startswith(reason)
    assert _history(sqlite_store, prishtina_request) == [RequestStatus.ACCEPTED]
