"""``/v1/open/acts``: every act and its review, as the public reads it.

The same promises as every feed: JSON and CSV with the same rows, labels in the language
asked for, pages chained by a cursor, conditional GETs, and clear localised refusals. The
register is the gateway's own store (SQLite, then PostgreSQL), filled through the acts API.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts.act_messages import ReviewState
from gateway.store.acts import ActRepository
from tests.fixtures.participation import act_body, act_number, municipality_headers

SEEDED = [
    ("19", "assembly_regulation", "2025-06-30"),
    ("19", "mayor_decision", "2026-02-11"),
    ("19", "assembly_decision", "2026-03-05"),
    ("20", "mayor_decision", "2026-01-20"),
    ("20", "assembly_statute", "2025-12-01"),
]


@pytest.fixture(scope="module")
def acts(participation_client: TestClient) -> dict[str, dict[str, Any]]:
    """Five acts of Prishtinë and Prizren; Prizren's mayor's decision found lawful."""
    created: dict[str, dict[str, Any]] = {}
    for code, kind, adopted_on in SEEDED:
        body = act_body(act_number(), municipality=code, kind=kind, adopted_on=adopted_on)
        answer = participation_client.post(
            "/v1/acts", headers=municipality_headers(code), json=body
        )
        assert answer.status_code == 202, answer.text
        created[answer.json()["act_id"]] = body
    lawful = next(
        i for i, b in created.items() if b["municipality"] == "20" and "mayor" in b["kind"]
    )
    with participation_client.gateway.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        for state in (ReviewState.RECEIVED, ReviewState.UNDER_REVIEW, ReviewState.FOUND_LAWFUL):
            uow.bind(ActRepository).set_state(lawful, state, source="ministry:mapl")
        uow.commit()
    return created


def _data(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/open/acts", params={"page_size": "1000", **params})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def _ours(rows: list[dict[str, Any]], acts: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in rows if row["act_id"] in acts]


def test_every_act_is_listed_with_its_state_in_json_and_csv_alike(
    participation_client: TestClient, acts: dict[str, Any]
) -> None:
    as_json = participation_client.get("/v1/open/acts", params={"page_size": "1000"})
    as_csv = participation_client.get(
        "/v1/open/acts", params={"page_size": "1000", "format": "csv"}
    )

    data = _ours(as_json.json()["data"], acts)
    rows = [row for row in csv.DictReader(io.StringIO(as_csv.text)) if row["act_id"] in acts]
    assert len(data) == len(acts) == 5
    assert [row["act_id"] for row in rows] == [item["act_id"] for item in data]
    assert [item["adopted_on"] for item in data] == sorted(item["adopted_on"] for item in data)
    assert as_csv.headers["content-type"].startswith("text/csv")
    for header in ("etag", "last-modified", "age"):
        assert header in as_json.headers and header in as_csv.headers
    assert as_json.headers["age"] == "0" and as_json.headers["x-ekomunat-stale"] == "false"
    assert as_json.json()["freshness"]["stale"] is False
    assert {row["review_state"] for row in rows} == {"submitted", "found_lawful"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"municipality": "prizren"}, 2),
        ({"municipality": "19", "year": "2026"}, 2),
        ({"kind": "mayor_decision"}, 2),
        ({"review_state": "found_lawful"}, 1),
        ({"municipality": "20", "review_state": "submitted", "kind": "assembly_statute"}, 1),
    ],
)
def test_filters_narrow_the_register(
    participation_client: TestClient, acts: dict[str, Any], params: dict[str, str], expected: int
) -> None:
    assert len(_ours(_data(participation_client, **params), acts)) == expected


def test_labels_follow_the_language_asked_for(
    participation_client: TestClient, acts: dict[str, Any]
) -> None:
    lawful = {"review_state": "found_lawful"}
    (sq,) = _ours(_data(participation_client, **lawful), acts)
    (sr,) = _ours(_data(participation_client, **lawful, lang="sr"), acts)
    (en,) = _ours(_data(participation_client, **lawful, lang="en"), acts)
    assert (sq["review_state_name"], sr["review_state_name"], en["review_state_name"]) == (
        "I ligjshëm",
        "Zakonit",
        "Found lawful",
    )
    assert (sq["kind_name"], sr["kind_name"]) == (
        "Vendim i Kryetarit",
        "Odluka predsednika opštine",
    )
    assert sr["title"] == "Pravilnik o javnom parkiranju"
    assert en["decided_at"] is not None and en["received_at"] is not None


def test_pages_chain_through_the_cursor_and_cover_every_act_once(
    participation_client: TestClient, acts: dict[str, Any]
) -> None:
    seen: list[str] = []
    params: dict[str, str] = {"page_size": "2"}
    while True:
        answer = participation_client.get("/v1/open/acts", params=params)
        page = answer.json()
        seen += [row["act_id"] for row in page["data"]]
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            assert "link" not in answer.headers
            break
        assert 'rel="next"' in answer.headers["link"]
        params = {"page_size": "2", "cursor": cursor}
    assert len(seen) == len(set(seen)) and set(acts) <= set(seen)


def test_a_conditional_get_is_a_304_until_a_decision_changes_the_register(
    participation_client: TestClient, acts: dict[str, Any]
) -> None:
    first = participation_client.get("/v1/open/acts", params={"municipality": "19"})
    etag = first.headers["etag"]
    unchanged = participation_client.get(
        "/v1/open/acts", params={"municipality": "19"}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304

    act_id = next(i for i, body in acts.items() if body["municipality"] == "19")
    with participation_client.gateway.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        uow.bind(ActRepository).set_state(act_id, ReviewState.RECEIVED, source="ministry:mapl")
        uow.commit()
    changed = participation_client.get(
        "/v1/open/acts", params={"municipality": "19"}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    (row,) = [row for row in changed.json()["data"] if row["act_id"] == act_id]
    assert row["review_state"] == "received"


@pytest.mark.parametrize(
    ("params", "status", "code", "title_sr"),
    [
        ({"municipality": "99"}, 404, "open.municipality.unknown", "Tražena opština ne postoji"),
        ({"year": "2011"}, 404, "open.year.unknown", "Za ovu godinu nema objavljenih podataka"),
        ({"year": "26"}, 400, "open.filter.invalid", "Filter zahteva nije ispravan"),
        ({"review_state": "lawful"}, 400, "open.filter.invalid", "Filter zahteva nije ispravan"),
        ({"decided": "yes"}, 400, "open.filter.invalid", "Filter zahteva nije ispravan"),
        (
            {"page_size": "5000"},
            400,
            "open.page_size.too_large",
            "Veličina stranice je veća od dozvoljene",
        ),
        ({"cursor": "bm90LWpzb24"}, 400, "open.cursor.invalid", "Kursor stranice nije ispravan"),
        (
            {"format": "xml"},
            406,
            "open.format.unsupported",
            "Ovaj format nije dostupan za ovaj spisak",
        ),
    ],
)
def test_bad_queries_are_clear_localised_problems(
    participation_client: TestClient,
    acts: dict[str, Any],
    params: dict[str, str],
    status: int,
    code: str,
    title_sr: str,
) -> None:
    answer = participation_client.get("/v1/open/acts", params={**params, "lang": "sr"})
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.json()["code"], answer.json()["title"]) == (code, title_sr)
