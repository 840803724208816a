"""The permits register: a permit approved through the hand-off appears in the public feed.

The whole path runs on real parts: the portal's application through the gateway (cadastre
checks over HTTP), the municipality's decision as status updates through RabbitMQ into the
gateway's status consumer, the register written with the approval, the ``/v1/open/permits``
feed read back, with the ministry's category III permits beside the municipalities' own.
"""

from __future__ import annotations

import json

from tests.fixtures.gateway import portal_headers
from tests.integration.open.permit_flow import (
    applicant_and_parcel,
    apply_for_permit,
    approve_through_the_broker,
    review_then_approval,
)

PERMIT_NUMBER = "LN-2026-00417"
CONDITIONS = "Distanca nga kufiri i parcelës së paku 3 m; lartësia deri në 9 m."


def test_a_permit_approved_through_the_hand_off_appears_in_the_register(
    open_client, sandbox, amqp_url, topology_names, broker_users
):
    person, parcel = applicant_and_parcel(sandbox)
    municipality = parcel.municipality_code
    register = {"municipality": municipality, "category": "I"}
    etag_before = open_client.get("/v1/open/permits", params=register).headers["etag"]
    request_id = apply_for_permit(open_client, person, parcel)
    updates = review_then_approval(
        request_id, municipality, note=CONDITIONS, permit_number=PERMIT_NUMBER
    )
    permit = approve_through_the_broker(
        open_client, amqp_url, topology_names, broker_users, updates, permit_number=PERMIT_NUMBER
    )

    assert permit["kind"] == "construction" and permit["issued_by"] == "municipality"
    assert permit["cadastral_zone"] == parcel.cadastral_zone
    assert permit["parcel_number"] == parcel.parcel_number
    # The note is written to the citizen: it never becomes the permit's public conditions.
    assert permit["conditions"] == [] and CONDITIONS not in json.dumps(permit, ensure_ascii=False)
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
