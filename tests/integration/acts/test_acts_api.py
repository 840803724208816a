"""A municipality's client and ``/v1/acts``: what it may do, and every refusal, clearly.

Each refusal is a localised problem document, and nothing is stored half-way: neither the act
nor its message to the ministry. Real app, real store (SQLite, then PostgreSQL).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts.act_messages import ActSubmission, ReviewState
from gateway.store import Store
from gateway.store.acts import ActRepository, municipal_acts
from tests.fixtures.gateway import portal_headers
from tests.fixtures.participation import (
    act_body,
    act_number,
    count_rows,
    municipality_headers,
    outbox_rows,
)


def _store(client: TestClient) -> Store:
    return client.gateway.store  # type: ignore[attr-defined,no-any-return]


def _stored(client: TestClient) -> tuple[int, int]:
    store = _store(client)
    return count_rows(store, municipal_acts), outbox_rows(store)


def _submit(client: TestClient, code: str = "19", number: str = "", **changes: Any) -> Any:
    body = act_body(number or act_number(), **changes)
    return client.post("/v1/acts", headers=municipality_headers(code), json=body)


def _decide(client: TestClient, act_id: str, *states: ReviewState) -> None:
    """The ministry's decisions, recorded as its consumer records them."""
    with _store(client).unit_of_work() as uow:
        for state in states:
            uow.bind(ActRepository).set_state(act_id, state, source="ministry:mapl")
        uow.commit()


def test_a_submitted_act_and_its_message_to_the_ministry_are_stored_together(
    participation_client: TestClient,
) -> None:
    number = act_number()
    answer = _submit(participation_client, number=number)

    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["review_state"] == "submitted" and body["revision"] == 1
    assert answer.headers["location"] == f"/v1/acts/{body['act_id']}"
    with _store(participation_client).unit_of_work(read_only=True) as uow:
        act = uow.bind(ActRepository).get(body["act_id"])
        assert act is not None
        row = uow.outbox.get(act.message_id)
    assert row is not None and row["destination"] == "mapl.acts.19.submitted"
    assert row["headers"]["schema"] == "ekomunat.act-submission"
    message = ActSubmission.model_validate_json(row["body"])
    assert (message.action, message.revision, message.act.number) == ("submitted", 1, number)


def test_the_same_act_again_gets_the_first_answer_and_a_different_one_is_refused(
    participation_client: TestClient,
) -> None:
    number = act_number()
    first = _submit(participation_client, number=number)
    before = _stored(participation_client)

    again = _submit(participation_client, number=number)
    other = _submit(participation_client, number=number, title={"sq": "Tjetër", "sr": "Drugi"})

    assert again.status_code == 202 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["act_id"] == first.json()["act_id"]
    assert other.status_code == 409
    assert other.json()["code"] == "act.number.taken"
    assert other.json()["act_id"] == first.json()["act_id"]
    assert _stored(participation_client) == before


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "auth.unauthenticated"),
        (portal_headers(), 403, "auth.forbidden"),
    ],
)
def test_only_a_municipality_s_client_submits_acts(
    participation_client: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    before = _stored(participation_client)
    answer = participation_client.post("/v1/acts", headers=headers, json=act_body(act_number()))
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert _stored(participation_client) == before


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"kind": "mayor_regulation"}, "/kind"),
        ({"adopted_on": "2099-01-01"}, "/adopted_on"),
        ({"documents": []}, "/documents"),
        ({"title": {"sq": "Vetëm shqip"}}, "/title/sr"),
        ({"number": " 01/2026"}, "/number"),
    ],
)
def test_a_malformed_act_is_refused_field_by_field(
    participation_client: TestClient, change: dict[str, Any], pointer: str
) -> None:
    before = _stored(participation_client)
    answer = _submit(participation_client, **change)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "request.payload.invalid"
    assert pointer in [error["pointer"] for error in problem["errors"]]
    assert _stored(participation_client) == before


def test_a_municipality_acts_only_for_itself_in_its_language(
    participation_client: TestClient,
) -> None:
    number = act_number()
    act_id = _submit(participation_client, number=number).json()["act_id"]
    before = _stored(participation_client)
    prizren = municipality_headers("20", language="sr")

    refusals = [
        participation_client.post("/v1/acts", headers=prizren, json=act_body(act_number())),
        participation_client.put(f"/v1/acts/{act_id}", headers=prizren, json=act_body(number)),
        participation_client.post(f"/v1/acts/{act_id}/withdrawal", headers=prizren, json={}),
        participation_client.get(f"/v1/acts/{act_id}", headers=prizren),
    ]

    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "act.not_owner"
        assert problem["title"] == "Akt pripada drugoj opštini"
        assert "Traceback" not in refused.text
    assert _stored(participation_client) == before
    assert participation_client.get(f"/v1/acts/{act_id}", headers=municipality_headers()).json()[
        "review_state"
    ] == ("submitted")


def test_an_unknown_act_is_a_404_in_the_client_s_language(
    participation_client: TestClient,
) -> None:
    answer = participation_client.get(
        "/v1/acts/6f1c2a9e-4b7d-4e0a-9a51-2d8f0c3b7e11", headers=municipality_headers(language="sq")
    )
    assert answer.status_code == 404
    assert (answer.json()["code"], answer.json()["title"]) == ("act.unknown", "Akti nuk u gjet")


def test_a_revision_sends_a_new_text_and_keeps_the_number(
    participation_client: TestClient,
) -> None:
    number = act_number()
    act_id = _submit(participation_client, number=number).json()["act_id"]
    before = _stored(participation_client)
    new_text = act_body(number, title={"sq": "Teksti i ri", "sr": "Novi tekst"})

    revised = participation_client.put(
        f"/v1/acts/{act_id}", headers=municipality_headers(), json=new_text
    )
    same_again = participation_client.put(
        f"/v1/acts/{act_id}", headers=municipality_headers(), json=new_text
    )
    renumbered = participation_client.put(
        f"/v1/acts/{act_id}", headers=municipality_headers(), json={**new_text, "number": "9/2026"}
    )

    assert revised.status_code == 202 and revised.json()["revision"] == 2
    assert same_again.json()["revision"] == 2 and same_again.headers["idempotent-replayed"]
    assert renumbered.status_code == 422
    with _store(participation_client).unit_of_work(read_only=True) as uow:
        history = uow.bind(ActRepository).history(act_id)
        revision_row = uow.outbox.get(str(history[-1].message_id))
    assert revision_row is not None and revision_row["destination"] == "mapl.acts.19.revised"
    assert json.loads(revision_row["body"])["act"]["title"]["sq"] == "Teksti i ri"
    assert _stored(participation_client) == (before[0], before[1] + 1)


def test_an_act_whose_review_is_over_can_be_neither_revised_nor_withdrawn(
    participation_client: TestClient,
) -> None:
    number = act_number()
    act_id = _submit(participation_client, number=number).json()["act_id"]
    _decide(participation_client, act_id, ReviewState.UNDER_REVIEW, ReviewState.FOUND_LAWFUL)
    before = _stored(participation_client)

    revised = participation_client.put(
        f"/v1/acts/{act_id}",
        headers=municipality_headers(language="sq"),
        json=act_body(number, title={"sq": "Tjetër", "sr": "Drugi"}),
    )
    withdrawn = participation_client.post(
        f"/v1/acts/{act_id}/withdrawal", headers=municipality_headers(), json={}
    )

    for refused in (revised, withdrawn):
        assert refused.status_code == 409
        assert refused.json()["code"] == "act.transition.illegal"
        assert refused.json()["review_state"] == "found_lawful"
    assert revised.json()["title"].startswith("Akti nuk mund të ndryshohet")
    assert _stored(participation_client) == before


def test_a_second_withdrawal_changes_nothing(participation_client: TestClient) -> None:
    act_id = _submit(participation_client).json()["act_id"]
    first = participation_client.post(
        f"/v1/acts/{act_id}/withdrawal", headers=municipality_headers(), json={}
    )
    before = _stored(participation_client)
    second = participation_client.post(
        f"/v1/acts/{act_id}/withdrawal", headers=municipality_headers(), json={}
    )
    assert first.status_code == second.status_code == 202
    assert second.headers["idempotent-replayed"] == "true"
    assert _stored(participation_client) == before
