"""Past its admission limit the gateway refuses at once, and recovers the moment load falls.

The civil registry of the sandbox is made slow for real (its ``latency_ms`` knob), so the
admitted requests are truly in flight while the next ones arrive.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.fixtures.gateway import (
    OPERATOR_KEY,
    citizen_request,
    offline_settings,
    portal_headers,
    registry_environment,
)

LIMIT = 2


@pytest.fixture
def client(sandbox_reset, tmp_path, monkeypatch):
    for name, value in registry_environment(sandbox_reset).items():
        monkeypatch.setenv(name, value)
    settings = offline_settings(tmp_path / "gateway.db").model_copy(update={"max_in_flight": LIMIT})
    with TestClient(create_app(settings)) as client:
        yield client


def birth_certificate(client, person, *, language="en", key=None):
    body = citizen_request(person, "birth-certificate", {"purpose": "other"}, language=language)
    return client.post("/v1/requests", json=body, headers=portal_headers(language, key))


def metric(client, name: str) -> float:
    text = client.get("/metrics", headers={"Authorization": f"Bearer {OPERATOR_KEY}"}).text
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} is not exposed"
    return float(found.group(1))


def wait_for_in_flight(client, count: int) -> None:
    deadline = time.monotonic() + 10
    while metric(client, "ekomunat_http_requests_in_flight") < count:
        assert time.monotonic() < deadline, "the slow requests never got in flight"
        time.sleep(0.02)


def test_over_the_limit_a_request_is_refused_at_once_and_retried_later(client, sandbox_reset):
    person = sandbox_reset.seed.alive_parcel_owner()
    sandbox_reset.set_faults("civil", latency_ms=1200)
    with ThreadPoolExecutor(LIMIT) as pool:
        admitted = [pool.submit(birth_certificate, client, person) for _ in range(LIMIT)]
        wait_for_in_flight(client, LIMIT)

        started = time.monotonic()
        refused = birth_certificate(client, person, language="sr", key="retry-me-later")
        refused_after = time.monotonic() - started

        health = client.get("/health")
        answers = [future.result() for future in admitted]

    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "1"
    problem = refused.json()
    assert problem["code"] == "gateway.overloaded"
    assert problem["title"].startswith("Mrežni prolaz trenutno ima previše zahteva")
    assert problem["request_id"] == refused.headers["x-request-id"]
    assert refused_after < 1.0, "the refusal waited for the slow registry"
    assert health.status_code == 200
    assert [answer.status_code for answer in answers] == [200] * LIMIT
    assert metric(client, "ekomunat_overload_refusals_total") == 1

    sandbox_reset.reset_faults()
    retried = birth_certificate(client, person, key="retry-me-later")
    assert retried.status_code == 200, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert metric(client, "ekomunat_http_requests_in_flight") == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_clients_get_the_refusal_in_open311s_error_format(client, sandbox_reset, fmt):
    person = sandbox_reset.seed.alive_parcel_owner()
    sandbox_reset.set_faults("civil", latency_ms=1200)
    with ThreadPoolExecutor(LIMIT) as pool:
        admitted = [pool.submit(birth_certificate, client, person) for _ in range(LIMIT)]
        wait_for_in_flight(client, LIMIT)
        refused = client.get(f"/open311/v2/services.{fmt}", params={"locale": "en"})
        for future in admitted:
            future.result()

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-ekomunat-error"] == "complaint.service.overloaded"
    if fmt == "json":
        assert refused.json() == [
            {
                "code": 503,
                "description": "The service has too many requests right now; "
                "please try again shortly.",
            }
        ]
    else:
        assert refused.text.lstrip().startswith("<?xml")
        assert "<errors>" in refused.text and "<code>503</code>" in refused.text
