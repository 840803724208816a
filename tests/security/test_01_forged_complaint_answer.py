"""Issue 16, item 1, for complaints: an institution cannot answer another one's complaints.

Through the real broker: Prizren's own broker user answers a pothole complaint that belongs
to Prishtinë's public services. Every variant is dead-lettered with its reason and the
complaint keeps its status; only Prishtinë, logged in as itself and saying so in ``user_id``,
answers it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.topology import ComplaintNames, TopologyNames
from contracts.complaint_messages import ComplaintStatus, ComplaintStatusUpdate
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.store import Store
from gateway.store.complaints import ComplaintRepository
from tests.fixtures.broker import rabbitmqctl
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.complaints.builders import desk_on, submission
from tests.integration.relay.probes import running, wait_until
from tests.security.forgery import refusal, unverified_reasons

OWNER = "19.public-services"
OTHER = "20.public-services"


def _answer(complaint_id: str, institution: str) -> bytes:
    return (
        ComplaintStatusUpdate.model_validate(
            {
                "update_id": uuid.uuid4(),
                "complaint_id": complaint_id,
                "institution": institution,
                "status": "answered",
                "public_note": {"sq": "U riparua.", "en": "Repaired."},
                "occurred_at": datetime.now(UTC),
            }
        )
        .model_dump_json()
        .encode()
    )


def test_no_forged_answer_reaches_another_institutions_complaint(
    postgres_store: Store,
    amqp_url: str,
    amqp_vhost: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    desk = desk_on(postgres_store)
    complaint = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
    prishtine, prizren = broker_users.municipality("19"), broker_users.municipality("20")
    exchange = ComplaintNames(topology_names).status_exchange
    where: dict[str, Any] = {"exchange": exchange, "channel": amqp_channel, "names": topology_names}
    reason_for = partial(refusal, **where)
    consumer = ComplaintStatusConsumer(
        postgres_store, amqp_url, names=topology_names, municipality_codes=["19", "20"]
    )

    def status() -> ComplaintStatus | None:
        with postgres_store.unit_of_work(read_only=True) as uow:
            record = uow.bind(ComplaintRepository).get(complaint)
        return record.status if record else None

    forged = _answer(complaint, OWNER)
    with running(consumer):
        wait_until(lambda: consumer.connected, what="complaint consumer connected")
        # Prizren's login, its own routing key, no user_id.
        reason = reason_for(prizren, "20.complaint.answered", forged, user_id=None)
        assert reason.startswith("complaint.status.sender_unverified")
        # No user_id, or one that is no institution's, from any other login.
        unverified = unverified_reasons(amqp_vhost, "19.complaint.answered", forged, **where)
        assert unverified == {"complaint.status.sender_unverified"}
        # Honest about who it is, lying in the body.
        reason = reason_for(prizren, "20.complaint.answered", forged)
        assert reason.startswith("complaint.status.sender_mismatch")
        # The broker refuses Prishtinë's routing key and user_id to Prizren's login.
        with pytest.raises(ChannelClosedByBroker) as refused:
            prizren.publish(exchange, "19.complaint.answered", forged)
        assert refused.value.reply_code == 403
        with pytest.raises(ChannelClosedByBroker) as refused:
            prizren.publish(exchange, "20.complaint.answered", forged, user_id=prishtine.name)
        assert refused.value.reply_code == 406
        # Without topic permissions on the broker, the gateway still reads the routing key.
        rabbitmqctl("clear_topic_permissions", "-p", amqp_vhost, prizren.name)
        reason = reason_for(prizren, "19.complaint.answered", _answer(complaint, OTHER))
        assert reason.startswith("complaint.status.routing_key_mismatch")

        assert status() is ComplaintStatus.RECEIVED
        prishtine.publish(exchange, "19.complaint.answered", forged)
        wait_until(lambda: status() is ComplaintStatus.ANSWERED, what="the genuine answer")
