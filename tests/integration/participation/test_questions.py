"""Citizens' questions through the real gateway: asked through the portal, answered by the
recipient's municipality only, published without the asker, counted overdue past the deadline,
and the questions' feeds in JSON and CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from gateway.store.participation import assembly_questions
from gateway.store.tables import outbox, requests
from tests.fixtures.gateway import portal_headers
from tests.fixtures.participation import count_rows, municipality_headers

ASKER = {"personal_number": "1234567892", "first_name": "Besa", "last_name": "Krasniqi"}


def _ask(
    client: TestClient,
    recipient: str,
    *,
    municipality: str = "19",
    text: str = "Kur do të riparohet rruga e shkollës?",
    anonymous: bool = False,
) -> Any:
    body: dict[str, Any] = {
        "service": "assembly-question",
        "municipality": municipality,
        "language": "sq",
        "form": {"recipient": recipient, "subject": "Rruga e shkollës", "text": text},
    }
    if not anonymous:
        body["applicant"] = ASKER
    return client.post("/v1/requests", headers=portal_headers(), json=body)


def _answer(client: TestClient, question_id: str, code: str = "19") -> Any:
    return client.post(
        f"/v1/questions/{question_id}/answer",
        headers=municipality_headers(code),
        json={"text": "Rruga riparohet në pranverë, me buxhetin e vitit 2027."},
    )


def _rows(client: TestClient, feed: str, **params: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/open/{feed}", params={"page_size": "1000", **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]  # type: ignore[no-any-return]


def _stored(client: TestClient) -> tuple[int, ...]:
    store = client.gateway.store  # type: ignore[attr-defined]
    return tuple(count_rows(store, t) for t in (requests, outbox, assembly_questions))


def test_a_question_is_answered_by_its_own_municipality_and_published_without_the_asker(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    asked = _ask(client, "19-2025-07")
    assert asked.status_code == 202, asked.text
    question_id = asked.json()["request_id"]

    other = _answer(client, question_id, code="20")
    assert (other.status_code, other.json()["code"]) == (403, "question.not_owner")
    peek = client.get(f"/v1/questions/{question_id}", headers=municipality_headers("20"))
    assert (peek.status_code, peek.json()["code"]) == (403, "question.not_owner")
    mine = client.get(f"/v1/questions/{question_id}", headers=municipality_headers("19"))
    assert mine.json()["state"] == "open" and mine.json()["recipient"]["name"] == "Arta Berisha"

    signed_with_a_phone = client.post(
        f"/v1/questions/{question_id}/answer",
        headers=municipality_headers("19"),
        json={"text": "Rruga riparohet në pranverë.", "answered_by": "Arta Berisha, 044 123 456"},
    )
    assert (signed_with_a_phone.status_code, signed_with_a_phone.json()["code"]) == (
        422,
        "question.personal_data",
    )
    assert signed_with_a_phone.json()["errors"][0]["pointer"] == "/answered_by"

    answered = _answer(client, question_id)
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered" and answered.json()["days_to_answer"] == 0.0
    again = _answer(client, question_id)
    assert (again.status_code, again.json()["code"]) == (409, "question.already_answered")

    (row,) = [
        r
        for r in _rows(client, "questions", municipality="19", lang="en")
        if r["question_id"] == question_id
    ]
    assert row["answer"].startswith("Rruga riparohet") and row["state"] == "answered"
    assert (row["recipient_role"], row["recipient_role_name"]) == (
        "member",
        "Member of the assembly",
    )
    as_csv = client.get("/v1/open/questions", params={"format": "csv"}).text
    for published in (str(row), as_csv):
        assert ASKER["personal_number"] not in published and ASKER["last_name"] not in published


def test_a_question_to_nobody_of_that_municipality_or_with_personal_data_is_refused(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    before = _stored(client)
    elsewhere = _ask(client, "20-2025-03", municipality="19")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "question.recipient.unknown")
    nobody = _ask(client, "19-2025-99")
    assert (nobody.status_code, nobody.json()["code"]) == (422, "question.recipient.unknown")
    former = _ask(client, "19-2021-04")
    assert (former.status_code, former.json()["code"]) == (422, "question.recipient.unknown")
    phone = _ask(client, "19-2025-mayor", text="Më thirrni në +383 44 123 456, ju lutem.")
    assert (phone.status_code, phone.json()["code"]) == (422, "question.personal_data")
    signed = _ask(client, "19-2025-mayor", text=f"Unë, {ASKER['last_name']}, pyes për rrugën.")
    assert (signed.status_code, signed.json()["code"]) == (422, "question.personal_data")
    assert signed.json()["errors"][0]["pointer"] == "/form/text"
    assert _stored(client) == before, "a refused question leaves nothing behind"
    anonymous = _ask(client, "19-2025-mayor", anonymous=True)
    assert anonymous.status_code == 202, anonymous.text


def test_an_unanswered_question_counts_as_overdue_after_its_deadline(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    late_id = _ask(client, "20-2025-03", municipality="20").json()["request_id"]
    waiting_id = _ask(client, "37-2025-01", municipality="37").json()["request_id"]
    stats = {r["recipient_id"]: r for r in _rows(client, "question-statistics", level="member")}
    assert stats["20-2025-03"]["overdue"] == 0 and stats["20-2025-03"]["open"] >= 1

    client.clock.ahead = timedelta(days=31)  # type: ignore[attr-defined]
    try:
        rows = {r["question_id"]: r for r in _rows(client, "questions", state="overdue", lang="en")}
        assert {late_id, waiting_id} <= set(rows)
        assert rows[late_id]["state_name"] == "Unanswered past its deadline"
        answered = _answer(client, late_id, code="20")
        assert answered.status_code == 200 and answered.json()["days_to_answer"] >= 31
        stats = {r["recipient_id"]: r for r in _rows(client, "question-statistics", level="member")}
        member = stats["37-2025-01"]
        assert (member["asked"], member["overdue"], member["answered"]) == (1, 1, 0)
        assert member["median_days_to_answer"] is None
        late = stats["20-2025-03"]
        assert late["answered_late"] == 1 and late["median_days_to_answer"] >= 31
        towns = {
            r["municipality"]: r
            for r in _rows(client, "question-statistics", level="municipality", lang="sr")
        }
        assert towns["37"]["overdue"] == 1 and towns["37"]["level_name"] == "Opština"
    finally:
        client.clock.ahead = timedelta(0)  # type: ignore[attr-defined]


def test_the_question_feeds_in_json_and_csv_with_labels_filters_and_etag(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    question_id = _ask(client, "19-2025-mayor").json()["request_id"]
    for feed in ("questions", "question-statistics"):
        as_json = client.get(f"/v1/open/{feed}", params={"municipality": "prishtine", "lang": "sr"})
        as_csv = client.get(f"/v1/open/{feed}", params={"municipality": "19", "format": "csv"})
        assert as_json.status_code == as_csv.status_code == 200
        lines = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert len(lines) == len(as_json.json()["data"]) > 0
        assert {line["municipality_name"] for line in lines} == {"Prishtinë"}
        again = client.get(
            f"/v1/open/{feed}",
            params={"municipality": "prishtine", "lang": "sr"},
            headers={"If-None-Match": as_json.headers["etag"]},
        )
        assert again.status_code == 304
    mayor = _rows(client, "questions", recipient_role="mayor", member="19-2025-mayor", lang="sr")
    row = next(r for r in mayor if r["question_id"] == question_id)
    assert (
        row["recipient_role_name"] == "Predsednik opštine" and row["state_name"] == "Čeka odgovor"
    )
    for feed, params, status, code in (
        ("questions", {"state": "late"}, 400, "open.filter.invalid"),
        ("question-statistics", {"level": "party"}, 400, "open.filter.invalid"),
        ("questions", {"year": "1999"}, 404, "open.year.unknown"),
        ("question-statistics", {"municipality": "atlantis"}, 404, "open.municipality.unknown"),
    ):
        answer = client.get(f"/v1/open/{feed}", params={**params, "lang": "en"})
        assert (answer.status_code, answer.json()["code"]) == (status, code)


def test_bad_input_to_the_question_desk_is_a_localised_problem_document(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    question_id = _ask(client, "19-2025-07").json()["request_id"]
    for method, path, body, status, code in (
        ("GET", "/v1/questions/not-a-uuid", None, 400, "request.query.invalid"),
        ("POST", f"/v1/questions/{question_id}/answer", {}, 422, "request.payload.invalid"),
        (
            "POST",
            f"/v1/questions/{question_id}/answer",
            {"text": "", "signed": True},
            422,
            "request.payload.invalid",
        ),
        (
            "POST",
            f"/v1/questions/{question_id}/answer",
            {"text": "x" * 4001},
            422,
            "request.payload.invalid",
        ),
    ):
        titles = set()
        for language in ("sr", "en"):
            answer = client.request(
                method, path, headers=municipality_headers("19", language=language), json=body
            )
            assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["errors"] and "Traceback" not in answer.text
            titles.add(answer.json()["title"])
        assert len(titles) == 2, "the title is in the language asked for"
    unknown = client.get(
        "/v1/questions/00000000-0000-4000-8000-000000000000", headers=municipality_headers()
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "question.unknown")
    assert unknown.json()["title"] == "No such question"
    portal = client.get(f"/v1/questions/{question_id}", headers=portal_headers())
    assert portal.status_code == 403 and portal.json()["code"].startswith("auth.")
    still = client.get(f"/v1/questions/{question_id}", headers=municipality_headers())
    assert still.json()["state"] == "open", "no refused answer was recorded"
