"""``/v1/assemblies`` through the real gateway: what a municipality publishes, and the rules
it is held to (the agenda's notice, quorum, majority, versioned votes, its own municipality
only). SQLite, then PostgreSQL (``participation_client``); the clock is the gateway's own,
moved on by the tests that need a session to have been held.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.kosovo_days import kosovo_date
from tests.fixtures.participation import act_body, act_number, municipality_headers

MEMBERS = ("m1", "m2", "m3", "m4", "m5")


def _prefix() -> str:
    return uuid.uuid4().hex[:6]


@contextmanager
def later(client: TestClient, by: timedelta) -> Iterator[None]:
    clock = client.clock  # type: ignore[attr-defined]
    clock.ahead += by
    try:
        yield
    finally:
        clock.ahead -= by


def members_body(prefix: str, code: str = "19") -> dict[str, Any]:
    members = [
        {
            "member_id": f"{prefix}-{name}",
            "municipality": code,
            "mandate": "2025-2029",
            "name": f"Anëtari {name.upper()}",
            "party": "Lista A" if index % 2 else "Lista B",
            "committees": ["Komiteti për politikë dhe financa"] if index < 2 else [],
            "office_from": "2025-11-20",
        }
        for index, name in enumerate(MEMBERS)
    ]
    members.append(
        {
            "member_id": f"{prefix}-mayor",
            "municipality": code,
            "mandate": "2025-2029",
            "name": "Kryetari",
            "party": "Lista A",
            "role": "mayor",
            "office_from": "2025-11-20",
        }
    )
    return {"members": members}


def session_body(
    reference: str, held_in: timedelta, *, kind: str = "regular", code: str = "19"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality": code,
        "reference": reference,
        "kind": kind,
        "held_at": (datetime.now(UTC) + held_in).isoformat(),
        "place": {"sq": "Salla e Kuvendit", "sr": "Sala Skupštine"},
        "agenda": [
            {
                "number": 1,
                "title": {"sq": "Rregullore për parkingun", "sr": "Pravilnik o parkiranju"},
                "documents": [{"title": "Projekti", "url": "https://prishtina.example/p1.pdf"}],
            },
            {
                "number": 2,
                "title": {"sq": "Ndryshimi i statutit", "sr": "Izmena statuta"},
                "majority": "two_thirds",
            },
        ],
    }
    if kind == "committee":
        body["committee"] = "Komiteti për politikë dhe financa"
    return body


def vote_body(prefix: str, options: dict[str, str], outcome: str, **extra: Any) -> dict[str, Any]:
    votes = [
        {"member_id": f"{prefix}-{name}", "option": options.get(name, "absent")} for name in MEMBERS
    ]
    return {"outcome": outcome, "votes": votes, **extra}


@pytest.fixture(scope="module")
def assembly(participation_client: TestClient) -> dict[str, Any]:
    """Prishtinë's members, and a regular session published 8 days ahead of it."""
    prefix = _prefix()
    answer = participation_client.put(
        "/v1/assemblies/19/members", headers=municipality_headers("19"), json=members_body(prefix)
    )
    assert answer.status_code == 200, answer.text
    reference = f"KK-{prefix}"
    published = participation_client.post(
        "/v1/assemblies/19/sessions",
        headers=municipality_headers("19"),
        json=session_body(reference, timedelta(days=8)),
    )
    assert published.status_code == 201, published.text
    return {"prefix": prefix, "session_id": published.json()["session_id"], "reference": reference}


def _vote(
    client: TestClient,
    session_id: str,
    item: int,
    body: dict[str, Any],
    code: str = "19",
    language: str = "en",
) -> Any:
    return client.put(
        f"/v1/assemblies/{code}/sessions/{session_id}/items/{item}/vote",
        headers=municipality_headers(code, language),
        json=body,
    )


def test_members_are_published_and_read_back(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    answer = participation_client.get("/v1/assemblies/19/members", headers=municipality_headers())
    assert answer.status_code == 200
    ids = {member["member_id"] for member in answer.json()["members"]}
    assert {f"{assembly['prefix']}-{name}" for name in (*MEMBERS, "mayor")} <= ids


def test_a_municipality_acting_for_another_is_refused(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    prefix = assembly["prefix"]
    for answer in (
        participation_client.put(
            "/v1/assemblies/19/members",
            headers=municipality_headers("20", "sq"),
            json=members_body(_prefix()),
        ),
        participation_client.put(
            "/v1/assemblies/20/members",
            headers=municipality_headers("20", "sq"),
            json=members_body(_prefix(), code="19"),
        ),
        participation_client.post(
            "/v1/assemblies/20/sessions",
            headers=municipality_headers("20", "sq"),
            json=session_body(f"KK-{_prefix()}", timedelta(days=9), code="19"),
        ),
        _vote(
            participation_client,
            assembly["session_id"],
            1,
            vote_body(prefix, {"m1": "for", "m2": "for", "m3": "for"}, "adopted"),
            code="20",
            language="sq",
        ),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["code"] == "assembly.not_owner"
        assert problem["title"] == "Kjo i takon një komune tjetër"
    members = participation_client.get("/v1/assemblies/19/members", headers=municipality_headers())
    assert len(members.json()["members"]) == len(MEMBERS) + 1, "nothing refused was stored"


def test_a_regular_agenda_comes_at_least_seven_days_ahead(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    late = participation_client.post(
        "/v1/assemblies/19/sessions",
        headers=municipality_headers(),
        json=session_body(f"KK-{_prefix()}", timedelta(days=6, hours=23)),
    )
    assert late.status_code == 422, late.text
    assert late.json()["code"] == "assembly.agenda.too_late"
    assert late.json()["notice_days_required"] == 7
    extraordinary = participation_client.post(
        "/v1/assemblies/19/sessions",
        headers=municipality_headers(),
        json=session_body(f"KJ-{_prefix()}", timedelta(days=1), kind="extraordinary"),
    )
    assert extraordinary.status_code == 201, extraordinary.text


def test_a_session_published_again_is_a_replay_and_another_under_its_reference_a_conflict(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    body = session_body(f"KK-{_prefix()}", timedelta(days=10))
    first = participation_client.post(
        "/v1/assemblies/19/sessions", headers=municipality_headers(), json=body
    )
    again = participation_client.post(
        "/v1/assemblies/19/sessions", headers=municipality_headers(), json=body
    )
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["session_id"] == first.json()["session_id"]
    other = participation_client.post(
        "/v1/assemblies/19/sessions",
        headers=municipality_headers(),
        json={**body, "public_may_attend": False},
    )
    assert other.status_code == 409 and other.json()["code"] == "assembly.reference.taken"


def test_a_changed_agenda_is_a_new_version_with_its_reason(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    body = session_body(f"KK-{_prefix()}", timedelta(days=12))
    session_id = participation_client.post(
        "/v1/assemblies/19/sessions", headers=municipality_headers(), json=body
    ).json()["session_id"]
    changed = {**body, "agenda": body["agenda"][:1]}
    reason = {"sq": "Pika 2 shtyhet", "sr": "Tačka 2 se odlaže"}
    answer = participation_client.put(
        f"/v1/assemblies/19/sessions/{session_id}",
        headers=municipality_headers(),
        json={"session": changed, "reason": reason},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2 and len(answer.json()["agenda"]) == 1
    too_close = {**changed, "held_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()}
    late = participation_client.put(
        f"/v1/assemblies/19/sessions/{session_id}",
        headers=municipality_headers(),
        json={"session": too_close, "reason": reason},
    )
    assert late.status_code == 422 and late.json()["code"] == "assembly.agenda.too_late"
    read = participation_client.get(
        f"/v1/assemblies/19/sessions/{session_id}", headers=municipality_headers()
    ).json()
    (earlier,) = read["earlier_versions"]
    assert earlier["version"] == 1 and len(earlier["session"]["agenda"]) == 2
    assert earlier["replaced_because"]["sq"] == "Pika 2 shtyhet"
    rows = participation_client.get(
        "/v1/open/assembly-sessions", params={"municipality": "19", "page_size": "1000"}
    ).json()["data"]
    assert [(r["version"], r["item_number"]) for r in rows if r["session_id"] == session_id] == [
        (2, 1)
    ]


def test_a_vote_waits_for_the_session(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    early = _vote(
        participation_client,
        assembly["session_id"],
        1,
        vote_body(assembly["prefix"], {"m1": "for", "m2": "for", "m3": "for"}, "adopted"),
    )
    assert early.status_code == 409 and early.json()["code"] == "assembly.vote.too_early"


def test_quorum_and_majority_are_checked_and_a_correction_is_a_new_version(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    prefix, session_id = assembly["prefix"], assembly["session_id"]
    with later(participation_client, timedelta(days=9)):
        # Two of five present: no quorum (more than half must be there).
        no_quorum = _vote(
            participation_client,
            session_id,
            1,
            vote_body(prefix, {"m1": "for", "m2": "for"}, "adopted"),
        )
        assert no_quorum.status_code == 422, no_quorum.text
        assert no_quorum.json()["code"] == "assembly.vote.no_quorum"
        assert (no_quorum.json()["members"], no_quorum.json()["present"]) == (5, 2)
        # Three present, one for and two against: the declared "adopted" is refused.
        wrong = _vote(
            participation_client,
            session_id,
            1,
            vote_body(prefix, {"m1": "for", "m2": "against", "m3": "against"}, "adopted"),
        )
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "assembly.vote.outcome_mismatch"
        assert wrong.json()["votes_give"] == "rejected"
        # Abstentions are not votes cast: two for, one against, one abstained is adopted.
        first = _vote(
            participation_client,
            session_id,
            1,
            vote_body(
                prefix,
                {"m1": "for", "m2": "for", "m3": "against", "m4": "abstained"},
                "adopted",
            ),
        )
        assert first.status_code == 200, first.text
        # Two thirds of the members present and voting: three for and two against is not.
        statute = _vote(
            participation_client,
            session_id,
            2,
            vote_body(
                prefix,
                {"m1": "for", "m2": "for", "m3": "for", "m4": "against", "m5": "against"},
                "adopted",
            ),
        )
        assert statute.status_code == 422
        assert statute.json()["votes_give"] == "rejected"
        # A member missing from the list, or a stranger in it, is refused.
        missing = vote_body(prefix, {"m1": "for", "m2": "for", "m3": "for"}, "adopted")
        missing["votes"] = missing["votes"][:-1]
        incomplete = _vote(participation_client, session_id, 2, missing)
        assert incomplete.json()["code"] == "assembly.vote.incomplete"
        stranger = vote_body(prefix, {"m1": "for", "m2": "for", "m3": "for"}, "adopted")
        stranger["votes"][-1] = {"member_id": f"{prefix}-mayor", "option": "for"}
        assert (
            _vote(participation_client, session_id, 2, stranger).json()["code"]
            == "assembly.member.unknown"
        )

        # The same vote again is a replay; a different one needs a reason.
        same = _vote(
            participation_client,
            session_id,
            1,
            vote_body(
                prefix,
                {"m1": "for", "m2": "for", "m3": "against", "m4": "abstained"},
                "adopted",
            ),
        )
        assert same.status_code == 200 and same.headers["Idempotent-Replayed"] == "true"
        corrected = vote_body(
            prefix, {"m1": "for", "m2": "for", "m3": "against", "m4": "for"}, "adopted"
        )
        refused = _vote(participation_client, session_id, 1, corrected)
        assert refused.status_code == 409
        assert refused.json()["code"] == "assembly.change.reason_required"
        corrected["reason"] = {
            "sq": "M4 votoi për, jo abstenim (procesverbali)",
            "sr": "M4 je glasao za, ne uzdržan (zapisnik)",
        }
        second = _vote(participation_client, session_id, 1, corrected)
        assert second.status_code == 200, second.text

    session = participation_client.get(
        f"/v1/assemblies/19/sessions/{session_id}", headers=municipality_headers()
    ).json()
    versions = session["agenda"][0]["votes"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["counts"]["abstained"] == 1 and versions[1]["counts"]["for"] == 3
    assert "reason" not in versions[0] and versions[1]["reason"]["sq"].startswith("M4")
    assert session["agenda"][1]["outcome"] == "pending"

    current = participation_client.get(
        "/v1/open/assembly-votes", params={"municipality": "19", "lang": "en"}
    ).json()["data"]
    mine = [row for row in current if row["session_id"] == session_id]
    assert [(row["version"], row["count_for"]) for row in mine] == [(2, 3)]
    assert mine[0]["correction_reason"].startswith("M4")
    every = participation_client.get(
        "/v1/open/assembly-votes", params={"municipality": "19", "versions": "all"}
    ).json()["data"]
    assert sorted(r["version"] for r in every if r["session_id"] == session_id) == [1, 2]
    sessions = participation_client.get(
        "/v1/open/assembly-sessions", params={"municipality": "19", "page_size": "1000"}
    ).json()["data"]
    attendance = {
        (r["members_serving"], r["members_present"])
        for r in sessions
        if r["session_id"] == session_id
    }
    assert attendance == {(5, 4)}, "m5 was absent from every vote of the session"


def test_an_adopted_decision_links_to_its_act_under_legality_review(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    prefix = assembly["prefix"]
    act = participation_client.post(
        "/v1/acts", headers=municipality_headers(), json=act_body(act_number())
    )
    assert act.status_code in (201, 202), act.text
    act_id = act.json()["act_id"]
    session = participation_client.post(
        "/v1/assemblies/19/sessions",
        headers=municipality_headers(),
        json=session_body(f"KK-{prefix}-b", timedelta(days=7, hours=1)),
    ).json()
    with later(participation_client, timedelta(days=8)):
        wrong_act = _vote(
            participation_client,
            session["session_id"],
            1,
            vote_body(
                prefix, {"m1": "for", "m2": "for", "m3": "for"}, "adopted", act_id=str(uuid.uuid4())
            ),
        )
        assert wrong_act.json()["code"] == "assembly.act.unknown"
        linked = _vote(
            participation_client,
            session["session_id"],
            1,
            vote_body(prefix, {"m1": "for", "m2": "for", "m3": "for"}, "adopted", act_id=act_id),
        )
        assert linked.status_code == 200, linked.text
    decisions = participation_client.get(
        "/v1/open/assembly-decisions",
        params={"municipality": "19", "issuer": "assembly", "lang": "sr"},
    ).json()["data"]
    row = next(r for r in decisions if r["act_id"] == act_id)
    assert row["legality_review"] == "submitted"
    assert row["issuer_name"] and row["title"] == "Pravilnik o parkiranju"


def test_minutes_and_the_mayors_meetings(
    participation_client: TestClient, assembly: dict[str, Any]
) -> None:
    minutes = {
        "approved_on": (datetime.now(UTC) + timedelta(days=20)).date().isoformat(),
        "documents": [{"title": "Procesverbali", "url": "https://prishtina.example/pv.pdf"}],
    }
    early = participation_client.post(
        f"/v1/assemblies/19/sessions/{assembly['session_id']}/minutes",
        headers=municipality_headers(),
        json=minutes,
    )
    assert early.json()["code"] == "assembly.minutes.too_early"
    with later(participation_client, timedelta(days=21)):
        approved = participation_client.post(
            f"/v1/assemblies/19/sessions/{assembly['session_id']}/minutes",
            headers=municipality_headers(),
            json=minutes,
        )
        assert approved.status_code == 200, approved.text
    held_at = datetime.now(UTC) + timedelta(days=2)
    meeting = participation_client.post(
        "/v1/assemblies/19/mayor/meetings",
        headers=municipality_headers(),
        json={
            "municipality": "19",
            "reference": f"TP-{assembly['prefix']}",
            "held_at": held_at.isoformat(),
            "place": {"sq": "Lagjja Dardania", "sr": "Naselje Dardanija"},
            "topics": [{"sq": "Ujësjellësi", "sr": "Vodovod"}],
        },
    )
    assert meeting.status_code == 201, meeting.text
    report_url = f"{meeting.json()['status_url']}/report"
    report = {"summary": {"sq": "U diskutua ujësjellësi", "sr": "Razgovaralo se o vodovodu"}}
    too_early = participation_client.post(report_url, headers=municipality_headers(), json=report)
    assert too_early.json()["code"] == "assembly.report.too_early"
    with later(participation_client, timedelta(days=3)):
        reported = participation_client.post(
            report_url, headers=municipality_headers(), json=report
        )
        assert reported.status_code == 200, reported.text
        rows = participation_client.get(
            "/v1/open/mayor-meetings", params={"municipality": "19"}
        ).json()["data"]
    year = kosovo_date(held_at).year
    row = next(r for r in rows if r["year"] == year)
    assert row["meetings_required"] == 2
    assert row["meetings_held"] >= 1 and row["meetings_reported"] >= 1
    assert row["requirement_met"] is (row["meetings_held"] >= 2)
