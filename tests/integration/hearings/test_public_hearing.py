"""A public hearing from publication to comments to report, on real parts.

The municipality publishes a hearing over HTTP; citizens comment through the portal's
``POST /v1/requests`` (one named, one anonymous); each comment is committed with its hand-off,
the relay publishes it through RabbitMQ and the municipality's reference back-office stores
it; after the comment period the municipality's report closes the hearing, and the public
reads the count and the report at ``/v1/open/hearings``. Every refusal is a localised problem
document and stores nothing. The store is SQLite, then PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from adapters.amqp.topology import TopologyNames
from gateway.relay import Relay
from gateway.store import Store
from gateway.store.hearings import hearing_comments, public_hearings
from gateway.store.tables import requests
from sandbox.backoffice import BackOffice
from tests.fixtures.gateway import portal_headers
from tests.fixtures.participation import count_rows, municipality_headers, outbox_rows
from tests.integration.relay.probes import running, wait_until

PERSONAL_NUMBER = "1234567892"
WINDOW = timedelta(days=1)


def _reference() -> str:
    return f"DP-{uuid.uuid4().hex[:6]}"


def hearing_body(reference: str, *, municipality: str = "19", **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "municipality": municipality,
        "reference": reference,
        "topic": {
            "sq": "Projektbuxheti 2027",
            "sr": "Nacrt budžeta za 2027",
            "en": "Draft budget 2027",
        },
        "place": {"sq": "Salla e Kuvendit Komunal", "sr": "Sala Skupštine opštine"},
        "held_at": (now + timedelta(days=2)).isoformat(),
        "comments_until": (now + WINDOW).isoformat(),
        "documents": [{"title": "Projektbuxheti", "url": "https://prishtina.example/b27.pdf"}],
    }
    body.update(changes)
    return body


def comment(
    reference: str, *, anonymous: bool, municipality: str = "19", language: str = "sq"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service": "public-hearing-comment",
        "municipality": municipality,
        "language": language,
        "form": {"hearing_reference": reference, "description": "Më shumë për shkollat."},
    }
    if not anonymous:
        body["applicant"] = {
            "personal_number": PERSONAL_NUMBER,
            "first_name": "Arta",
            "last_name": "Gashi",
        }
    return body


def _store(client: TestClient) -> Store:
    return client.gateway.store  # type: ignore[attr-defined,no-any-return]


def _stored(client: TestClient) -> tuple[int, int, int, int]:
    store = _store(client)
    return (
        count_rows(store, public_hearings),
        count_rows(store, requests),
        count_rows(store, hearing_comments),
        outbox_rows(store),
    )


def _publish(client: TestClient, body: dict[str, Any], code: str = "19") -> Any:
    return client.post("/v1/hearings", headers=municipality_headers(code), json=body)


def _received_by(office: BackOffice, request_id: str) -> dict[str, Any] | None:
    with office.database.lock:
        row = office.database.connection.execute(
            "SELECT body FROM applications WHERE request_id = ?", (request_id,)
        ).fetchone()
    return json.loads(row[0]) if row else None


def test_a_hearing_runs_from_publication_to_comments_to_report(
    participation_client: TestClient,
    amqp_url: str,
    topology_names: TopologyNames,
    tmp_path: Path,
) -> None:
    client, reference = participation_client, _reference()
    published = _publish(client, hearing_body(reference))
    assert published.status_code == 201, published.text
    hearing_id = published.json()["hearing_id"]
    assert published.json()["comment_period"] == "open"

    relay = Relay(_store(client), amqp_url, names=topology_names, municipality_codes=["19"])
    office = BackOffice("19", amqp_url, tmp_path / "office-19.db", prefix=topology_names.prefix)
    with capture_logs() as logs, running(relay, office):
        named = client.post(
            "/v1/requests", headers=portal_headers(), json=comment(reference, anonymous=False)
        )
        anonymous = client.post(
            "/v1/requests", headers=portal_headers(), json=comment(reference, anonymous=True)
        )
        assert named.status_code == anonymous.status_code == 202, anonymous.text
        ids = named.json()["request_id"], anonymous.json()["request_id"]
        wait_until(lambda: all(_received_by(office, i) for i in ids), what="comments handed off")
    assert PERSONAL_NUMBER not in repr(logs), "no personal number may reach the log"
    named_handoff, anonymous_handoff = (_received_by(office, i) for i in ids)
    assert named_handoff and named_handoff["applicant"]["personal_number"] == PERSONAL_NUMBER
    assert anonymous_handoff and anonymous_handoff["applicant"] is None
    assert anonymous_handoff["form"]["hearing_reference"] == reference
    assert "Gashi" not in json.dumps(anonymous_handoff)

    early = client.post(
        f"/v1/hearings/{hearing_id}/report",
        headers=municipality_headers(),
        json={"summary": {"sq": "Raporti", "sr": "Izveštaj"}},
    )
    assert (early.status_code, early.json()["code"]) == (409, "hearing.report.too_early")

    # The comment period ends: the hearings' clock is moved past it, not waited for.
    client.clock.ahead = WINDOW + timedelta(minutes=1)  # type: ignore[attr-defined]
    try:
        _after_the_comment_period(client, hearing_id, reference)
    finally:
        client.clock.ahead = timedelta(0)  # type: ignore[attr-defined]


def _after_the_comment_period(client: TestClient, hearing_id: str, reference: str) -> None:
    before = _stored(client)
    late = client.post(
        "/v1/requests",
        headers=portal_headers(),
        json=comment(reference, anonymous=True, language="sr"),
    )
    assert (late.status_code, late.json()["code"]) == (409, "hearing.closed")
    assert late.json()["title"] == "Rok za komentare u ovoj javnoj raspravi je istekao"
    assert _stored(client) == before, "a refused comment leaves nothing behind"

    report = {
        "summary": {
            "sq": "U pranuan 2 komente; buxheti për shkollat rritet.",
            "sr": "Primljena su 2 komentara; budžet za škole se povećava.",
        },
        "documents": [{"title": "Raporti", "url": "https://prishtina.example/raport-b27.pdf"}],
    }
    closed = client.post(
        f"/v1/hearings/{hearing_id}/report", headers=municipality_headers(), json=report
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["comments_received"]) == ("closed", 2)
    again = client.post(
        f"/v1/hearings/{hearing_id}/report", headers=municipality_headers(), json=report
    )
    assert (again.status_code, again.json()["code"]) == (409, "hearing.already_reported")

    rows = client.get("/v1/open/hearings", params={"municipality": "19", "lang": "sr"}).json()
    (row,) = [item for item in rows["data"] if item["hearing_id"] == hearing_id]
    assert row["comments_received"] == 2 and row["status"] == "closed"
    assert row["report_summary"].startswith("Primljena su 2 komentara")
    assert row["status_name"] == "Zatvorena izveštajem" and row["comment_period"] == "ended"
    assert row["topic"] == "Nacrt budžeta za 2027"
    assert [d["url"] for d in row["report_documents"]] == [
        "https://prishtina.example/raport-b27.pdf"
    ]


def test_a_comment_must_name_a_hearing_of_that_municipality_within_its_window(
    participation_client: TestClient,
) -> None:
    client = participation_client
    prizren, later = _reference(), _reference()
    assert _publish(client, hearing_body(prizren, municipality="20"), "20").status_code == 201
    starts = datetime.now(UTC) + timedelta(days=1)
    assert (
        _publish(
            client,
            hearing_body(
                later,
                comments_from=starts.isoformat(),
                comments_until=(starts + timedelta(days=14)).isoformat(),
            ),
        ).status_code
        == 201
    )
    before = _stored(client)

    unknown = client.post(
        "/v1/requests", headers=portal_headers(), json=comment("DP-0000-00", anonymous=True)
    )
    elsewhere = client.post(
        "/v1/requests", headers=portal_headers(), json=comment(prizren, anonymous=True)
    )
    too_soon = client.post(
        "/v1/requests", headers=portal_headers(), json=comment(later, anonymous=True)
    )

    for refused in (unknown, elsewhere):
        assert (refused.status_code, refused.json()["code"]) == (422, "hearing.unknown")
        assert refused.json()["errors"][0]["pointer"] == "/form/hearing_reference"
    assert (too_soon.status_code, too_soon.json()["code"]) == (409, "hearing.not_open_yet")
    assert _stored(client) == before


def test_only_a_service_open_to_anonymous_requests_goes_without_an_applicant(
    participation_client: TestClient,
) -> None:
    before = _stored(participation_client)
    answer = participation_client.post(
        "/v1/requests",
        headers=portal_headers(),
        json={
            "service": "petition",
            "municipality": "19",
            "language": "en",
            "form": {"subject": "x", "description": "y"},
        },
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "request.payload.invalid"
    assert answer.json()["errors"] == [
        {"pointer": "/applicant", "reason": "is required for this service"}
    ]
    assert _stored(participation_client) == before


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"comments_until": "2020-01-01T00:00:00Z"}, "/comments_until"),
        ({"comments_until": "2030-01-01T00:00:00"}, "/comments_until"),
        ({"reference": "DP 2026 07"}, "/reference"),
        ({"place": {"sq": "Vetëm shqip"}}, "/place/sr"),
    ],
)
def test_a_malformed_hearing_is_refused_field_by_field(
    participation_client: TestClient, change: dict[str, Any], pointer: str
) -> None:
    before = _stored(participation_client)
    answer = _publish(participation_client, {**hearing_body(_reference()), **change})
    assert answer.status_code == 422, answer.text
    assert pointer in [error["pointer"] for error in answer.json()["errors"]]
    assert _stored(participation_client) == before


def test_a_municipality_publishes_and_reports_only_for_itself(
    participation_client: TestClient,
) -> None:
    client, reference = participation_client, _reference()
    hearing = hearing_body(reference)
    hearing_id = _publish(client, hearing).json()["hearing_id"]
    before = _stored(client)

    replay = _publish(client, hearing)
    taken = _publish(client, {**hearing, "topic": {"sq": "Tjetër", "sr": "Drugo"}})
    for_another = _publish(client, hearing_body(_reference(), municipality="20"))
    report_by_another = client.post(
        f"/v1/hearings/{hearing_id}/report",
        headers=municipality_headers("20", language="sr"),
        json={"summary": {"sq": "x", "sr": "y"}},
    )
    unknown = client.post(
        f"/v1/hearings/{uuid.uuid4()}/report",
        headers=municipality_headers(),
        json={"summary": {"sq": "x", "sr": "y"}},
    )

    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["hearing_id"] == hearing_id
    assert (taken.status_code, taken.json()["code"]) == (409, "hearing.reference.taken")
    assert (for_another.status_code, for_another.json()["code"]) == (403, "hearing.not_owner")
    assert report_by_another.status_code == 403
    assert report_by_another.json()["title"] == "Javna rasprava pripada drugoj opštini"
    assert (unknown.status_code, unknown.json()["code"]) == (404, "hearing.unknown")
    assert _stored(client) == before
