"""What the portal hears when a registry misbehaves, with the sandbox's fault knobs turned for real.

Each test gets a freshly bootstrapped gateway, so one test's open circuit breaker cannot
leak into the next.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from gateway.app import create_app
from tests.fixtures.gateway import (
    citizen_request,
    offline_settings,
    portal_headers,
    registry_environment,
)


@pytest.fixture
def client(sandbox_reset, tmp_path, monkeypatch):
    for name, value in registry_environment(sandbox_reset).items():
        monkeypatch.setenv(name, value)
    with TestClient(create_app(offline_settings(tmp_path / "gateway.db"))) as client:
        yield client


def birth_certificate(client, sandbox, language="en"):
    person = sandbox.seed.alive_parcel_owner()
    body = citizen_request(person, "birth-certificate", {"purpose": "other"}, language=language)
    return client.post("/v1/requests", json=body, headers=portal_headers(language))


def test_a_registry_that_is_down_gives_503_with_retry_after(client, sandbox_reset):
    sandbox_reset.set_faults("civil", down="refuse")

    response = birth_certificate(client, sandbox_reset, language="sr")

    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "registry.civil.unavailable"
    assert problem["title"].startswith("Registar civilnog stanja trenutno nije dostupan")
    assert int(response.headers["retry-after"]) > 0


def test_passing_failures_are_retried_and_the_citizen_never_sees_them(client, sandbox_reset):
    sandbox_reset.set_faults("civil", failure_rate=0.5)

    response = birth_certificate(client, sandbox_reset)

    assert response.status_code == 200, response.text
    assert sandbox_reset.stats("civil")["failures"] >= 1


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"malformed_rate": 1.0}, "answer is not well-formed XML"),
        ({"hostile": "xxe"}, "answer carries a DTD or entity declaration; refused"),
        ({"hostile": "billion_laughs"}, "answer carries a DTD or entity declaration; refused"),
    ],
)
def test_a_broken_or_hostile_answer_is_a_502_that_quotes_nothing(
    client, sandbox_reset, knobs, reason
):
    sandbox_reset.set_faults("civil", **knobs)

    with capture_logs() as logs:
        response = birth_certificate(client, sandbox_reset)

    assert response.status_code == 502
    problem = response.json()
    assert problem["code"] == "registry.civil.bad_response"
    # The operator reads why in the registry's log line; the citizen is told nothing of it.
    # The open-data refresher's calls to the other registries may land in the same window.
    calls = [
        entry
        for entry in logs
        if entry["event"] == "registry.call.finished" and entry.get("registry") == "civil"
    ]
    assert {(entry["code"], entry["detail"]) for entry in calls} == {
        ("registry.civil.bad_response", reason)
    }
    assert reason not in response.text
    assert "<" not in response.text
    assert "ENTITY" not in response.text


def test_an_open_breaker_fails_fast_and_ready_shows_it(client, sandbox_reset):
    sandbox_reset.set_faults("civil", down="refuse")
    for _ in range(3):
        birth_certificate(client, sandbox_reset)
    sandbox_reset.reset_faults()

    response = birth_certificate(client, sandbox_reset)
    ready = client.get("/ready").json()

    assert response.status_code == 503
    assert response.json()["code"] == "registry.civil.unavailable"
    registries = next(c for c in ready["components"] if c["name"] == "registries")
    assert "civil: open" in registries["detail"]
