"""Malformed and hostile submissions: the spec's error answer, and nothing stored half-way.

Each case spoils one field of a valid complaint and checks the HTTP status, the Open311
error body in the format asked for, the stable code, and that neither a complaint nor an
outbox row was written.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.fixtures.complaints import complaint_form, stored_counts

CASES: list[tuple[str, dict[str, str | None], int, str]] = [
    ("no api_key", {"api_key": None}, 403, "complaint.api_key.missing"),
    ("wrong api_key", {"api_key": "guessed-key"}, 403, "complaint.api_key.invalid"),
    ("portal key", {"api_key": "ekomunat-dev-portal-key"}, 403, "complaint.api_key.invalid"),
    ("unknown category", {"service_code": "graffiti"}, 404, "complaint.service_code.unknown"),
    ("no category", {"service_code": None}, 400, "complaint.service_code.missing"),
    (
        "unknown jurisdiction",
        {"jurisdiction_id": "sfgov.org"},
        404,
        "complaint.jurisdiction.unknown",
    ),
    (
        "point in Tirana",
        {"lat": "41.3275", "long": "19.8187"},
        400,
        "complaint.location.outside_kosovo",
    ),
    ("point at 0,0", {"lat": "0", "long": "0"}, 400, "complaint.location.outside_kosovo"),
    ("latitude only", {"long": None}, 400, "complaint.location.incomplete"),
    ("latitude not a number", {"lat": "north"}, 400, "complaint.field.invalid"),
    ("latitude infinite", {"lat": "inf"}, 400, "complaint.field.invalid"),
    (
        "no location at all",
        {"lat": None, "long": None, "address_string": None},
        400,
        "complaint.location.missing",
    ),
    (
        "an address naming no municipality",
        {"lat": None, "long": None, "address_string": "Rruga B, hyrja 3"},
        400,
        "complaint.location.unplaced",
    ),
    ("oversized description", {"description": "a" * 4001}, 400, "complaint.field.too_long"),
    (
        "script in description",
        {"description": "<script>alert(1)</script>"},
        400,
        "complaint.field.markup",
    ),
    ("tag in a name", {"first_name": "<b>Arta</b>"}, 400, "complaint.field.markup"),
    (
        "encoded tag",
        {"address_string": "&lt;img src=x onerror=alert(1)&gt;"},
        400,
        "complaint.field.markup",
    ),
    ("script url as photo", {"media_url": "javascript:alert(1)"}, 400, "complaint.field.markup"),
    ("control character", {"description": "Gropë\x07"}, 400, "complaint.field.control_characters"),
    ("bad e-mail", {"email": "arta-at-example"}, 400, "complaint.field.invalid"),
    ("unknown attribute", {"attribute[colour]": "red"}, 400, "complaint.field.unknown"),
    (
        "attribute value off the list",
        {"attribute[road_part]": "tunnel"},
        400,
        "complaint.field.invalid",
    ),
    (
        "required attribute missing",
        {"service_code": "waste-collection", "attribute[road_part]": None},
        400,
        "complaint.attribute.missing",
    ),
    ("unknown field", {"secret_flag": "1"}, 400, "complaint.field.unknown"),
    ("anonymous neither true nor false", {"anonymous": "maybe"}, 400, "complaint.field.invalid"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("case", "changes", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_submission_gets_the_specs_error_and_stores_nothing(
    complaints_client: TestClient,
    fmt: str,
    case: str,
    changes: dict[str, str | None],
    status: int,
    code: str,
) -> None:
    database_url = complaints_client.database_url  # type: ignore[attr-defined]
    before = stored_counts(database_url)
    response = complaints_client.post(f"/open311/v2/requests.{fmt}", data=complaint_form(**changes))
    assert response.status_code == status, response.text
    assert response.headers["x-ekomunat-error"] == code
    errors = _errors(response, fmt)
    assert errors and all(error["code"] == str(status) for error in errors)
    assert all(error["description"] for error in errors)
    assert "<script" not in response.text and "javascript:" not in response.text
    assert stored_counts(database_url) == before, case


def _errors(response: Any, fmt: str) -> list[dict[str, str]]:
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        return [{k: str(v) for k, v in error.items()} for error in response.json()]
    root = etree.fromstring(response.content)
    assert root.tag == "errors"
    return [
        {"code": error.findtext("code") or "", "description": error.findtext("description") or ""}
        for error in root.findall("error")
    ]


def test_every_problem_of_one_submission_is_listed(complaints_client: TestClient) -> None:
    response = complaints_client.post(
        "/open311/v2/requests.json",
        data=complaint_form(
            description="<script>x</script>", email="nope", media_url="ftp://x.org/a.jpg"
        ),
    )
    assert response.status_code == 400
    descriptions = " ".join(error["description"] for error in response.json())
    for field in ("description", "email", "media_url"):
        assert field in descriptions


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"api_key": "x"}'),
        ("application/x-www-form-urlencoded", b"description=%ff%fe"),
        ("application/x-www-form-urlencoded", b"a=" + b"x" * (64 * 1024 + 1)),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % n for n in range(500))),
    ],
    ids=["json body", "not utf-8", "oversized body", "too many fields"],
)
def test_a_body_that_is_not_a_sane_form_is_refused(
    complaints_client: TestClient, content_type: str, body: bytes
) -> None:
    database_url = complaints_client.database_url  # type: ignore[attr-defined]
    before = stored_counts(database_url)
    response = complaints_client.post(
        "/open311/v2/requests.json", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert stored_counts(database_url) == before


def test_a_field_sent_twice_is_refused(complaints_client: TestClient) -> None:
    form = "&".join(f"{k}={v}" for k, v in complaint_form().items())
    response = complaints_client.post(
        "/open311/v2/requests.json",
        content=(form + "&description=again").encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.headers["x-ekomunat-error"] == "complaint.field.repeated"


def test_a_refusal_speaks_the_citizens_language(complaints_client: TestClient) -> None:
    response = complaints_client.post(
        "/open311/v2/requests.json",
        data=complaint_form(api_key=None, locale=None),
        headers={"Accept-Language": "sr"},
    )
    assert response.status_code == 403
    assert response.json()[0]["description"].startswith("Nedostaje api_key")


def test_a_refusal_follows_the_locale_sent_in_the_form(complaints_client: TestClient) -> None:
    response = complaints_client.post(
        "/open311/v2/requests.json",
        data=complaint_form(locale="sr", description="<b>hej</b>"),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("Polje description sadrži HTML")
