"""A construction permit's way through the real parts, for the tests that need one approved.

``applicant_and_parcel`` picks a sandbox owner of an undisputed parcel, ``apply_for_permit``
sends the portal's application through the gateway (the cadastre checked over HTTP),
``publish_update`` puts the municipality's status update on the real broker as the
municipality's own broker user (the gateway trusts only that ``user_id``), and
``review_then_approval`` builds the municipality's two decisions, and
``approve_through_the_broker`` runs the real status consumer until the permit is listed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, IssuedDocument, Note, StatusUpdate
from gateway.status import StatusConsumer
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.gateway import portal_headers
from tests.fixtures.open_data import construction_permit, permit_application
from tests.integration.relay.probes import running, wait_until


def applicant_and_parcel(sandbox: Any) -> tuple[Any, Any]:
    person, parcel, _application = permit_application(sandbox)
    return person, parcel


def apply_for_permit(client: TestClient, person: Any, parcel: Any) -> str:
    """A category I construction permit for ``parcel``; the accepted request's id."""
    submitted = client.post(
        "/v1/requests", headers=portal_headers(), json=construction_permit(person, parcel)
    )
    assert submitted.status_code == 202, submitted.text
    return str(submitted.json()["request_id"])


def publish_update(users: BrokerUsers, names: TopologyNames, update: StatusUpdate) -> None:
    users.municipality(update.municipality).publish(
        names.status_exchange,
        update.routing_key,
        update.model_dump_json().encode(),
        message_id=str(update.update_id),
    )


def approve_through_the_broker(
    client: TestClient,
    amqp_url: str,
    names: TopologyNames,
    users: BrokerUsers,
    updates: Sequence[StatusUpdate],
    *,
    permit_number: str,
) -> dict[str, Any]:
    """Run the real status consumer, publish ``updates`` (the last approving the permit) and
    return the permit's row once ``/v1/open/permits`` lists it."""
    municipality = updates[-1].municipality
    consumer = StatusConsumer(
        client.gateway.store,  # type: ignore[attr-defined]
        amqp_url,
        names=names,
        municipality_codes=[municipality],
    )
    with running(consumer):
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer connected")
        for update in updates:
            publish_update(users, names, update)

        def listed() -> list[dict[str, Any]]:
            answer = client.get("/v1/open/permits", params={"municipality": municipality})
            return [row for row in answer.json()["data"] if row["permit_number"] == permit_number]

        (permit,) = wait_until(listed, what="the approved permit in the register")
    return permit


def review_then_approval(
    request_id: str,
    municipality: str,
    *,
    note: str,
    permit_number: str,
    permit_title: str = "Leje ndërtimore",
    decided_by: DecidedBy | None = None,
) -> list[StatusUpdate]:
    """``in_review``, then ``approved`` with ``note`` to the citizen and the permit issued."""
    official = decided_by or DecidedBy(official_id="urb-007", role="zyrtar i urbanizmit")

    def update(status: str, text: str, documents: tuple[IssuedDocument, ...]) -> StatusUpdate:
        return StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            municipality=municipality,
            status=status,  # type: ignore[arg-type]
            note=Note(language="sq", text=text),
            documents=documents,
            decided_by=official,
            occurred_at=datetime.now(UTC),
        )

    issued = (IssuedDocument(document_id=permit_number, title=permit_title),)
    return [update("in_review", "Në shqyrtim.", ()), update("approved", note, issued)]
