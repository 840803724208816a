"""A legality review from submission to decision, through RabbitMQ, on real parts.

A municipality's client submits acts over HTTP; the gateway commits each with its outbox row;
the relay publishes them to the ministry's queue; the reference ministry (``sandbox.ministry``)
stores them and decides; its decisions come back on the review exchange, are checked by the
gateway's consumer and recorded; the public reads every act, its state and its dates at
``/v1/open/acts``. The store is SQLite, then PostgreSQL; the broker is the real one, in a
private topology.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.amqp.topology import TopologyNames
from gateway.acts.consumer import ActReviewConsumer
from gateway.relay import Relay
from sandbox.ministry import Ministry
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.participation import act_body, act_number, municipality_headers
from tests.integration.relay.probes import running, wait_until

CODES = ["19", "20"]


@pytest.fixture
def review_loop(
    participation_client: TestClient,
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
    tmp_path: Path,
) -> Iterator[Ministry]:
    store = participation_client.gateway.store  # type: ignore[attr-defined]
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=CODES)
    consumer = ActReviewConsumer(store, amqp_url, names=topology_names, municipality_codes=CODES)
    # The ministry logs in as its own broker user: the gateway trusts no other sender.
    ministry = Ministry(
        broker_users.ministry().url,
        tmp_path / "ministry.db",
        prefix=topology_names.prefix,
        decision_delay_s=0.4,
    )
    with running(relay, consumer, ministry):
        yield ministry
    ministry.database.close()


def _state(client: TestClient, act_id: str, code: str = "19") -> str:
    return str(
        client.get(f"/v1/acts/{act_id}", headers=municipality_headers(code)).json()["review_state"]
    )


def _public(client: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    rows = client.get("/v1/open/acts", params={"page_size": "1000", **params}).json()["data"]
    return {row["act_id"]: row for row in rows}


def test_acts_go_to_the_ministry_and_its_decisions_reach_the_public(
    participation_client: TestClient, review_loop: Ministry
) -> None:
    client = participation_client
    decision = client.post(
        "/v1/acts",
        headers=municipality_headers("20"),
        json=act_body(
            municipality="20",
            kind="mayor_decision",
            number=act_number(),
            title={"sq": "Vendim për orarin e tregut", "sr": "Odluka o radnom vremenu pijace"},
        ),
    )
    number = act_number()
    regulation = client.post("/v1/acts", headers=municipality_headers("19"), json=act_body(number))
    assert decision.status_code == 202 and regulation.status_code == 202, regulation.text
    decision_id, regulation_id = decision.json()["act_id"], regulation.json()["act_id"]

    wait_until(lambda: _state(client, decision_id, "20") == "found_lawful", what="found lawful")
    wait_until(
        lambda: _state(client, regulation_id) == "reconsideration_requested",
        what="reconsideration requested",
    )
    asked = _public(client, municipality="19", lang="en")[regulation_id]
    assert "reconsidered" in asked["ministry_note"]
    assert asked["review_state_name"] == "Reconsideration requested"

    # The municipality reconsiders: a new text of the same act goes to the ministry.
    revised = client.put(
        f"/v1/acts/{regulation_id}",
        headers=municipality_headers("19"),
        json=act_body(
            number,
            title={"sq": "Rregullore e ndryshuar për parkingun", "sr": "Izmenjeni pravilnik"},
            documents=[{"title": "Teksti i ri", "url": "https://prishtina.example/r-07-b.pdf"}],
        ),
    )
    assert revised.status_code == 202 and revised.json()["revision"] == 2
    wait_until(lambda: _state(client, regulation_id) == "reconsidered", what="reconsidered")

    rows = _public(client, lang="sq")
    lawful, reconsidered = rows[decision_id], rows[regulation_id]
    assert lawful["review_state"] == "found_lawful" and lawful["issuer"] == "mayor"
    assert lawful["municipality_name"] == "Prizren"
    assert lawful["submitted_at"] <= lawful["received_at"] <= lawful["review_started_at"]
    assert lawful["review_started_at"] <= lawful["decided_at"]
    assert lawful["ministry_documents"], "the ministry's assessment is published"
    assert reconsidered["revision"] == 2 and reconsidered["title"].startswith("Rregullore e ndr")
    assert reconsidered["reconsideration_requested_at"] <= reconsidered["decided_at"]
    assert reconsidered["review_state_name"] == "I rishqyrtuar"
    sent = review_loop.database.decisions()
    assert [state for act, state in sent if act == regulation_id] == [
        "received",
        "under_review",
        "reconsideration_requested",
        "reconsidered",
    ]
    as_csv = client.get("/v1/open/acts", params={"format": "csv", "review_state": "found_lawful"})
    (line,) = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert line["act_id"] == decision_id and line["decided_at"] == lawful["decided_at"]


def test_a_withdrawn_act_reaches_the_ministry_and_is_decided_no_further(
    participation_client: TestClient, review_loop: Ministry
) -> None:
    client = participation_client
    body = act_body(act_number())
    act_id = client.post("/v1/acts", headers=municipality_headers(), json=body).json()["act_id"]
    withdrawn = client.post(
        f"/v1/acts/{act_id}/withdrawal",
        headers=municipality_headers(),
        json={"reason": {"sq": "Akti u shfuqizua.", "sr": "Akt je stavljen van snage."}},
    )
    assert withdrawn.status_code == 202 and withdrawn.json()["review_state"] == "withdrawn"

    def ministry_has_the_withdrawal() -> bool:
        with review_loop.database.lock:
            actions = review_loop.database.connection.execute(
                "SELECT action FROM submissions WHERE act_id = ?", (act_id,)
            ).fetchall()
        return ("withdrawn",) in actions

    wait_until(ministry_has_the_withdrawal, what="the withdrawal at the ministry")
    row = _public(client)[act_id]
    assert row["review_state"] == "withdrawn" and row["withdrawn_at"] is not None
    assert _state(client, act_id) == "withdrawn"
