"""Item 4: no personal data in the public feeds, and no masking of what is not personal data.

Attacks, each through the real parts:

* (a) a municipality approves a construction permit through RabbitMQ with a note to the
  citizen naming them ("Petrit Hoxha, nr. personal ..., tel ..."); the note was copied into
  the permit's public ``conditions`` in ``/v1/open/permits``;
* (b) a complaint app puts a name, a personal number, a phone and an e-mail into
  ``address_string`` (or the description); ``GET /open311/v2/requests`` published them;
* over-masking: the hearing reference ``CSV-1796194701`` (ten digits that fail the check
  digit, so no one's personal number) was logged as ``CSV-********01``;
* an anonymous comment in a public hearing carrying a phone, an e-mail or a personal number
  reached the municipality, defeating the anonymity the citizen chose.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy
from contracts.personal_numbers import is_personal_number
from tests.fixtures.complaints import complaint_form
from tests.fixtures.gateway import GatewayProcess, http_json, portal_headers
from tests.fixtures.participation import municipality_headers
from tests.integration.open.permit_flow import (
    applicant_and_parcel,
    apply_for_permit,
    approve_through_the_broker,
    review_then_approval,
)
from tests.integration.relay.probes import wait_until
from tests.security.public_gateway import bare_gateway

PERSONAL_NUMBER = "1086767640"
PHONE = "+38344111222"
EMAIL = "petrit.hoxha@example.org"
NOTE = f"Petrit Hoxha, nr. personal {PERSONAL_NUMBER}, tel {PHONE}: leja u miratua."
REFERENCE = "CSV-1796194701"
LEAKS = ("Petrit", "Hoxha", PERSONAL_NUMBER, PHONE, EMAIL, "044 111 222")


def test_the_numbers_of_this_test_are_what_they_claim() -> None:
    assert is_personal_number(PERSONAL_NUMBER)
    assert not is_personal_number(REFERENCE.removeprefix("CSV-"))


# ---- (a) permits -------------------------------------------------------------------------


def test_a_note_to_the_citizen_never_reaches_the_public_permit(
    open_client: TestClient, sandbox, amqp_url: str, topology_names: TopologyNames, broker_users
) -> None:  # type: ignore[no-untyped-def]
    person, parcel = applicant_and_parcel(sandbox)
    municipality, permit_number = parcel.municipality_code, f"LN-{uuid.uuid4().hex[:8]}"
    request_id = apply_for_permit(open_client, person, parcel)
    updates = review_then_approval(
        request_id,
        municipality,
        note=NOTE,
        permit_number=permit_number,
        permit_title=f"Leje për {NOTE}",
        decided_by=DecidedBy(official_id="urb-007", name="Petrit Hoxha"),
    )
    permit = approve_through_the_broker(
        open_client, amqp_url, topology_names, broker_users, updates, permit_number=permit_number
    )

    # The citizen still reads the note on their own request.
    status = open_client.get(f"/v1/requests/{request_id}", headers=portal_headers()).json()
    assert status["status"] == "approved" and PERSONAL_NUMBER in json.dumps(status)
    public = json.dumps(permit, ensure_ascii=False)
    csv_feed = open_client.get("/v1/open/permits", params={"format": "csv"}).text
    (csv_row,) = [line for line in csv_feed.splitlines() if line.startswith(permit_number)]
    for leak in (*LEAKS, person.personal_number, person.last_name):
        assert leak not in public and leak not in csv_row, leak
    assert PERSONAL_NUMBER not in csv_feed and PHONE not in csv_feed
    assert permit["conditions"] == [] and permit["description"] == "residential"


# ---- (b) Open311 -------------------------------------------------------------------------


def _published(client: TestClient) -> tuple[str, str]:
    as_json = client.get("/open311/v2/requests.json")
    as_xml = client.get("/open311/v2/requests.xml")
    assert as_json.status_code == as_xml.status_code == 200
    etree.fromstring(as_xml.content)
    return as_json.text, as_xml.text


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("address_string", f"Petrit Hoxha, nr. personal {PERSONAL_NUMBER}, Rruga B, Prishtinë"),
        ("address_string", f"Rruga Agim Ramadani 12, tel {PHONE}"),
        ("address_string", f"Rruga Agim Ramadani 12, {EMAIL}"),
        ("address_string", "Rruga Agim Ramadani 12, Hoxha"),
        ("description", f"Gropë e thellë. Më thirrni: 044 111 222 ose {EMAIL}."),
        ("description", f"Unë, me nr. personal {PERSONAL_NUMBER}, ankohem për gropën."),
    ],
)
def test_a_complaint_carrying_personal_data_is_refused_and_never_published(
    complaints_client: TestClient, field: str, text: str
) -> None:
    form = complaint_form(**{field: text, "first_name": "Petrit", "last_name": "Hoxha"})
    form["anonymous"] = "true"
    for fmt in ("json", "xml"):
        refused = complaints_client.post(f"/open311/v2/requests.{fmt}", data=form)

        assert refused.status_code == 400, refused.text
        assert refused.headers["x-ekomunat-error"] == "complaint.field.personal_data"
        assert field in refused.text and PERSONAL_NUMBER not in refused.text
    for published in _published(complaints_client):
        assert not any(leak in published for leak in LEAKS)


def test_an_address_with_a_street_named_after_a_person_and_a_reference_is_published(
    complaints_client: TestClient,
) -> None:
    address = f"Rruga Agim Ramadani, para parcelës {REFERENCE}"
    accepted = complaints_client.post(
        "/open311/v2/requests.json", data=complaint_form(address_string=address)
    )
    assert accepted.status_code == 200, accepted.text

    as_json, as_xml = _published(complaints_client)
    assert address in as_json and address in as_xml


# ---- hearings: over-masking in the log, personal data in anonymous comments ---------------


@pytest.fixture(scope="module")
def hearings_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    """A gateway process with two open hearings of Prishtinë: ``REFERENCE`` and a reference
    that does end in a personal number."""
    now = datetime.now(UTC)
    with bare_gateway(tmp_path_factory.mktemp("hearings")) as gateway:
        for reference in (REFERENCE, f"CSV-{PERSONAL_NUMBER}"):
            status, _, body = http_json(
                "POST",
                f"{gateway.base}/v1/hearings",
                {
                    "municipality": "19",
                    "reference": reference,
                    "topic": {"sq": "Projektbuxheti 2027", "sr": "Nacrt budžeta za 2027"},
                    "place": {"sq": "Salla e Kuvendit", "sr": "Sala Skupštine"},
                    "held_at": (now + timedelta(days=2)).isoformat(),
                    "comments_until": (now + timedelta(days=1)).isoformat(),
                },
                municipality_headers("19"),
            )
            assert status == 201, body
        yield gateway


def test_a_hearing_reference_is_logged_as_it_is_and_a_personal_number_masked(
    hearings_gateway: GatewayProcess,
) -> None:
    log = wait_until(
        lambda: (
            text if (text := hearings_gateway.log_text()).count("hearing.published") == 2 else ""
        ),
        what="both hearings in the log",
    )

    published = [json.loads(line) for line in log.splitlines() if "hearing.published" in line]
    assert [record["reference"] for record in published] == [REFERENCE, "CSV-********40"]
    assert PERSONAL_NUMBER not in log


def _comment(gateway: GatewayProcess, text: str, *, named: bool) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {
        "service": "public-hearing-comment",
        "municipality": "19",
        "language": "en",
        "form": {"hearing_reference": REFERENCE, "description": text},
    }
    if named:
        body["applicant"] = {
            "personal_number": PERSONAL_NUMBER,
            "first_name": "Petrit",
            "last_name": "Hoxha",
        }
    status, _, answer = http_json("POST", f"{gateway.base}/v1/requests", body, portal_headers())
    return status, answer


@pytest.mark.parametrize(
    "text",
    [
        f"Më shumë për shkollat. Më shkruani: {EMAIL}",
        "Më shumë për shkollat; tel 044 111 222.",
        f"Si banor me nr. personal {PERSONAL_NUMBER}: më shumë për shkollat.",
    ],
)
def test_an_anonymous_comment_carrying_personal_data_is_refused(
    hearings_gateway: GatewayProcess, text: str
) -> None:
    status, problem = _comment(hearings_gateway, text, named=False)

    assert status == 422 and problem["code"] == "hearing.comment.personal_data"
    assert problem["title"].startswith("An anonymous comment may not contain")
    assert PERSONAL_NUMBER not in json.dumps(problem) and EMAIL not in json.dumps(problem)
    # Signed with a name, the same words are the citizen's to send.
    assert _comment(hearings_gateway, text, named=True)[0] == 202
    assert _comment(hearings_gateway, f"Ref. {REFERENCE}: më shumë.", named=False)[0] == 202
