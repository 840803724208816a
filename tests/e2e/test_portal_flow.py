"""The portal's view, through a real gateway process and the real sandbox registries.

The gateway runs as operators run it (``ekomunat-gateway serve``); requests travel over
loopback HTTP; what it logs is read back from its log file afterwards.
"""

from __future__ import annotations

import json

import pytest

from tests.fixtures.gateway import (
    GatewayProcess,
    citizen_request,
    http_json,
    portal_headers,
    registry_environment,
)


@pytest.fixture(scope="module")
def gateway(sandbox, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gateway-process")
    process = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        },
        folder / "gateway.log",
    )
    process.wait_ready()
    yield process
    process.stop()


def test_sync_async_and_refused_requests_through_the_real_server(gateway, sandbox):
    seed = sandbox.seed
    owner = seed.alive_parcel_owner(11)
    zone = seed.possessions[owner.personal_number][0][0].cadastral_zone
    deceased = seed.deceased_person(3)
    url = f"{gateway.base}/v1/requests"

    listed = http_json(
        "POST",
        url,
        citizen_request(owner, "possession-list", {"purpose": "other", "cadastral_zone": zone}),
        portal_headers(),
    )
    complaint = http_json(
        "POST",
        url,
        citizen_request(
            owner, "municipal-service-complaint", {"description": "Pritja ishte e gjatë."}
        ),
        portal_headers("sq"),
    )
    refused = http_json(
        "POST",
        url,
        citizen_request(deceased, "birth-certificate", {"purpose": "other"}, language="sr"),
        portal_headers("sr"),
    )

    status, _headers, answer = listed
    assert status == 200
    hops = [(h["registry"], h["outcome"]) for h in answer["trace"] if "registry" in h]
    assert sorted(hops) == [("cadastre", "found"), ("civil", "found")]
    status, headers, accepted = complaint
    assert status == 202
    assert headers["location"] == accepted["status_url"]
    followed = http_json("GET", gateway.base + accepted["status_url"], headers=portal_headers())
    assert followed[0] == 200
    assert followed[2]["status"] == "accepted"
    status, headers, problem = refused
    assert status == 422
    assert headers["content-type"] == "application/problem+json"
    assert problem["code"] == "rule.failed"
    assert problem["title"] == "Zahtev ne ispunjava uslove usluge"


def test_the_log_follows_each_hop_and_never_holds_a_personal_number(gateway, sandbox):
    seed = sandbox.seed
    people = [seed.alive_parcel_owner(12), seed.married_person(5), seed.deceased_person(4)]
    for person in people:
        http_json(
            "POST",
            f"{gateway.base}/v1/requests",
            citizen_request(person, "marriage-certificate", {"purpose": "other"}),
            portal_headers(),
        )

    log = gateway.log_text()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]

    for person in people:
        assert person.personal_number not in log
    lines = [r for r in records if r.get("event") == "route.request"]
    calls = [
        (line["request_id"], hop)
        for line in lines
        for hop in line["hops"]
        if hop["hop"] == "registry_call"
    ]
    assert calls and all(
        request_id and {"registry", "outcome", "duration_ms"} <= set(hop)
        for request_id, hop in calls
    )
    finished = [r for r in records if r.get("event") == "http.request.finished"]
    assert {request_id for request_id, _ in calls} <= {r["request_id"] for r in finished}
