"""The operations API through the real app: who may use it, and what it tells an operator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gateway.api.ops import CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE
from gateway.routing.journey import hops_of
from tests.fixtures.gateway import OPERATOR_KEY, PORTAL_KEY
from tests.integration.ops.conftest import OPERATOR, PORTAL
from tests.integration.ops.requests import birth_certificate, complaint

REQUEST = "00000000-0000-4000-8000-000000000000"
READS = [
    "/v1/ops/whoami",
    "/v1/ops/requests",
    f"/v1/ops/requests/{REQUEST}",
    "/v1/ops/dead-letters",
    "/v1/ops/breakers",
    "/v1/ops/routing",
    "/v1/ops/overview",
    "/v1/ops/log",
    "/v1/ops/log/stream?follow=false",
    "/metrics",
]
CHANGES = [
    "/v1/ops/dead-letters/replay",
    "/v1/ops/dead-letters/some-message/replay",
    "/v1/ops/breakers/civil/reset",
]


@pytest.mark.parametrize("path", READS + CHANGES)
def test_the_ops_api_refuses_anyone_but_an_operator(ops_gateway, path) -> None:
    client = ops_gateway.client
    method = client.post if path in CHANGES else client.get

    anonymous = method(path)
    portal = method(path, headers=PORTAL)
    wrong_key = method(path, headers={"Authorization": "Bearer not-a-key"})

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["code"] == "auth.unauthenticated"
    assert wrong_key.status_code == 401
    assert portal.status_code == 403
    assert portal.json()["code"] == "auth.forbidden"


def test_a_dashboard_session_needs_an_operator_key_and_guards_changes(ops_gateway) -> None:
    client = ops_gateway.client
    refused = client.post("/v1/ops/session", json={"key": PORTAL_KEY})
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.cookies

    opened = client.post("/v1/ops/session", json={"key": OPERATOR_KEY})
    try:
        assert opened.status_code == 200
        assert opened.json() == {"operator": "operations-desk"}
        cookie = opened.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/v1/ops/breakers").status_code == 200

        forged = client.post("/v1/ops/breakers/civil/reset")
        meant = client.post("/v1/ops/breakers/civil/reset", headers={CSRF_HEADER: CSRF_VALUE})
        assert forged.status_code == 403
        assert meant.status_code == 200
    finally:
        assert client.delete("/v1/ops/session").status_code == 204
        client.cookies.clear()
    assert client.get("/v1/ops/breakers").status_code == 401


def test_requests_are_found_by_service_status_municipality_and_time(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    person = sandbox.seed.alive_parcel_owner(5)
    accepted = complaint(client, person, municipality="20").json()["request_id"]
    answered = birth_certificate(client, person).json()["request_id"]
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    def ids(**query: str) -> list[str]:
        response = client.get("/v1/ops/requests", params=query, headers=OPERATOR)
        assert response.status_code == 200, response.text
        return [found["request_id"] for found in response.json()["requests"]]

    assert accepted in ids(status="accepted", municipality="20", created_from=hour_ago)
    assert answered not in ids(status="accepted")
    assert answered in ids(service="birth-certificate", status="completed")
    assert ids(created_before=hour_ago) == []
    naive = client.get(
        "/v1/ops/requests", params={"created_from": "2026-01-01T00:00:00"}, headers=OPERATOR
    )
    assert naive.status_code == 400


def test_a_requests_trace_shows_its_hops_history_and_hand_off(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    person = sandbox.seed.alive_parcel_owner(6)
    request_id = complaint(client, person).json()["request_id"]

    response = client.get(f"/v1/ops/requests/{request_id}", headers=OPERATOR)

    assert response.status_code == 200, response.text
    trace = response.json()
    assert trace["request"]["status"] == "accepted"
    assert [change["status"] for change in trace["history"]] == ["accepted"]
    assert [(d["kind"], d["state"]) for d in trace["deliveries"]] == [("handoff", "waiting")]
    hops = [hop["hop"] for line in trace["log"] for hop in hops_of(line)]
    assert hops[0] == "received" and hops[-1] == "accepted"
    assert "validated" in hops
    for line in trace["log"]:
        if "hop" in line:
            assert line["client"] == "e-kosova-portal"
            assert line["service"] == "municipal-service-complaint"
    assert person.personal_number not in json.dumps(trace)
    unknown = client.get(f"/v1/ops/requests/{REQUEST}", headers=OPERATOR)
    assert unknown.status_code == 404


def test_the_routing_table_is_shown_as_loaded_without_secrets(ops_gateway) -> None:
    response = ops_gateway.client.get("/v1/ops/routing", headers=OPERATOR)

    table = response.json()
    assert table["count"] == len(ops_gateway.gateway.table.routes)
    assert set(table["registries"]) >= {"civil", "business", "cadastre"}
    assert table["registries"]["civil"]["breaker"]["failure_threshold"] >= 1
    birth = next(route for route in table["routes"] if route["service"] == "birth-certificate")
    assert birth["mode"] == "sync" and birth["calls"][0]["registry"] == "civil"
    assert "key_sha256" not in response.text


def test_an_open_breaker_is_seen_and_reset_by_the_operator(ops_gateway, sandbox_reset) -> None:
    client = ops_gateway.client
    person = sandbox_reset.seed.alive_parcel_owner(7)
    sandbox_reset.set_faults("civil", down="refuse")
    for _ in range(3):
        birth_certificate(client, person)
    states = {
        b["registry"]: b["state"] for b in client.get("/v1/ops/breakers", headers=OPERATOR).json()
    }
    assert states["civil"] == "open"
    sandbox_reset.reset_faults()

    reset = client.post("/v1/ops/breakers/civil/reset", headers=OPERATOR)

    assert reset.status_code == 200
    here = ops_gateway.gateway.live_log.instance
    assert reset.json() == {
        "registry": "civil",
        "previous_state": "open",
        "state": "closed",
        "instance": here,
        "broadcast": False,
        "acknowledged": 1,
        "instances": [{"instance": here, "previous_state": "open"}],
        "unanswered": [],
    }
    assert birth_certificate(client, person).status_code == 200, "no cool-down after a reset"
    unknown = client.post("/v1/ops/breakers/nowhere/reset", headers=OPERATOR)
    assert unknown.status_code == 404


def test_the_live_log_streams_a_requests_hops_masked(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    person = sandbox.seed.alive_parcel_owner(8)
    request_id = birth_certificate(client, person).json()["request_id"]

    with client.stream(
        "GET", "/v1/ops/log/stream?follow=false&backlog=2000&routing_only=true", headers=OPERATOR
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())

    events = [
        json.loads(line.removeprefix("data: "))
        for line in text.splitlines()
        if line.startswith("data: ")
    ]
    mine = [event for event in events if event.get("request_id") == request_id]
    (line,) = mine  # one routing-log line for the whole request
    assert (line["event"], line["hop"]) == ("route.request", "answered")
    assert line["outcome"] == "answered"
    assert [hop["hop"] for hop in hops_of(line)] == [
        "received",
        "validated",
        "registry_call",
        "registry_call",
        "rule",
        "answered",
    ]
    assert all("outcome" in hop for hop in hops_of(line))
    assert all("duration_ms" in hop for hop in line["hops"][1:]), "every step says how long"
    calls = [hop for hop in line["hops"] if hop["hop"] == "registry_call"]
    assert all(hop["registry"] and hop["operation"] for hop in calls)
    assert all(event.get("hop") for event in events)
    assert person.personal_number not in text
    recent = client.get("/v1/ops/log", params={"request_id": request_id}, headers=OPERATOR)
    assert {line["event"] for line in recent.json()["lines"]} >= {"http.request.finished"}


def test_the_live_log_stream_names_each_lines_instance_and_another_instances_gap(
    ops_gateway, sandbox
) -> None:
    client, running = ops_gateway.client, ops_gateway.gateway
    request_id = birth_certificate(client, sandbox.seed.alive_parcel_owner(9)).json()["request_id"]
    running.live_log.receive({"instance": "gw-elsewhere", "gap": 4})
    running.live_log.receive({"hop": "received", "request_id": "r-9", "instance": "gw-elsewhere"})

    with client.stream(
        "GET", "/v1/ops/log/stream?follow=false&backlog=2000&routing_only=true", headers=OPERATOR
    ) as response:
        text = "".join(response.iter_text())

    sent = [_field_values(block) for block in text.split("\n\n") if "data: " in block]
    own = [data for kind, data in sent if kind == "log" and data.get("request_id") == request_id]
    assert own and {data["instance"] for data in own} == {running.live_log.instance}
    assert ("gap", {"instance": "gw-elsewhere", "dropped": 4}) in sent
    assert ("log", {"hop": "received", "request_id": "r-9", "instance": "gw-elsewhere"}) in sent


def _field_values(block: str) -> tuple[str, dict[str, object]]:
    """One server-sent event: its ``event`` name and its JSON ``data``."""
    fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
    return fields.get("event", "message"), json.loads(fields["data"])
