"""The open-data feeds through the real gateway, fed by the sandbox sources over HTTP.

What a reader of the public feeds notices: each feed in JSON and CSV, labels in the language
asked for, pages that chain through a cursor, conditional GETs, and clear localised refusals
of bad filters.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.fixtures.open_data import OPEN_MUNICIPALITIES


def get(client, path: str, **params):  # type: ignore[no-untyped-def]
    return client.get(path, params=params)


@pytest.mark.parametrize(
    ("path", "params", "column"),
    [
        ("/v1/open/budget", {"municipality": "19", "year": "2025"}, "line_id"),
        ("/v1/open/revenues", {"municipality": "20", "year": "2025"}, "source"),
        ("/v1/open/contracting", {"municipality": "32", "year": "2025"}, "ocid"),
        ("/v1/open/plans", {"municipality": "19"}, "plan_id"),
    ],
)
def test_each_feed_speaks_json_and_csv_with_the_same_rows(open_client, path, params, column):
    as_json = get(open_client, path, **params, page_size="1000")
    as_csv = get(open_client, path, **params, page_size="1000", format="csv")

    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"] == "application/json"
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    data = as_json.json()["data"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert data and [row[column] for row in rows] == [str(item[column]) for item in data]
    for header in ("etag", "last-modified", "age"):
        assert header in as_json.headers and header in as_csv.headers


def test_budget_shows_execution_against_the_approved_budget(open_client):
    lines = get(open_client, "/v1/open/budget", municipality="19", year="2025", page_size="1000")
    by_category = get(
        open_client, "/v1/open/budget", municipality="19", year="2025", group_by="economic_category"
    )
    total = get(
        open_client, "/v1/open/budget", municipality="19", year="2025", group_by="municipality"
    )

    rows = lines.json()["data"]
    assert all(row["executed"] == round(sum(row["executed_by_month"]), 2) for row in rows)
    categories = {row["economic_category"]: row for row in by_category.json()["data"]}
    assert set(categories) == {"wages", "goods_services", "subsidies", "capital_investments"}
    (whole,) = total.json()["data"]
    assert whole["approved"] == pytest.approx(sum(r["approved"] for r in rows), abs=0.05)
    assert 0 < whole["execution_rate"] <= 100


def test_execution_through_a_month_counts_only_the_months_up_to_it(open_client):
    march = get(
        open_client,
        "/v1/open/budget",
        municipality="32",
        year="2025",
        month="3",
        group_by="municipality",
    ).json()["data"][0]
    year = get(
        open_client, "/v1/open/budget", municipality="32", year="2025", group_by="municipality"
    ).json()["data"][0]
    assert march["through_month"] == 3 and len(march["executed_by_month"]) == 3
    assert march["executed"] < year["executed"]


def test_labels_follow_the_language_asked_for(open_client):
    def first(language: str) -> dict:  # type: ignore[type-arg]
        response = open_client.get(
            "/v1/open/revenues",
            params={"municipality": "19", "year": "2025", "source": "property_tax"},
            headers={"Accept-Language": language},
        )
        assert response.headers["content-language"] == language
        return response.json()["data"][0]

    assert first("sq")["source_name"] == "Tatimi në pronë"
    assert first("sr")["source_name"] == "Porez na imovinu"
    assert first("en")["source_name"] == "Property tax"
    assert first("sr")["municipality_name"] == "Priština"


def test_all_of_kosovo_is_one_feed_and_says_which_municipalities_it_lacks(open_client):
    response = get(open_client, "/v1/open/budget", year="2025", group_by="municipality")
    body = response.json()
    assert {row["municipality"] for row in body["data"]} == set(OPEN_MUNICIPALITIES)
    # This test gateway refreshes only a few municipalities; a reader is told which are absent.
    assert len(body["freshness"]["missing_municipalities"]) == 38 - len(OPEN_MUNICIPALITIES)


def test_pages_chain_through_the_cursor_without_gaps_or_repeats(open_client):
    whole = get(open_client, "/v1/open/budget", municipality="20", year="2024", page_size="1000")
    expected = [row["line_id"] for row in whole.json()["data"]]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"municipality": "20", "year": "2024", "page_size": "7"}
        if cursor:
            params["cursor"] = cursor
        page = open_client.get("/v1/open/budget", params=params).json()
        seen += [row["line_id"] for row in page["data"]]
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) > 7


def test_a_repeated_request_with_its_etag_is_not_modified(open_client):
    first = get(open_client, "/v1/open/plans", municipality="32")
    again = open_client.get(
        "/v1/open/plans",
        params={"municipality": "32"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    other = open_client.get(
        "/v1/open/plans",
        params={"municipality": "20"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200


def test_plans_come_as_geojson_too(open_client):
    response = get(
        open_client, "/v1/open/plans", municipality="20", format="geojson", status="approved"
    )
    document = response.json()
    assert response.headers["content-type"] == "application/geo+json"
    assert document["type"] == "FeatureCollection"
    assert all(f["geometry"]["type"] == "Polygon" for f in document["features"])
    assert all(f["properties"]["status"] == "approved" for f in document["features"])


def test_contracting_rows_link_to_the_budget_line_that_funds_them(open_client):
    rows = get(open_client, "/v1/open/contracting", municipality="19", year="2025").json()["data"]
    linked = [row for row in rows if row["budget_line_id"]]
    assert linked
    line = open_client.get(f"/v1/open/budget/lines/{linked[0]['budget_line_id']}")
    assert line.status_code == 200
    assert line.json()["data"][0]["line_id"] == linked[0]["budget_line_id"]


def test_the_transparency_services_answer_from_the_sources(open_client):
    from tests.fixtures.gateway import portal_headers

    person = {"personal_number": "1234567892", "first_name": "Ardita", "last_name": "Krasniqi"}
    response = open_client.post(
        "/v1/requests",
        headers=portal_headers(),
        json={
            "service": "municipal-budget-information",
            "municipality": "19",
            "language": "en",
            "applicant": person,
            "form": {"budget_year": 2025, "information_type": "budget_execution"},
        },
    )
    assert response.status_code == 200, response.text
    records = response.json()["document"]["records"]
    assert records["budget"]["year"] == 2025 and records["own_revenues"]["lines"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"municipality": "39"}, 404, "open.municipality.unknown"),
        ({"municipality": "atlantis"}, 404, "open.municipality.unknown"),
        ({"year": "1999"}, 404, "open.year.unknown"),
        ({"year": "20x5"}, 400, "open.filter.invalid"),
        ({"month": "13"}, 400, "open.filter.invalid"),
        ({"economic_category": "bribes"}, 400, "open.filter.invalid"),
        ({"colour": "red"}, 400, "open.filter.invalid"),
        ({"page_size": "100000"}, 400, "open.page_size.too_large"),
        ({"page_size": "-1"}, 400, "open.filter.invalid"),
        ({"cursor": "not-a-cursor!"}, 400, "open.cursor.invalid"),
        ({"format": "xlsx"}, 406, "open.format.unsupported"),
    ],
)
def test_bad_filters_are_clear_localised_problems(open_client, params, status, code):
    response = open_client.get("/v1/open/budget", params=params, headers={"Accept-Language": "sr"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert response.headers["content-language"] == "sr"
    english = open_client.get("/v1/open/budget", params={**params, "lang": "en"}).json()
    assert english["title"] != problem["title"]


def test_a_document_never_fetched_is_a_503_and_never_an_empty_page(open_client):
    # Municipality 01 is outside this test gateway's refresh scope: no data was ever held.
    response = get(open_client, "/v1/open/revenues", municipality="01")
    assert response.status_code == 503
    assert response.json()["code"] == "open.source.unavailable"
    assert response.headers["retry-after"]
