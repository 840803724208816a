"""Issue 16, item 1: a municipality cannot decide another municipality's requests.

The attack of the probe, through the real broker: Prishtinë's (or any other municipality's)
own broker user publishes an approval of a permit application that belongs to another
municipality. Every variant is dead-lettered with its reason; the request keeps its status
and the public permits register does not list the forged permit. Only the owning
municipality, logged in as itself and saying so in ``user_id``, decides.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, IssuedDocument, Note, StatusUpdate
from gateway.status import StatusConsumer
from tests.fixtures.broker import rabbitmqctl
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.gateway import portal_headers
from tests.fixtures.open_data import permit_application
from tests.integration.relay.probes import running, wait_until
from tests.security.forgery import refusal, unverified_reasons

FORGED = "FORGED-0001"
GENUINE = "LN-2026-00991"


def _permit_application(open_client: Any, sandbox: Any) -> tuple[str, str]:
    """A construction permit application through the gateway: (request id, its municipality)."""
    _person, parcel, application = permit_application(sandbox)
    answer = open_client.post("/v1/requests", headers=portal_headers(), json=application)
    assert answer.status_code == 202, answer.text
    return answer.json()["request_id"], parcel.municipality_code


def _update(request_id: str, municipality: str, status: str, permit: str = "") -> bytes:
    return (
        StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            municipality=municipality,
            status=status,  # type: ignore[arg-type]
            note=Note(language="sq", text="Vendim."),
            documents=(IssuedDocument(document_id=permit, title="Leje ndërtimore"),)
            if permit
            else (),
            decided_by=DecidedBy(official_id="urb-001", role="zyrtar"),
            occurred_at=datetime.now(UTC),
        )
        .model_dump_json()
        .encode()
    )


def _listed(open_client: Any, municipality: str) -> set[str]:
    rows = open_client.get("/v1/open/permits", params={"municipality": municipality}).json()
    return {row["permit_number"] for row in rows["data"]}


def _status(open_client: Any, request_id: str) -> str:
    return str(
        open_client.get(f"/v1/requests/{request_id}", headers=portal_headers()).json()["status"]
    )


def test_no_forged_status_update_decides_another_municipalitys_request(
    open_client: Any,
    sandbox: Any,
    amqp_url: str,
    amqp_vhost: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    request_id, owner = _permit_application(open_client, sandbox)
    attacker_code = "19" if owner != "19" else "20"
    victim, attacker = broker_users.municipality(owner), broker_users.municipality(attacker_code)
    exchange = topology_names.status_exchange
    where: dict[str, Any] = {"exchange": exchange, "channel": amqp_channel, "names": topology_names}
    reason_for = partial(refusal, **where)
    consumer = StatusConsumer(
        open_client.gateway.store, amqp_url, names=topology_names, municipality_codes=[owner]
    )

    with running(consumer):
        wait_until(lambda: consumer.connected, what="status consumer connected")
        victim.publish(exchange, f"{owner}.in_review", _update(request_id, owner, "in_review"))
        wait_until(lambda: _status(open_client, request_id) == "in_review", what="in review")
        forged = _update(request_id, owner, "approved", FORGED)

        # The probe's attack: the attacker's own login, its own routing key, no user_id.
        reason = reason_for(attacker, f"{attacker_code}.approved", forged, user_id=None)
        assert reason.startswith("status.sender_unverified")
        # No user_id, or one that is no municipality's, from any other login.
        unverified = unverified_reasons(amqp_vhost, f"{owner}.approved", forged, **where)
        assert unverified == {"status.sender_unverified"}
        # Honest about who it is, lying in the body.
        reason = reason_for(attacker, f"{attacker_code}.approved", forged)
        assert reason.startswith("status.sender_mismatch")
        # The broker refuses the owner's routing key to the attacker's login...
        with pytest.raises(ChannelClosedByBroker) as refused:
            attacker.publish(exchange, f"{owner}.approved", forged)
        assert refused.value.reply_code == 403
        # ...and a user_id that is not the login's own.
        with pytest.raises(ChannelClosedByBroker) as refused:
            attacker.publish(exchange, f"{attacker_code}.approved", forged, user_id=victim.name)
        assert refused.value.reply_code == 406
        # Where an operator forgot the topic permissions, the gateway still reads the key.
        rabbitmqctl("clear_topic_permissions", "-p", amqp_vhost, attacker.name)
        reason = reason_for(attacker, f"{owner}.approved", forged)
        assert reason.startswith("status.sender_mismatch")
        own_body = _update(request_id, attacker_code, "approved", FORGED)
        reason = reason_for(attacker, f"{owner}.approved", own_body)
        assert reason.startswith("status.routing_key_mismatch")

        assert _status(open_client, request_id) == "in_review"
        assert FORGED not in _listed(open_client, owner)

        # The owner, as itself, decides; the register shows it.
        victim.publish(
            exchange, f"{owner}.approved", _update(request_id, owner, "approved", GENUINE)
        )
        wait_until(lambda: GENUINE in _listed(open_client, owner), what="the genuine permit")
    assert _status(open_client, request_id) == "approved"
    assert FORGED not in _listed(open_client, owner)
