"""Institutions answer through status updates: checked, recorded once, or dead-lettered.

Real store (SQLite and PostgreSQL) and real RabbitMQ; updates are published the way an
institution's system would, on the complaint status exchange.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import (
    ComplaintNames,
    TopologyNames,
    apply_commands,
    central_institution_user_commands,
)
from contracts.complaint_messages import ComplaintStatus, ComplaintStatusUpdate
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.store import Store
from gateway.store.complaints import ComplaintRepository
from tests.fixtures.broker import rabbitmqctl
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.complaints.builders import desk_on, submission
from tests.integration.relay.probes import drain, wait_until

CODES = ["19", "20"]
CENTRAL = ["keds", "kru-prishtina"]


@pytest.fixture
def consumer(
    store: Store, amqp_url: str, topology_names: TopologyNames
) -> Iterator[ComplaintStatusConsumer]:
    running = ComplaintStatusConsumer(
        store,
        amqp_url,
        names=topology_names,
        municipality_codes=CODES,
        central_institutions=CENTRAL,
        retry_delay_s=0.2,
    )
    running.start()
    try:
        wait_until(lambda: running.connected, what="complaint consumer connected")
        yield running
    finally:
        running.stop()


def _publish(
    users: BrokerUsers, names: TopologyNames, update: ComplaintStatusUpdate | bytes
) -> None:
    """As the answering institution's own broker user (Prishtinë's for raw bytes)."""
    if isinstance(update, bytes):
        body, routing_key, institution = update, "19.x", "19.public-services"
    else:
        body, routing_key = update.model_dump_json().encode(), update.routing_key
        institution = update.institution
    municipality, dot, _department = institution.partition(".")
    sender = users.municipality(municipality) if dot else users.central(institution)
    sender.publish(ComplaintNames(names).status_exchange, routing_key, body)


def _update(
    complaint_id: str, status: str, institution: str, **changes: Any
) -> ComplaintStatusUpdate:
    values: dict[str, Any] = {
        "update_id": uuid.uuid4(),
        "complaint_id": uuid.UUID(complaint_id),
        "institution": institution,
        "status": status,
        "public_note": {"sq": "Ekipi ynë e riparoi gropën.", "en": "Our crew fixed the pothole."}
        if status == "answered"
        else None,
        "handled_by": {"official_id": "19-DSHP-07", "role": "inspektor"},
        "occurred_at": datetime.now(UTC),
    }
    values.update(changes)
    return ComplaintStatusUpdate.model_validate(values)


def _status(store: Store, complaint_id: str) -> ComplaintStatus | None:
    with store.unit_of_work(read_only=True) as uow:
        record = uow.bind(ComplaintRepository).get(complaint_id)
    return record.status if record else None


def _history(store: Store, complaint_id: str) -> list[ComplaintStatus]:
    with store.unit_of_work(read_only=True) as uow:
        return [change.status for change in uow.bind(ComplaintRepository).history(complaint_id)]


def test_an_institution_acknowledges_then_answers_then_closes(
    store: Store,
    topology_names: TopologyNames,
    consumer: ComplaintStatusConsumer,
    broker_users: BrokerUsers,
) -> None:
    desk = desk_on(store)
    accepted = asyncio.run(desk.submit("complaints-app", submission()))
    complaint = accepted.complaint_id
    for status in ("acknowledged", "answered", "closed"):
        _publish(broker_users, topology_names, _update(complaint, status, "19.public-services"))
        wait_until(lambda s=status: _status(store, complaint) == ComplaintStatus(s), what=status)
    assert _history(store, complaint) == [
        ComplaintStatus.RECEIVED,
        ComplaintStatus.ACKNOWLEDGED,
        ComplaintStatus.ANSWERED,
        ComplaintStatus.CLOSED,
    ]
    with store.unit_of_work(read_only=True) as uow:
        record = uow.bind(ComplaintRepository).get(complaint)
        notes = uow.bind(ComplaintRepository).latest_notes([complaint])
    assert record is not None and record.answered_at is not None and record.closed_at is not None
    assert notes[complaint]["en"] == "Our crew fixed the pothole."


def test_a_redelivered_update_is_recorded_once(
    store: Store,
    topology_names: TopologyNames,
    consumer: ComplaintStatusConsumer,
    broker_users: BrokerUsers,
) -> None:
    desk = desk_on(store)
    complaint = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
    update = _update(complaint, "acknowledged", "19.public-services")
    _publish(broker_users, topology_names, update)
    _publish(broker_users, topology_names, update)
    later = _update(complaint, "in_progress", "19.public-services")
    _publish(broker_users, topology_names, later)
    wait_until(lambda: _status(store, complaint) == ComplaintStatus.IN_PROGRESS, what="in progress")
    assert _history(store, complaint).count(ComplaintStatus.ACKNOWLEDGED) == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("another institution answers", "complaint.status.not_responsible"),
        ("unknown complaint", "complaint.status.unknown_complaint"),
        ("backwards move", "complaint.status.illegal_transition"),
        ("answer without a note", "complaint.status.invalid_message"),
        ("not json", "complaint.status.invalid_message"),
    ],
)
def test_a_bad_update_is_dead_lettered_with_its_reason(
    store: Store,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    consumer: ComplaintStatusConsumer,
    case: str,
    reason: str,
    broker_users: BrokerUsers,
) -> None:
    desk = desk_on(store)
    complaint = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
    if case == "another institution answers":
        bad: ComplaintStatusUpdate | bytes = _update(complaint, "answered", "20.public-services")
    elif case == "unknown complaint":
        bad = _update(str(uuid.uuid4()), "acknowledged", "19.public-services")
    elif case == "backwards move":
        _publish(broker_users, topology_names, _update(complaint, "closed", "19.public-services"))
        wait_until(lambda: _status(store, complaint) == ComplaintStatus.CLOSED, what="closed")
        bad = _update(complaint, "in_progress", "19.public-services")
    elif case == "answer without a note":
        document = _update(complaint, "acknowledged", "19.public-services").model_dump(mode="json")
        document["status"] = "answered"
        bad = json.dumps(document).encode()
    else:
        bad = b"<complaint>answered</complaint>"
    before = _history(store, complaint)
    _publish(broker_users, topology_names, bad)
    (dead,) = drain(amqp_channel, topology_names.dead_letter_queue, expect=1)
    assert dead.properties.headers[REASON_HEADER].startswith(reason), case
    assert _history(store, complaint) == before


def test_answers_count_in_the_open_data_statistics(
    store: Store,
    topology_names: TopologyNames,
    consumer: ComplaintStatusConsumer,
    broker_users: BrokerUsers,
) -> None:
    desk = desk_on(store)
    answered = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
    asyncio.run(desk.submit("complaints-app", submission()))
    two_days_later = datetime.now(UTC) + timedelta(days=2)
    _publish(
        broker_users,
        topology_names,
        _update(answered, "answered", "19.public-services", occurred_at=two_days_later),
    )
    wait_until(lambda: _status(store, answered) == ComplaintStatus.ANSWERED, what="answered")
    (line,) = asyncio.run(desk.stats(language="en"))
    assert (line.institution, line.category) == ("19.public-services", "road-damage")
    assert (line.received, line.answered, line.answered_late, line.overdue) == (2, 1, 0, 0)
    assert line.median_days_to_answer == 2.0


@pytest.fixture
def keds_user(amqp_vhost: str, topology_names: TopologyNames) -> Iterator[tuple[str, str]]:
    """A real broker user for KEDS, limited as ``central_institution_user_commands`` says."""
    password = uuid.uuid4().hex
    apply_commands(
        central_institution_user_commands("keds", password, names=topology_names, vhost=amqp_vhost)
    )
    user = ComplaintNames(topology_names).central_user("keds")
    try:
        yield user, password
    finally:
        rabbitmqctl("delete_user", user)


def test_a_central_institution_can_only_answer_its_own_complaints(
    store: Store,
    amqp_url: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    consumer: ComplaintStatusConsumer,
    keds_user: tuple[str, str],
) -> None:
    user, password = keds_user
    desk = desk_on(store)
    pothole = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
    outage = asyncio.run(
        desk.submit(
            "complaints-app", submission("electricity-supply", latitude=None, longitude=None)
        )
    ).complaint_id
    parameters = pika.URLParameters(amqp_url)
    parameters.credentials = pika.PlainCredentials(user, password)

    def publish_as_keds(update: ComplaintStatusUpdate, routing_key: str) -> None:
        with pika.BlockingConnection(parameters) as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.basic_publish(
                ComplaintNames(topology_names).status_exchange,
                routing_key,
                update.model_dump_json().encode(),
                pika.BasicProperties(message_id=str(update.update_id), user_id=user),
            )

    # The broker refuses a routing key of another body outright...
    with pytest.raises(ChannelClosedByBroker) as refused:
        publish_as_keds(
            _update(pothole, "acknowledged", "19.public-services"), "19.complaint.acknowledged"
        )
    assert refused.value.reply_code == 403
    # ...and the gateway refuses a body that claims to be another institution.
    publish_as_keds(
        _update(pothole, "acknowledged", "19.public-services"), "central.keds.complaint.x"
    )
    (dead,) = drain(amqp_channel, topology_names.dead_letter_queue, expect=1)
    assert str(dead.properties.headers[REASON_HEADER]).startswith(
        "complaint.status.sender_mismatch"
    )

    answer = _update(outage, "answered", "keds")
    publish_as_keds(answer, answer.routing_key)
    wait_until(lambda: _status(store, outage) == ComplaintStatus.ANSWERED, what="KEDS answered")
    assert _status(store, pothole) == ComplaintStatus.RECEIVED
