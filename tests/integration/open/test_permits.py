"""The permits register: a permit approved through the hand-off appears in the public feed.

The whole path runs on real parts: the portal's application through the gateway (cadastre
checks over HTTP), the municipality's decision as status updates through RabbitMQ into the
gateway's status consumer, the register written with the approval, the ``/v1/open/permits``
feed read back, with the ministry's category III permits beside the municipalities' own.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, IssuedDocument, Note, StatusUpdate
from gateway.status import StatusConsumer
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.gateway import portal_headers
from tests.fixtures.open_data import permit_application
from tests.integration.relay.probes import running, wait_until

PERMIT_NUMBER = "LN-2026-00417"
CONDITIONS = "Distanca nga kufiri i parcelës së paku 3 m; lartësia deri në 9 m."


def _publish(users: BrokerUsers, names: TopologyNames, update: StatusUpdate) -> None:
    """As the municipality's own broker user, the way its back-office does."""
    users.municipality(update.municipality).publish(
        names.status_exchange,
        update.routing_key,
        update.model_dump_json().encode(),
        message_id=str(update.update_id),
    )


def _decision(request_id: str, municipality: str, status: str) -> StatusUpdate:
    approved = status == "approved"
    return StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality=municipality,
        status=status,  # type: ignore[arg-type]
        note=Note(language="sq", text=CONDITIONS if approved else "Në shqyrtim."),
        documents=(IssuedDocument(document_id=PERMIT_NUMBER, title="Leje ndërtimore"),)
        if approved
        else (),
        decided_by=DecidedBy(official_id="urb-007", role="zyrtar i urbanizmit"),
        occurred_at=datetime.now(UTC),
    )


def test_a_permit_approved_through_the_hand_off_appears_in_the_register(
    open_client, sandbox, amqp_url, topology_names, broker_users
):
    person, parcel, application = permit_application(sandbox)
    municipality = parcel.municipality_code
    register = {"municipality": municipality, "category": "I"}
    etag_before = open_client.get("/v1/open/permits", params=register).headers["etag"]
    submitted = open_client.post("/v1/requests", headers=portal_headers(), json=application)
    assert submitted.status_code == 202, submitted.text
    request_id = submitted.json()["request_id"]
    consumer = StatusConsumer(
        open_client.gateway.store,  # type: ignore[attr-defined]
        amqp_url,
        names=topology_names,
        municipality_codes=[municipality],
    )

    with running(consumer):
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer connected")
        _publish(broker_users, topology_names, _decision(request_id, municipality, "in_review"))
        _publish(broker_users, topology_names, _decision(request_id, municipality, "approved"))

        def listed():  # type: ignore[no-untyped-def]
            rows = open_client.get(
                "/v1/open/permits", params={"municipality": municipality, "category": "I"}
            ).json()["data"]
            return [row for row in rows if row["permit_number"] == PERMIT_NUMBER]

        (permit,) = wait_until(listed, what="the approved permit in the register")

    assert permit["kind"] == "construction" and permit["issued_by"] == "municipality"
    assert permit["cadastral_zone"] == parcel.cadastral_zone
    assert permit["parcel_number"] == parcel.parcel_number
    assert permit["conditions"] == [CONDITIONS]
    assert permit["investor_type"] == "natural_person" and permit["investor_name"] is None
    feed = open_client.get("/v1/open/permits", params={"format": "csv"}).text
    body = json.dumps(permit, ensure_ascii=False) + feed
    assert person.personal_number not in body and person.last_name not in body
    status = open_client.get(f"/v1/requests/{request_id}", headers=portal_headers())
    assert status.json()["status"] == "approved"
    # The register changed though no source did: a client holding the old ETag must see it.
    fresh = open_client.get(
        "/v1/open/permits", params=register, headers={"If-None-Match": etag_before}
    )
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag_before


def test_category_three_permits_come_from_the_ministry(open_client):
    response = open_client.get("/v1/open/permits", params={"category": "III", "lang": "en"})
    rows = response.json()["data"]
    assert response.status_code == 200 and rows
    assert {row["issued_by"] for row in rows} == {"ministry"}
    assert all(row["investor_type"] != "natural_person" for row in rows)
    assert rows[0]["investor_type_name"] in {"Business", "Public body"}


def test_an_unknown_year_of_permits_is_a_clear_problem(open_client):
    response = open_client.get("/v1/open/permits", params={"year": "2011"})
    assert response.status_code == 404
    assert response.json()["code"] == "open.year.unknown"
