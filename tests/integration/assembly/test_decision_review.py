"""A mayor's decision published at ``/v1/assemblies`` shows its legality review's outcome, as
the ministry decides it through the real broker: the act goes out through the relay to the
sandbox ministry (its own broker user), whose decision comes back through the act-review
consumer and reaches ``/v1/open/assembly-decisions``.
"""

from __future__ import annotations

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

CODES = ["20"]


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
    ministry = Ministry(
        broker_users.ministry().url,
        tmp_path / "ministry.db",
        prefix=topology_names.prefix,
        decision_delay_s=0.2,
    )
    with running(relay, consumer, ministry):
        yield ministry
    ministry.database.close()


def _decisions(client: TestClient) -> dict[str, dict[str, Any]]:
    rows = client.get(
        "/v1/open/assembly-decisions",
        params={"municipality": "20", "issuer": "mayor", "lang": "en", "page_size": "1000"},
    ).json()["data"]
    return {row["act_id"]: row for row in rows if row["act_id"]}


def test_a_mayors_decision_shows_the_ministrys_review(
    participation_client: TestClient, review_loop: Ministry
) -> None:
    client, number = participation_client, act_number()
    act = client.post(
        "/v1/acts",
        headers=municipality_headers("20"),
        json=act_body(number, municipality="20", kind="mayor_decision"),
    )
    assert act.status_code == 202, act.text
    act_id = act.json()["act_id"]
    body = {
        "municipality": "20",
        "number": number,
        "title": {"sq": "Vendim për orarin e tregut", "sr": "Odluka o radnom vremenu pijace"},
        "decided_on": "2026-11-20",
        "act_id": act_id,
    }
    published = client.post(
        "/v1/assemblies/20/mayor/decisions", headers=municipality_headers("20"), json=body
    )
    assert published.status_code == 201, published.text
    # An assembly's act is not the mayor's: linking it is refused.
    assembly_act = client.post(
        "/v1/acts",
        headers=municipality_headers("20"),
        json=act_body(act_number(), municipality="20"),
    ).json()["act_id"]
    wrong = client.post(
        "/v1/assemblies/20/mayor/decisions",
        headers=municipality_headers("20"),
        json={**body, "number": act_number(), "act_id": assembly_act},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "assembly.act.unknown"

    wait_until(
        lambda: _decisions(client).get(act_id, {}).get("legality_review") == "found_lawful",
        what="the ministry's decision in the decisions feed",
    )
    row = _decisions(client)[act_id]
    assert row["legality_review_name"] == "Found lawful" and row["act_number"] == number
