"""Hand-off: complaints reach the body responsible through the outbox, the real relay and
the real broker, and an anonymous complainant's details never leave the gateway.

Real store (SQLite and PostgreSQL) and real RabbitMQ (a private copy of the topology).
"""

from __future__ import annotations

import asyncio
import json
import uuid

import jsonschema
import pika
from pika.adapters.blocking_connection import BlockingChannel
from structlog.testing import capture_logs

from adapters.amqp.topology import (
    ComplaintNames,
    Topology,
    TopologyNames,
    declare,
)
from contracts.complaint_messages import (
    COMPLAINT_HANDOFF_SCHEMA_NAME,
    SCHEMA_DIR,
    ComplaintHandoff,
)
from gateway.relay import Relay
from gateway.store import Store
from gateway.store.complaints import ComplaintRepository
from tests.integration.complaints.builders import ARTA, desk_on, submission
from tests.integration.relay.probes import drain, running, wait_until

CODES = ["19", "20"]
CENTRAL = ["keds", "kru-prishtina", "ombudsperson"]
CONTACT_VALUES = [
    ARTA.first_name,
    ARTA.last_name,
    ARTA.email,
    ARTA.phone,
    ARTA.device_id,
    ARTA.account_id,
]


def _declare(channel: BlockingChannel, names: TopologyNames) -> None:
    declare(channel, Topology.build(CODES, CENTRAL, names=names))


def _relay(store: Store, amqp_url: str, names: TopologyNames) -> Relay:
    return Relay(store, amqp_url, names=names, municipality_codes=CODES, idle_poll_s=0.02)


def test_complaints_reach_the_municipality_or_the_central_institution(
    store: Store,
    amqp_url: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
) -> None:
    _declare(amqp_channel, topology_names)
    desk = desk_on(store)
    pothole = asyncio.run(desk.submit("complaints-app", submission("road-damage")))
    water = asyncio.run(
        desk.submit("complaints-app", submission("water-supply", attributes={"problem": "leak"}))
    )
    power = asyncio.run(
        desk.submit(
            "complaints-app",
            submission("electricity-supply", latitude=None, longitude=None),
        )
    )
    with running(_relay(store, amqp_url, topology_names)):
        municipal = drain(amqp_channel, topology_names.municipality_queue("19"), expect=1)
        complaint_names = ComplaintNames(topology_names)
        keds = drain(amqp_channel, complaint_names.central_queue("keds"), expect=1)
        water_company = drain(
            amqp_channel, complaint_names.central_queue("kru-prishtina"), expect=1
        )

    (to_prishtina,) = municipal
    assert to_prishtina.routing_key == "19.complaint.road-damage"
    assert to_prishtina.properties.headers["schema"] == COMPLAINT_HANDOFF_SCHEMA_NAME
    assert to_prishtina.properties.correlation_id == pothole.complaint_id
    message = ComplaintHandoff.model_validate_json(to_prishtina.body)
    assert message.institution == "19.public-services"
    assert message.municipality == "19"
    assert str(message.complaint_id) == pothole.complaint_id
    assert message.answer_due_at == pothole.deadline_at

    (to_keds,) = keds
    assert to_keds.routing_key == "central.keds.complaint.electricity-supply"
    assert ComplaintHandoff.model_validate_json(to_keds.body).municipality is None
    assert str(ComplaintHandoff.model_validate_json(to_keds.body).complaint_id) == (
        power.complaint_id
    )

    (to_water,) = water_company
    assert to_water.routing_key == "central.kru-prishtina.complaint.water-supply"
    assert json.loads(to_water.body)["attributes"] == {"problem": "leak"}
    assert str(ComplaintHandoff.model_validate_json(to_water.body).complaint_id) == (
        water.complaint_id
    )

    with store.unit_of_work(read_only=True) as uow:
        record = uow.bind(ComplaintRepository).get(pothole.complaint_id)
    assert record is not None and record.handed_off_at is not None


def test_an_anonymous_complainants_details_stay_in_the_gateway(
    store: Store,
    amqp_url: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
) -> None:
    _declare(amqp_channel, topology_names)
    desk = desk_on(store)
    with capture_logs() as logs:
        anonymous = asyncio.run(desk.submit("complaints-app", submission(anonymous=True)))
        named = asyncio.run(desk.submit("complaints-app", submission(anonymous=False)))
        with running(_relay(store, amqp_url, topology_names)):
            received = drain(amqp_channel, topology_names.municipality_queue("19"), expect=2)

    by_id = {message.properties.correlation_id: message for message in received}
    hidden = by_id[anonymous.complaint_id]
    hidden_message = ComplaintHandoff.model_validate_json(hidden.body)
    assert hidden_message.anonymous is True
    assert hidden_message.complainant is None
    for value in CONTACT_VALUES:
        assert value is not None and value.encode() not in hidden.body
        assert value not in json.dumps(hidden.properties.headers)

    shown = ComplaintHandoff.model_validate_json(by_id[named.complaint_id].body)
    assert shown.anonymous is False
    assert shown.complainant is not None and shown.complainant.email == ARTA.email
    # A device or app account identifies the phone, not a way to reply: never handed over.
    for value in (ARTA.device_id, ARTA.account_id):
        assert value is not None and value.encode() not in by_id[named.complaint_id].body

    logged = json.dumps(logs, default=str)
    for value in CONTACT_VALUES:
        assert value is not None and value not in logged
    assert "Gropë e thellë" not in logged

    # The details are kept, in the gateway only, for the complainant.
    with store.unit_of_work(read_only=True) as uow:
        record = uow.bind(ComplaintRepository).get(anonymous.complaint_id)
    assert record is not None and record.contact is not None
    assert record.contact["email"] == ARTA.email


def test_every_handoff_follows_the_published_schema(
    store: Store,
    amqp_url: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
) -> None:
    _declare(amqp_channel, topology_names)
    desk = desk_on(store)
    asyncio.run(desk.submit("complaints-app", submission(anonymous=True)))
    with running(_relay(store, amqp_url, topology_names)):
        (message,) = drain(amqp_channel, topology_names.municipality_queue("19"), expect=1)
    schema = json.loads((SCHEMA_DIR / "complaint-handoff-v1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(message.body))
    assert message.properties.delivery_mode == pika.DeliveryMode.Persistent.value
    assert uuid.UUID(message.properties.message_id)
    wait_until(lambda: store.outbox_stats().depth == 0, what="outbox drained")
