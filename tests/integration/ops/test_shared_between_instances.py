"""Two gateway processes on one broker vhost and one database: what an operator does through
one of them reaches the other, and what the operator reads on one covers both.

Instance B's civil registry is a closed port, so its breaker opens while A's stays healthy:
a reset sent to A must close B's too, B's requests must show in A's live log naming B, and
A's routes panel must count them.
"""

from __future__ import annotations

import json
import socket
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.routing.journey import hops_of
from tests.fixtures.gateway import (
    OPERATOR_KEY,
    GatewayProcess,
    citizen_request,
    http_json,
    portal_headers,
    registry_environment,
)
from tests.integration.relay.probes import wait_until

OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _within_60_s(check: Callable[[], Any], what: str) -> Any:
    return wait_until(check, timeout_s=60.0, interval_s=0.2, what=what)


def _stream(base: str) -> list[tuple[str, dict[str, Any]]]:
    """Every (event, data) the live-log stream sends, its backlog only."""
    request = urllib.request.Request(
        f"{base}/v1/ops/log/stream?follow=false&backlog=2000", headers=OPERATOR
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode("utf-8")
    events, kind = [], "message"
    for line in text.splitlines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((kind, json.loads(line.removeprefix("data: "))))
    return events


def _breakers(base: str) -> dict[str, str]:
    status, _, body = http_json("GET", f"{base}/v1/ops/breakers", headers=OPERATOR)
    assert status == 200
    return {breaker["registry"]: breaker["state"] for breaker in body}


def _overview(base: str) -> dict[str, Any]:
    status, _, body = http_json("GET", f"{base}/v1/ops/overview", headers=OPERATOR)
    assert status == 200
    return body


@pytest.fixture
def two_instances(sandbox, amqp_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    exchange = f"test.ops.{uuid.uuid4().hex[:10]}"
    common = {
        **registry_environment(sandbox),
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "GATEWAY_AMQP_URL": amqp_url,
        "GATEWAY_RELAY_ENABLED": "false",
        "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        "GATEWAY_OPS_EXCHANGE": exchange,
    }
    a = GatewayProcess({**common, "GATEWAY_INSTANCE_ID": "gw-a"}, tmp_path / "a.log")
    started = [a]
    try:
        a.wait_ready()
        b = GatewayProcess(
            {
                **common,
                "GATEWAY_INSTANCE_ID": "gw-b",
                "GATEWAY_CIVIL_REGISTRY_URL": f"http://127.0.0.1:{_closed_port()}/civil",
            },
            tmp_path / "b.log",
        )
        started.append(b)
        b.wait_ready()
        _within_60_s(
            lambda: (
                {"gw-b"} <= {i["instance"] for i in _overview(a.base)["instances"]}
                and {"gw-a"} <= {i["instance"] for i in _overview(b.base)["instances"]}
            ),
            "each instance hears the other's heartbeat",
        )
        yield a.base, b.base
    finally:
        for process in reversed(started):
            process.stop()


def test_a_reset_a_request_and_its_counters_reach_the_other_instance(
    two_instances: tuple[str, str], sandbox
) -> None:  # type: ignore[no-untyped-def]
    a, b = two_instances
    person = sandbox.seed.alive_parcel_owner(31)
    body = citizen_request(person, "birth-certificate", {"purpose": "employment"})
    request_ids = []
    for _ in range(5):
        status, _, answer = http_json("POST", f"{b}/v1/requests", body, portal_headers())
        assert status == 503, answer
        request_ids.append(answer["request_id"])
        if _breakers(b)["civil"] == "open":
            break
    assert _breakers(b)["civil"] == "open"
    assert _breakers(a)["civil"] == "closed"

    def b_lines_on_a() -> list[dict[str, Any]] | None:
        """B's lines for these requests once the registry call has reached A's live log too:
        the broadcast delivers them one by one, so the first poll may hold only the earlier
        hops."""
        lines = [
            data
            for kind, data in _stream(a)
            if kind == "log" and data.get("hop") and data.get("http_request_id") in request_ids
        ]
        hops = {hop["hop"] for line in lines for hop in hops_of(line)}
        return lines if {"received", "registry_call"} <= hops else None

    lines = _within_60_s(b_lines_on_a, "B's received and registry-call hops in A's live log")
    assert {line["instance"] for line in lines} == {"gw-b"}
    # Each request is one line there, its hops listed in it, ending with the refusal.
    for line in lines:
        assert (line["hop"], line["outcome"][:15]) == ("refused", "registry.civil.")
        steps = [hop["hop"] for hop in hops_of(line)]
        assert (steps[0], steps[-1]) == ("received", "refused")
    assert person.personal_number not in json.dumps(lines)

    def counted_on_a() -> dict[str, Any] | None:
        route = next(
            (r for r in _overview(a)["routes"] if r["service"] == "birth-certificate"), None
        )
        return route if route and route["instances"].get("gw-b") == len(request_ids) else None

    route = _within_60_s(counted_on_a, "A's routes panel counts B's requests")
    assert route["total"] == sum(route["instances"].values())

    status, _, reset = http_json("POST", f"{a}/v1/ops/breakers/civil/reset", headers=OPERATOR)

    assert status == 200
    assert reset["broadcast"] is True
    assert reset["acknowledged"] == 2
    assert {"instance": "gw-b", "previous_state": "open"} in reset["instances"]
    assert reset["unanswered"] == []
    assert _breakers(b)["civil"] == "closed", "the reset through A closed B's breaker"
