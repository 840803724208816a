"""The Open311 GeoReport v2 endpoints, in JSON and XML, as the spec's field lists describe.

The real app (bootstrapped as in production, SQLite store) is driven the way an Open311
client library drives a server: form-encoded POST with ``api_key``, ``.json``/``.xml``
suffixes, the spec's element names, ``token`` then ``tokens/{token}``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from contracts.complaint_messages import ComplaintHandoff
from gateway.store import Store
from gateway.store.complaints import ComplaintRepository
from gateway.store.tables import outbox
from tests.fixtures.complaints import complaint_form

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _xml(response: Any) -> etree._Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return etree.fromstring(response.content)


def _submit(client: TestClient, fmt: str = "json", **overrides: str | None) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data=complaint_form(**overrides))


def _submitted_id(client: TestClient, **overrides: str | None) -> tuple[str, str]:
    response = _submit(client, **overrides)
    assert response.status_code == 200, response.text
    token = response.json()[0]["token"]
    found = client.get(f"/open311/v2/tokens/{token}.json").json()
    return found[0]["service_request_id"], token


# GET Service List


def test_the_service_list_in_json_has_the_specs_fields(complaints_client: TestClient) -> None:
    response = complaints_client.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    services = response.json()
    assert len(services) >= 10
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["type"] in {"realtime", "batch", "blackbox"}
        assert isinstance(service["metadata"], bool)
    codes = {service["service_code"] for service in services}
    assert {"road-damage", "water-supply", "electricity-supply", "maladministration"} <= codes


def test_the_service_list_in_xml_is_services_of_service(complaints_client: TestClient) -> None:
    root = _xml(complaints_client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert services and all(child.tag == "service" for child in root)
    assert {element.tag for element in services[0]} == SERVICE_FIELDS
    assert services[0].findtext("metadata") in {"true", "false"}


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("?locale=sr", {}, "Oštećen put ili udarna rupa"),
        ("?locale=en_GB", {}, "Damaged road or pothole"),
        ("?lang=en", {}, "Damaged road or pothole"),
        ("", {"Accept-Language": "sr-Latn-RS, en;q=0.5"}, "Oštećen put ili udarna rupa"),
        ("", {}, "Rrugë e dëmtuar ose gropë"),
    ],
)
def test_categories_are_named_in_the_callers_language(
    complaints_client: TestClient, query: str, headers: dict[str, str], expected: str
) -> None:
    response = complaints_client.get(f"/open311/v2/services.json{query}", headers=headers)
    names = {s["service_code"]: s["service_name"] for s in response.json()}
    assert names["road-damage"] == expected


def test_groups_tell_municipal_from_central_categories(complaints_client: TestClient) -> None:
    services = complaints_client.get("/open311/v2/services.json?locale=en").json()
    groups = {s["service_code"]: s["group"] for s in services}
    assert groups["road-damage"] == "Municipality"
    assert groups["electricity-supply"] == "Central institutions"


def test_a_municipality_is_a_jurisdiction_and_a_stranger_is_not_found(
    complaints_client: TestClient,
) -> None:
    for jurisdiction in ("rks-gov.net", "19", "prizren"):
        response = complaints_client.get(
            f"/open311/v2/services.json?jurisdiction_id={jurisdiction}"
        )
        assert response.status_code == 200
    refused = complaints_client.get("/open311/v2/services.xml?jurisdiction_id=sfgov.org")
    assert refused.status_code == 404
    root = _xml(refused)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert refused.headers["x-ekomunat-error"] == "complaint.jurisdiction.unknown"


# GET Service Definition


def test_a_service_definition_lists_its_attributes_in_json(complaints_client: TestClient) -> None:
    definition = complaints_client.get("/open311/v2/services/waste-collection.json?locale=en")
    body = definition.json()
    assert body["service_code"] == "waste-collection"
    (attribute,) = body["attributes"]
    assert attribute == {
        "variable": True,
        "code": "problem",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "What happened?",
        "values": [
            {"key": "missed_collection", "name": "Waste was not collected"},
            {"key": "overflowing", "name": "The container is overflowing"},
            {"key": "illegal_dump", "name": "Illegal dumping"},
        ],
    }


def test_a_service_definition_in_xml_nests_attributes_and_values(
    complaints_client: TestClient,
) -> None:
    root = _xml(complaints_client.get("/open311/v2/services/municipal-office-service.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "municipal-office-service"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("order") for a in attributes] == ["1", "2"]
    assert attributes[0].findtext("datatype") == "singlevaluelist"
    assert "civil_status" in [v.findtext("key") for v in attributes[0].findall("values/value")]
    assert attributes[1].findtext("datatype") == "datetime"


def test_an_unknown_service_code_is_not_found(complaints_client: TestClient) -> None:
    response = complaints_client.get("/open311/v2/services/graffiti.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


# POST Service Request and GET service_request_id from a token


def test_posting_a_complaint_returns_a_token_and_a_service_notice(
    complaints_client: TestClient,
) -> None:
    response = _submit(complaints_client)
    assert response.status_code == 200
    (answer,) = response.json()
    assert set(answer) == {"token", "service_notice", "account_id"}
    assert "service_request_id" not in answer  # the spec: not both
    assert len(answer["token"]) >= 32
    assert "Pristina – Directorate of Public Services" in answer["service_notice"]


def test_posting_in_xml_answers_service_requests_of_request(complaints_client: TestClient) -> None:
    root = _xml(_submit(complaints_client, "xml"))
    assert root.tag == "service_requests"
    token = root.findtext("request/token")
    assert token
    found = _xml(complaints_client.get(f"/open311/v2/tokens/{token}.xml"))
    assert found.findtext("request/token") == token
    assert found.findtext("request/service_request_id")


def test_a_token_leads_to_its_complaint_and_an_unknown_one_is_not_found(
    complaints_client: TestClient,
) -> None:
    complaint_id, _token = _submitted_id(complaints_client)
    assert complaint_id
    missing = complaints_client.get("/open311/v2/tokens/no-such-token.json")
    assert missing.status_code == 404


def test_attributes_in_the_attribute_code_form_are_stored_and_handed_on(
    complaints_client: TestClient,
) -> None:
    form = complaint_form(service_code="municipal-office-service", **{"attribute[road_part]": None})
    body = "&".join(
        [
            *(f"{key}={value}" for key, value in form.items()),
            "attribute[office]=cadastre",
            "attribute[visit_date][]=2026-11-20T09:30:00Z",
        ]
    )
    response = complaints_client.post(
        "/open311/v2/requests.json",
        content=body.encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    token = response.json()[0]["token"]
    (found,) = complaints_client.get(f"/open311/v2/tokens/{token}.json").json()
    complaint_id = found["service_request_id"]

    # Stored with the complaint, and handed on to the institution that must answer it, as
    # the category defines them: a datetime is one value, in UTC.
    answered = {"office": "cadastre", "visit_date": "2026-11-20T09:30:00+00:00"}
    store = Store.from_url(complaints_client.database_url, migrate=False)  # type: ignore[attr-defined]
    try:
        with store.unit_of_work(read_only=True) as uow:
            record = uow.bind(ComplaintRepository).get(complaint_id)
        with store.engine.connect() as connection:
            (body_json,) = connection.execute(
                select(outbox.c.body).where(outbox.c.request_id == complaint_id)
            ).one()
    finally:
        store.close()
    assert record is not None and dict(record.attributes) == answered
    assert ComplaintHandoff.model_validate_json(body_json).attributes == answered


# GET Service Request(s)


def test_a_complaint_is_public_but_its_words_and_photo_need_the_token(
    complaints_client: TestClient,
) -> None:
    complaint_id, token = _submitted_id(
        complaints_client, media_url="https://photos.example.org/gropa.jpg"
    )
    public = complaints_client.get(f"/open311/v2/requests/{complaint_id}.json?locale=en")
    (view,) = public.json()
    assert list(view) == REQUEST_FIELDS
    assert view["service_request_id"] == complaint_id
    assert view["status"] == "open"
    assert view["service_code"] == "road-damage"
    assert view["service_name"] == "Damaged road or pothole"
    assert view["agency_responsible"] == "Pristina – Directorate of Public Services"
    assert view["lat"] == pytest.approx(42.6629)
    assert view["long"] == pytest.approx(21.1655)
    assert view["description"] is None and view["media_url"] is None
    requested = datetime.strptime(view["requested_datetime"], W3_UTC).replace(tzinfo=UTC)
    expected = datetime.strptime(view["expected_datetime"], W3_UTC).replace(tzinfo=UTC)
    assert expected - requested == timedelta(days=30)
    assert "must answer by" in view["service_notice"]

    private = complaints_client.get(
        f"/open311/v2/requests/{complaint_id}.json", params={"token": token}
    )
    (own,) = private.json()
    assert own["description"].startswith("Një gropë e thellë")
    assert own["media_url"] == "https://photos.example.org/gropa.jpg"

    by_header = complaints_client.get(
        f"/open311/v2/requests/{complaint_id}.xml", headers={"X-Complaint-Token": token}
    )
    assert _xml(by_header).findtext("request/media_url") == "https://photos.example.org/gropa.jpg"

    wrong = complaints_client.get(f"/open311/v2/requests/{complaint_id}.json?token=guess")
    assert wrong.status_code == 403


def test_one_request_in_xml_carries_every_field_of_the_spec(
    complaints_client: TestClient,
) -> None:
    complaint_id, _ = _submitted_id(complaints_client)
    root = _xml(complaints_client.get(f"/open311/v2/requests/{complaint_id}.xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open"
    assert request.findtext("description") == ""


def test_an_unknown_request_is_not_found_in_both_formats(complaints_client: TestClient) -> None:
    json_answer = complaints_client.get("/open311/v2/requests/no-such-id.json")
    assert json_answer.status_code == 404
    assert json_answer.json() == [{"code": 404, "description": "Ankesa me këtë numër nuk u gjet."}]
    xml_answer = complaints_client.get("/open311/v2/requests/no-such-id.xml?locale=en")
    assert xml_answer.status_code == 404
    assert _xml(xml_answer).findtext("error/description") == (
        "No complaint with this service_request_id was found."
    )


def test_requests_are_filtered_by_service_code_status_and_id(
    complaints_client: TestClient,
) -> None:
    pothole, _ = _submitted_id(complaints_client)
    power, _ = _submitted_id(
        complaints_client,
        service_code="electricity-supply",
        **{"attribute[road_part]": None, "attribute[hazard]": "no"},
    )
    listed = complaints_client.get("/open311/v2/requests.json?service_code=electricity-supply")
    ids = {item["service_request_id"] for item in listed.json()}
    assert power in ids and pothole not in ids
    assert all(item["agency_responsible"] for item in listed.json())

    several = complaints_client.get(
        f"/open311/v2/requests.json?service_request_id={pothole},{power}&status=closed"
    )
    assert {item["service_request_id"] for item in several.json()} == {pothole, power}

    assert complaints_client.get("/open311/v2/requests.json?status=closed").json() == []
    open_ones = complaints_client.get("/open311/v2/requests.xml?status=open")
    assert len(_xml(open_ones).findall("request")) >= 2


def test_the_date_window_is_90_days_at_most(complaints_client: TestClient) -> None:
    now = datetime.now(UTC)
    start = (now - timedelta(days=1)).strftime(W3_UTC)
    end = (now + timedelta(days=1)).strftime(W3_UTC)
    inside = complaints_client.get(
        "/open311/v2/requests.json", params={"start_date": start, "end_date": end}
    )
    assert inside.status_code == 200 and inside.json()

    past = complaints_client.get(
        "/open311/v2/requests.json",
        params={"start_date": "2010-05-24T00:00:00Z", "end_date": "2010-06-24T00:00:00Z"},
    )
    assert past.json() == []

    too_long = complaints_client.get(
        "/open311/v2/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert too_long.status_code == 400
    assert too_long.headers["x-ekomunat-error"] == "complaint.query.range_too_long"

    no_zone = complaints_client.get(
        "/open311/v2/requests.json", params={"start_date": "2026-01-01T00:00:00"}
    )
    assert no_zone.status_code == 400

    bad_status = complaints_client.get("/open311/v2/requests.json?status=pending")
    assert bad_status.status_code == 400


def test_a_municipality_as_jurisdiction_lists_only_its_complaints(
    complaints_client: TestClient,
) -> None:
    in_prizren, _ = _submitted_id(
        complaints_client, lat="42.2093", long="20.7414", address_string=None
    )
    prizren = complaints_client.get("/open311/v2/requests.json?jurisdiction_id=20").json()
    prishtina = complaints_client.get("/open311/v2/requests.json?jurisdiction_id=19").json()
    assert in_prizren in {item["service_request_id"] for item in prizren}
    assert in_prizren not in {item["service_request_id"] for item in prishtina}


# Formats, discovery, unknown resources


def test_an_unsupported_format_gets_the_specs_error(complaints_client: TestClient) -> None:
    response = complaints_client.get("/open311/v2/services.yaml")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_anything_else_under_open311_is_an_open311_404(complaints_client: TestClient) -> None:
    response = complaints_client.get("/open311/v2/graffiti.xml")
    assert response.status_code == 404
    assert _xml(response).findtext("error/code") == "404"


def test_discovery_points_at_the_v2_endpoint(complaints_client: TestClient) -> None:
    discovery = complaints_client.get("/open311/discovery.json").json()
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = _xml(complaints_client.get("/open311/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
