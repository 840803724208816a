"""Past its admission limit the gateway refuses at once, and recovers the moment load falls.

The admitted requests are truly in flight while the next ones arrive: the civil registry is
made slow for real (the sandbox's ``latency_ms`` knob), or, where the test must know that
nothing came back before the refusal, held at a gate in front of the sandbox (a real HTTP
server that forwards each call to the real sandbox once the test opens it).
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

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


class Gate:
    """A loopback HTTP server that holds every call until ``open``, then forwards it."""

    def __init__(self, upstream: str) -> None:
        self.opened = threading.Event()
        parts = urlsplit(upstream)
        origin = f"{parts.scheme}://{parts.netloc}"
        opened = self.opened

        class Forward(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                opened.wait(timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                call = urllib.request.Request(
                    origin + self.path, data=body, headers=headers, method="POST"
                )
                try:
                    with urllib.request.urlopen(call, timeout=60) as answer:
                        status, kind, content = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as refused:
                    status, kind, content = refused.code, refused.headers, refused.read()
                self.send_response(status)
                self.send_header("Content-Type", kind["Content-Type"])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{parts.path}"

    def __enter__(self) -> Gate:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.opened.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def civil_gate(sandbox_reset):
    with Gate(sandbox_reset.civil_url) as gate:
        yield gate


def _client(sandbox, tmp_path, monkeypatch, **environment):
    for name, value in {**registry_environment(sandbox), **environment}.items():
        monkeypatch.setenv(name, value)
    settings = offline_settings(tmp_path / "gateway.db").model_copy(update={"max_in_flight": LIMIT})
    return TestClient(create_app(settings))


@pytest.fixture
def client(sandbox_reset, tmp_path, monkeypatch):
    with _client(sandbox_reset, tmp_path, monkeypatch) as client:
        yield client


@pytest.fixture
def gated_client(sandbox_reset, civil_gate, tmp_path, monkeypatch):
    gated = {"GATEWAY_CIVIL_REGISTRY_URL": civil_gate.url}
    with _client(sandbox_reset, tmp_path, monkeypatch, **gated) as client:
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
    deadline = time.monotonic() + 60
    while metric(client, "ekomunat_http_requests_in_flight") < count:
        assert time.monotonic() < deadline, "the slow requests never got in flight"
        time.sleep(0.02)


def test_over_the_limit_a_request_is_refused_at_once_and_retried_later(
    gated_client, civil_gate, sandbox_reset
):
    client = gated_client
    person = sandbox_reset.seed.alive_parcel_owner()
    with ThreadPoolExecutor(LIMIT) as pool:
        admitted = [pool.submit(birth_certificate, client, person) for _ in range(LIMIT)]
        wait_for_in_flight(client, LIMIT)

        refused = birth_certificate(client, person, language="sr", key="retry-me-later")
        # The registry has answered nobody yet: the refusal did not wait for a free place.
        still_held = not any(future.done() for future in admitted)
        health = client.get("/health")
        civil_gate.opened.set()
        answers = [future.result(timeout=120) for future in admitted]

    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "1"
    problem = refused.json()
    assert problem["code"] == "gateway.overloaded"
    assert problem["title"].startswith("Mrežni prolaz trenutno ima previše zahteva")
    assert problem["request_id"] == refused.headers["x-request-id"]
    assert still_held, "the refusal waited for an admitted request to finish"
    assert health.status_code == 200
    assert [answer.status_code for answer in answers] == [200] * LIMIT
    assert metric(client, "ekomunat_overload_refusals_total") == 1

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
