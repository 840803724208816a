"""The catalogue API as the portal uses it: filters, languages, problem documents."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.fixtures.gateway import offline_settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(offline_settings(tmp_path_factory.mktemp("catalogue") / "gateway.db"))
    with TestClient(app) as client:
        yield client


def test_services_are_listed_in_albanian_by_default(client):
    response = client.get("/v1/catalogue/services")

    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "sq"
    assert body["count"] == 53  # the fifty, and the three of issue 23
    assert response.headers["content-language"] == "sq"
    birth = next(s for s in body["services"] if "birth" in s["names"]["en"].lower())
    assert birth["name"] == birth["names"]["sq"]


@pytest.mark.parametrize(
    ("params", "headers", "language"),
    [
        ({"lang": "sr"}, {}, "sr"),
        ({}, {"Accept-Language": "en-GB,en;q=0.8"}, "en"),
        ({"lang": "tlh"}, {}, "sq"),
    ],
)
def test_the_language_follows_lang_or_accept_language(client, params, headers, language):
    body = client.get("/v1/catalogue/services", params=params, headers=headers).json()

    assert body["language"] == language
    assert all(s["name"] == s["names"][language] for s in body["services"])


def test_services_filter_by_category_and_mode(client):
    body = client.get(
        "/v1/catalogue/services", params={"category": "civil_status", "mode": "sync"}
    ).json()

    assert body["count"] >= 3
    assert {(s["category"], s["mode"]) for s in body["services"]} == {("civil_status", "sync")}


def test_services_filter_by_municipality(client):
    everywhere = client.get("/v1/catalogue/services").json()["services"]
    restricted = [s for s in everywhere if len(s["municipalities"]) < 38]
    in_mamushe = client.get("/v1/catalogue/services", params={"municipality": "32"}).json()

    assert all("32" in s["municipalities"] for s in in_mamushe["services"])
    expected = sum(1 for s in everywhere if "32" in s["municipalities"])
    assert in_mamushe["count"] == expected
    assert restricted, "at least one service is offered only in some municipalities"


def test_an_invalid_filter_value_is_a_problem_document(client):
    response = client.get("/v1/catalogue/services", params={"mode": "sometimes", "lang": "en"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "request.query.invalid"
    assert problem["errors"][0]["pointer"] == "/mode"


def test_one_service_carries_its_form_schema(client):
    code = client.get("/v1/catalogue/services").json()["services"][0]["code"]

    body = client.get(f"/v1/catalogue/services/{code}", params={"lang": "en"}).json()

    assert body["code"] == code
    assert body["form_schema"]["type"] == "object"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/catalogue/services/passport-issuance", "service.unknown"),
        ("/v1/catalogue/municipalities/39", "municipality.unknown"),
        ("/v1/catalogue/services?municipality=99", "municipality.unknown"),
    ],
)
@pytest.mark.parametrize(
    ("lang", "title_word"), [("sq", "nuk"), ("sr", "ne postoji"), ("en", "does not exist")]
)
def test_unknown_things_are_localised_404_problems(client, path, code, lang, title_word):
    response = client.get(path, headers={"Accept-Language": lang, "X-Request-Id": "trace-42"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == 404
    assert title_word in problem["title"]
    assert problem["request_id"] == "trace-42"
    assert problem["type"].endswith(code)


def test_municipalities_are_listed_with_languages(client):
    body = client.get("/v1/catalogue/municipalities", params={"lang": "sr"}).json()

    assert body["count"] == 38
    prizren = next(m for m in body["municipalities"] if m["code"] == "20")
    assert "tr" in prizren["official_languages"]
    prishtina = client.get("/v1/catalogue/municipalities/19", params={"lang": "sr"}).json()
    assert prishtina["name"] == "Priština"


def test_every_answer_carries_a_request_id(client):
    made = client.get("/health")
    echoed = client.get("/health", headers={"X-Request-Id": "portal-abc-1"})
    hostile = client.get("/health", headers={"X-Request-Id": "x" * 500})

    assert len(made.headers["x-request-id"]) == 32
    assert echoed.headers["x-request-id"] == "portal-abc-1"
    assert hostile.headers["x-request-id"] != "x" * 500


def test_an_unknown_address_is_a_problem_not_html(client):
    response = client.get("/v2/nothing-here")

    assert response.status_code == 404
    assert response.json()["code"] == "resource.not_found"


def test_ready_lists_its_components(client):
    body = client.get("/ready").json()

    assert body["ready"] is True
    assert "catalogue" in {c["name"] for c in body["components"]}
