"""``/v1/open/hearings``: every public hearing, its comment window, its comments and its report.

The register is the gateway's own store (SQLite, then PostgreSQL), filled through the
municipalities' API; the feed keeps the promises of the others (JSON and CSV alike, labels in
the language asked for, strict filters with localised refusals, conditional GETs).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.participation import municipality_headers


def _hearing(code: str, held_at: datetime, opens: datetime, closes: datetime) -> dict[str, Any]:
    return {
        "municipality": code,
        "reference": f"DP-{uuid.uuid4().hex[:6]}",
        "topic": {"sq": "Plani i lagjes Arbëria", "sr": "Plan naselja Arbërija"},
        "place": {"sq": "Shkolla Naim Frashëri", "sr": "Škola Naim Frašeri"},
        "held_at": held_at.isoformat(),
        "comments_from": opens.isoformat(),
        "comments_until": closes.isoformat(),
    }


@pytest.fixture(scope="module")
def hearings(participation_client: TestClient) -> dict[str, str]:
    """An open hearing of Prishtinë (2026), an upcoming one of Prizren (2027)."""
    now = datetime.now(UTC)
    made = {}
    for name, code, held, opens, closes in (
        ("open", "19", datetime(2026, 12, 20, 17, tzinfo=UTC), now, now + timedelta(days=10)),
        (
            "upcoming",
            "20",
            datetime(2027, 1, 15, 17, tzinfo=UTC),
            now + timedelta(days=3),
            now + timedelta(days=20),
        ),
    ):
        answer = participation_client.post(
            "/v1/hearings",
            headers=municipality_headers(code),
            json=_hearing(code, held, opens, closes),
        )
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["hearing_id"]
    return made


def _ids(client: TestClient, **params: str) -> set[str]:
    answer = client.get("/v1/open/hearings", params={"page_size": "1000", **params})
    assert answer.status_code == 200, answer.text
    return {row["hearing_id"] for row in answer.json()["data"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"municipality": "prishtine"}, {"open"}),
        ({"year": "2027"}, {"upcoming"}),
        ({"comment_period": "upcoming"}, {"upcoming"}),
        ({"comment_period": "open", "status": "open"}, {"open"}),
        ({"status": "open"}, {"open", "upcoming"}),
    ],
)
def test_filters_narrow_the_hearings(
    participation_client: TestClient,
    hearings: dict[str, str],
    params: dict[str, str],
    expected: set[str],
) -> None:
    assert _ids(participation_client, **params) & set(hearings.values()) == {
        hearings[name] for name in expected
    }


def test_json_and_csv_list_the_same_hearings_with_labels_in_the_language_asked_for(
    participation_client: TestClient, hearings: dict[str, str]
) -> None:
    as_json = participation_client.get(
        "/v1/open/hearings", params={"comment_period": "upcoming", "lang": "sr"}
    )
    as_csv = participation_client.get(
        "/v1/open/hearings", params={"comment_period": "upcoming", "format": "csv"}
    )
    rows = [row for row in as_json.json()["data"] if row["hearing_id"] == hearings["upcoming"]]
    (line,) = [
        line
        for line in csv.DictReader(io.StringIO(as_csv.text))
        if line["hearing_id"] == hearings["upcoming"]
    ]
    (row,) = rows
    assert (row["topic"], row["place"]) == ("Plan naselja Arbërija", "Škola Naim Frašeri")
    assert (row["comment_period_name"], row["comments_received"]) == ("Još nije počeo", 0)
    assert line["comment_period_name"] == "Ende pa filluar" and line["comments_received"] == "0"
    assert line["report_summary"] == "" and row["report_summary"] is None
    etag = as_json.headers["etag"]
    again = participation_client.get(
        "/v1/open/hearings",
        params={"comment_period": "upcoming", "lang": "sr"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"status": "reported"}, 400, "open.filter.invalid"),
        ({"comment_period": "later"}, 400, "open.filter.invalid"),
        ({"year": "1999"}, 404, "open.year.unknown"),
        ({"municipality": "atlantis"}, 404, "open.municipality.unknown"),
        ({"page_size": "0"}, 400, "open.filter.invalid"),
    ],
)
def test_bad_queries_are_clear_problems(
    participation_client: TestClient,
    hearings: dict[str, str],
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    answer = participation_client.get("/v1/open/hearings", params={**params, "lang": "en"})
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert answer.headers["content-language"] == "en"
