"""Dead letters with real RabbitMQ: listed with their reasons, replayed after the fix.

The gateway under test is the in-process app; its dead-letter desk, relay and status
consumer run on a private copy of the topology (``topology_names``) in the session's
virtual host.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from structlog.testing import capture_logs

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, Note, RequestStatus, StatusUpdate
from gateway.api.deps import find_dead_letter_desk
from gateway.ops.dead_letters import REPLAY_HEADER, DeadLetterDesk
from gateway.relay import Relay
from gateway.status import StatusConsumer
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.ops.conftest import OPERATOR, OpsGateway
from tests.integration.ops.requests import complaint
from tests.integration.relay.probes import drain, running, wait_until

CODES = ["19", "20"]


@pytest.fixture
def desk(ops_gateway: OpsGateway, amqp_url: str, topology_names: TopologyNames) -> Iterator[None]:
    """The gateway's dead-letter desk, moved onto this test's private topology."""
    with serving(
        ops_gateway,
        DeadLetterDesk(amqp_url, names=topology_names, metrics=ops_gateway.gateway.metrics),
    ):
        yield


@contextmanager
def serving(ops_gateway: OpsGateway, desk: DeadLetterDesk) -> Iterator[None]:
    """The app's handlers use ``desk`` in place of the gateway's own while the block runs."""

    async def this_desk() -> DeadLetterDesk:
        return desk

    overrides = ops_gateway.client.app.dependency_overrides
    overrides[find_dead_letter_desk] = this_desk
    try:
        yield
    finally:
        del overrides[find_dead_letter_desk]
        desk.close()


def _update(request_id: str, status: str) -> StatusUpdate:
    return StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality="19",
        status=status,  # type: ignore[arg-type]
        note=Note(language="sq", text="Ankesa juaj u shqyrtua."),
        decided_by=DecidedBy(official_id="19-0007", name="Zyrtari", role="zyrtar"),
        occurred_at=datetime.now(UTC),
    )


def _send(users: BrokerUsers, names: TopologyNames, update: StatusUpdate) -> str:
    """As the municipality's own broker user, the way its back-office publishes."""
    message_id = str(uuid.uuid4())
    users.municipality(update.municipality).publish(
        names.status_exchange,
        update.routing_key,
        update.model_dump_json().encode(),
        message_id=message_id,
        correlation_id=str(update.request_id),
    )
    return message_id


def _status(ops_gateway: OpsGateway, request_id: str) -> str:
    found = ops_gateway.client.get(f"/v1/ops/requests/{request_id}", headers=OPERATOR).json()
    return str(found["request"]["status"])


def _listed(ops_gateway: OpsGateway) -> list[dict]:  # type: ignore[type-arg]
    response = ops_gateway.client.get("/v1/ops/dead-letters", headers=OPERATOR)
    assert response.status_code == 200, response.text
    return list(response.json()["dead_letters"])


@pytest.mark.usefixtures("desk")
def test_a_refused_status_update_is_listed_with_its_reason_and_replayed_after_the_fix(
    ops_gateway: OpsGateway,
    sandbox,  # type: ignore[no-untyped-def]
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    gateway = ops_gateway.gateway
    consumer = StatusConsumer(
        gateway.store,
        amqp_url,
        names=topology_names,
        municipality_codes=CODES,
        metrics=gateway.metrics,
    )
    person = sandbox.seed.alive_parcel_owner(9)
    request_id = complaint(ops_gateway.client, person, municipality="19").json()["request_id"]

    with running(consumer):
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer")
        too_early = _send(broker_users, topology_names, _update(request_id, "approved"))
        (letter,) = wait_until(lambda: _listed(ops_gateway), what="the dead letter")

        assert letter["message_id"] == too_early
        assert letter["request_id"] == request_id
        assert letter["reason"] == "status.illegal_transition: accepted -> approved"
        assert letter["dead_lettered_by"] == "gateway"
        assert letter["exchange"] == topology_names.status_exchange
        assert letter["routing_key"] == "19.approved"
        assert _listed(ops_gateway) == [letter], "listing leaves the queue as it was"

        _send(broker_users, topology_names, _update(request_id, "in_review"))
        wait_until(lambda: _status(ops_gateway, request_id) == "in_review", what="in_review")
        replayed = ops_gateway.client.post(
            f"/v1/ops/dead-letters/{too_early}/replay", headers=OPERATOR
        )
        assert replayed.status_code == 200, replayed.text
        assert replayed.json() == {"replayed": [too_early], "failed": [], "remaining": 0}
        wait_until(lambda: _status(ops_gateway, request_id) == "approved", what="approved")

    assert _listed(ops_gateway) == []
    counted = gateway.metrics.status_updates
    assert counted.labels("dead_lettered")._value.get() == 1
    assert counted.labels("accepted")._value.get() >= 2
    assert gateway.metrics.replays.labels("replayed")._value.get() >= 1
    missing = ops_gateway.client.post("/v1/ops/dead-letters/nothing-here/replay", headers=OPERATOR)
    assert missing.status_code == 404
    assert RequestStatus.APPROVED.value == _status(ops_gateway, request_id)


@pytest.mark.usefixtures("desk")
def test_a_hand_off_rejected_by_a_back_office_goes_back_to_its_municipality(
    ops_gateway: OpsGateway,
    sandbox,  # type: ignore[no-untyped-def]
    amqp_url: str,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
) -> None:
    gateway = ops_gateway.gateway
    relay = Relay(
        gateway.store,
        amqp_url,
        names=topology_names,
        municipality_codes=CODES,
        metrics=gateway.metrics,
    )
    person = sandbox.seed.alive_parcel_owner(10)
    request_id = complaint(ops_gateway.client, person, municipality="20").json()["request_id"]
    queue = topology_names.municipality_queue("20")

    with capture_logs() as logs, running(relay):
        wait_until(lambda: _status(ops_gateway, request_id) == "handed_off", what="handed off")
    published = [entry for entry in logs if entry.get("hop") == "published"]
    mine = [entry for entry in published if entry["request_id"] == request_id]
    assert [(e["outcome"], e["service"], e["municipality"]) for e in mine] == [
        ("confirmed", "municipal-service-complaint", "20")
    ]
    assert gateway.metrics.publishes.labels("confirmed")._value.get() >= 1

    method, properties, _body = amqp_channel.basic_get(queue, auto_ack=False)
    while method is not None and properties.correlation_id != request_id:
        amqp_channel.basic_ack(method.delivery_tag)
        method, properties, _body = amqp_channel.basic_get(queue, auto_ack=False)
    assert method is not None, "the hand-off reached the municipality's queue"
    amqp_channel.basic_reject(method.delivery_tag, requeue=False)

    (letter,) = wait_until(lambda: _listed(ops_gateway), what="the broker's dead letter")
    assert letter["dead_lettered_by"] == "broker"
    assert letter["reason"] == "rejected"
    assert letter["queue"] == queue
    assert (letter["exchange"], letter["routing_key"]) == (
        topology_names.requests_exchange,
        "20.municipal-service-complaint",
    )
    assert person.personal_number not in json.dumps(letter)

    report = ops_gateway.client.post("/v1/ops/dead-letters/replay", headers=OPERATOR).json()

    assert report["replayed"] == [letter["message_id"]] and report["remaining"] == 0
    (back,) = drain(amqp_channel, queue, expect=1)
    assert back.properties.message_id == letter["message_id"]
    assert back.properties.headers[REPLAY_HEADER] == 1
    assert "x-death" not in back.properties.headers
    assert json.loads(back.body)["request_id"] == request_id


def test_with_the_broker_down_the_desk_answers_503_and_the_page_stays_up(
    ops_gateway: OpsGateway,
) -> None:
    # A port nothing listens on: the broker being unreachable, for real.
    unreachable = DeadLetterDesk("amqp://guest:guest@127.0.0.1:1/%2F", timeout_s=10)
    with serving(ops_gateway, unreachable):
        listed = ops_gateway.client.get("/v1/ops/dead-letters", headers=OPERATOR)
        overview = ops_gateway.client.get("/v1/ops/overview", headers=OPERATOR)
    assert listed.status_code == 503
    assert listed.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in listed.text
    assert overview.status_code == 200
