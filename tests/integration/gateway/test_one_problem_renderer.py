"""A complaint's "no" and an open-data feed's "no" leave through the same renderer.

Both features raise the one ``Refusal`` with codes they registered from their own modules; the
gateway's problem handlers turn either into the same RFC 9457 document, localised by
``Accept-Language``, and an Open311 route turns the very same refusal into the spec's list.
The refusals come from the features' own checks (complaint screening, the feeds' query parser),
served over HTTP by the gateway's middleware and handlers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from contracts.catalogue import load_catalogue
from gateway.api.admission import Admission
from gateway.api.front_door import FrontDoorMiddleware
from gateway.api.open311 import ERROR_HEADER, Open311Route
from gateway.api.problems import PROBLEM_JSON, install_problem_handlers
from gateway.complaints.screening import Findings, check_text
from gateway.open.cursors import CursorSigner
from gateway.open.query import parse_query
from gateway.refusals import Refusal

CATALOGUE = load_catalogue()
LANGUAGES = {"sq": "sq-AL,sq;q=0.9", "sr": "sr-Latn-RS", "en": "en-GB,en;q=0.8"}
# What the registry promises for the two codes, written out so that a changed text fails here.
TITLES = {
    "complaint.field.markup": {
        "sq": "Një fushë përmban HTML ose skript",
        "sr": "Polje sadrži HTML ili skriptu",
        "en": "A field contains HTML or script",
    },
    "open.filter.invalid": {
        "sq": "Një filtër i kërkesës nuk është i vlefshëm",
        "sr": "Filter zahteva nije ispravan",
        "en": "A filter of the request is not valid",
    },
}
DETAILS = {
    "complaint.field.markup": {
        "sq": "Fusha description përmban HTML ose skript; dërgoni vetëm tekst të thjeshtë.",
        "sr": "Polje description sadrži HTML ili skriptu; pošaljite samo običan tekst.",
        "en": "The field description contains HTML or script; send plain text only.",
    },
}


def _screen_complaint() -> None:
    findings = Findings()
    check_text(findings, "description", "<script>alert(1)</script>", limit=4000)
    raise Refusal(reasons=findings.reasons)


def _parse_feed_query() -> None:
    parse_query(
        "budget",
        {"year": "2o25"},
        catalogue=CATALOGUE,
        language="en",
        formats=("json",),
        choices={},
        default_page_size=100,
        max_page_size=1000,
        cursors=CursorSigner(b"integration-test"),
    )


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)
    # No admission limit: only the request id and the access line, as every request has.
    app.add_middleware(
        FrontDoorMiddleware, admission=Admission(limit=0), max_headers=100, max_header_bytes=8192
    )

    @app.post("/complaint")
    def complaint() -> None:
        _screen_complaint()

    @app.get("/feed")
    def feed() -> None:
        _parse_feed_query()

    open311 = APIRouter(route_class=Open311Route)

    @open311.post("/open311/v2/requests.{fmt}")
    def open311_complaint(fmt: str) -> None:
        _screen_complaint()

    app.include_router(open311)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_complaint_and_a_feed_refusal_are_the_same_document_in_each_language(
    client: TestClient, language: str
) -> None:
    headers = {"Accept-Language": LANGUAGES[language]}
    complaint = client.post("/complaint", headers=headers)
    feed = client.get("/feed", headers=headers)

    for response, code, status in (
        (complaint, "complaint.field.markup", 400),
        (feed, "open.filter.invalid", 400),
    ):
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["content-language"] == language
        document = response.json()
        assert document["type"] == f"urn:ekomunat:problem:{code}"
        assert document["code"] == code
        assert document["status"] == status
        assert document["title"] == TITLES[code][language]
        assert document["request_id"]
    shape = {"type", "title", "status", "detail", "code", "request_id", "errors"}
    assert set(complaint.json()) == set(feed.json()) == shape
    assert complaint.json()["detail"] == DETAILS["complaint.field.markup"][language]
    assert complaint.json()["errors"] == [
        {"pointer": "/description", "reason": DETAILS["complaint.field.markup"][language]}
    ]
    assert feed.json()["detail"].startswith("year: ")
    assert [error["pointer"] for error in feed.json()["errors"]] == ["/query/year"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_open311_lists_the_same_refusal_in_the_spec_error_shape(
    client: TestClient, language: str
) -> None:
    headers = {"Accept-Language": LANGUAGES[language]}
    listed = client.post("/open311/v2/requests.json", headers=headers)
    as_xml = client.post("/open311/v2/requests.xml", headers=headers)

    assert listed.status_code == as_xml.status_code == 400
    assert listed.headers[ERROR_HEADER] == as_xml.headers[ERROR_HEADER] == "complaint.field.markup"
    assert listed.json() == [
        {"code": 400, "description": DETAILS["complaint.field.markup"][language]}
    ]
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert f"<description>{DETAILS['complaint.field.markup'][language]}</description>" in (
        as_xml.text
    )
