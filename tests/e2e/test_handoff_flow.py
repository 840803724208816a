"""Every 202 reaches its municipality exactly once in effect, whatever fails.

Real processes throughout: the gateway (``ekomunat-gateway serve`` with its relay and status
consumer), the sandbox registries, a sandbox back-office for Prishtinë consuming its queue,
and RabbitMQ in a private virtual host. The back-office's own SQLite file is the witness of
what was delivered, and how often.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.fixtures.broker import (
    BrokerControl,
    private_vhost,
    vhost_url,
)
from tests.fixtures.broker_users import e2e_party
from tests.fixtures.gateway import (
    GatewayProcess,
    http_json,
    portal_headers,
    registry_environment,
    sandbox_office,
)

MUNICIPALITY = "19"
FINAL = {"approved", "rejected", "closed"}


@pytest.fixture(scope="module")
def amqp_url():
    with private_vhost("ekomunat-e2e") as vhost:
        yield vhost_url(vhost)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("handoff")


@pytest.fixture(scope="module")
def backoffice(amqp_url, folder):
    database = folder / "backoffice-19.db"
    with sandbox_office(
        "sandbox.backoffice",
        *("--municipality", MUNICIPALITY),
        *("--amqp-url", e2e_party(amqp_url).municipality(MUNICIPALITY).url),
        *("--database", str(database), "--decision-delay", "0.2"),
        log_path=folder / "backoffice.log",
    ):
        yield database


def start_gateway(sandbox, amqp_url, folder, *, relay: bool, name: str) -> GatewayProcess:
    process = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_RELAY_ENABLED": "true" if relay else "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "true",
        },
        folder / f"{name}.log",
    )
    process.wait_ready()
    return process


@pytest.fixture(scope="module")
def gateway(sandbox, amqp_url, folder, backoffice):
    process = start_gateway(sandbox, amqp_url, folder, relay=True, name="gateway")
    yield process
    process.stop()


def submit_complaint(base: str, person, text: str, language: str = "sq") -> str:
    status, _headers, body = http_json(
        "POST",
        f"{base}/v1/requests",
        {
            "service": "municipal-service-complaint",
            "municipality": MUNICIPALITY,
            "language": language,
            "applicant": {
                "personal_number": person.personal_number,
                "first_name": person.first_name,
                "last_name": person.last_name,
            },
            "form": {"description": text},
        },
        portal_headers(language),
    )
    assert status == 202, body
    return str(body["request_id"])


def wait_until_final(base: str, request_ids: list[str], timeout_s: float = 90) -> dict[str, dict]:
    deadline = time.monotonic() + timeout_s
    views: dict[str, dict] = {}
    while time.monotonic() < deadline:
        for request_id in request_ids:
            _status, _headers, view = http_json(
                "GET", f"{base}/v1/requests/{request_id}", headers=portal_headers()
            )
            views[request_id] = view
        if all(view.get("status") in FINAL for view in views.values()):
            return views
        time.sleep(0.5)
    stuck = {rid: v.get("status") for rid, v in views.items() if v.get("status") not in FINAL}
    raise AssertionError(f"not decided in time: {stuck}")


def delivered(database: Path) -> list[str]:
    """Request ids in the back-office's own store, one row per application it kept."""
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT request_id FROM applications")]


def residents(seed, count: int, offset: int):
    return [seed.person_in(MUNICIPALITY, offset + index) for index in range(count)]


def test_accepted_handed_off_decided_and_visible_to_the_portal(gateway, backoffice, sandbox):
    person = sandbox.seed.person_in(MUNICIPALITY, 1)
    request_id = submit_complaint(gateway.base, person, "Ndriçimi publik nuk punon.", "sr")

    view = wait_until_final(gateway.base, [request_id])[request_id]

    statuses = [change["status"] for change in view["history"]]
    assert statuses[0] == "accepted"
    assert "in_review" in statuses
    assert statuses[-1] == "approved"
    decided = view["history"][-1]
    assert decided["source"] != "gateway"
    assert decided["note"]["language"] == "sr"
    assert delivered(backoffice).count(request_id) == 1


def test_requests_committed_before_a_sigkill_are_published_after_the_restart(
    sandbox, amqp_url, folder, backoffice, gateway
):
    # A gateway whose relay is off stands for one killed between commit and publish.
    gateway.stop()
    silent = start_gateway(sandbox, amqp_url, folder, relay=False, name="gateway-killed")
    people = residents(sandbox.seed, 4, offset=10)
    request_ids = [submit_complaint(silent.base, p, f"Ankesa {i}.") for i, p in enumerate(people)]
    silent.stop(kill=True)
    assert silent.process.returncode == -9

    restarted = start_gateway(sandbox, amqp_url, folder, relay=True, name="gateway-restarted")
    try:
        views = wait_until_final(restarted.base, request_ids)
    finally:
        restarted.stop()

    assert {view["status"] for view in views.values()} == {"approved"}
    kept = delivered(backoffice)
    assert all(kept.count(request_id) == 1 for request_id in request_ids)


@pytest.mark.slow
def test_a_broker_outage_loses_nothing_and_duplicates_nothing(
    sandbox, amqp_url, folder, backoffice, broker_control: BrokerControl
):
    gateway = start_gateway(sandbox, amqp_url, folder, relay=True, name="gateway-outage")
    control = broker_control
    people = residents(sandbox.seed, 6, offset=20)
    try:
        control.stop()
        try:
            request_ids = [
                submit_complaint(gateway.base, p, f"Gjatë ndërprerjes {i}.")
                for i, p in enumerate(people)
            ]
            _status, _headers, ready = http_json("GET", f"{gateway.base}/ready")
            broker = next(c for c in ready["components"] if c["name"] == "broker")
        finally:
            control.start()
        views = wait_until_final(gateway.base, request_ids, timeout_s=120)
    finally:
        gateway.stop()

    assert "unreachable" in broker["detail"]
    assert "outbox" in broker["detail"]
    assert {view["status"] for view in views.values()} == {"approved"}
    kept = delivered(backoffice)
    assert all(kept.count(request_id) == 1 for request_id in request_ids)
