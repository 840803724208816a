"""The feature seam: bootstrap builds and starts nothing, the app's lifespan runs the workers,
every worker says how many copies a deployment may run, and a gateway without a feature
answers that feature's routes with one clear 503 problem document.

The gateway is the real one (routing.yaml, the catalogue, a fresh SQLite file) with every
broker worker switched on against a port nothing listens on: the workers run for real and
find the broker down, which is all these tests need of them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.bootstrap import Gateway, bootstrap
from gateway.features import Scope
from gateway.settings import Settings
from tests.fixtures.gateway import OPERATOR_KEY

UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1/%2F"
WORKER_THREADS = {
    "outbox-relay",
    "status-consumer",
    "callbacks",
    "complaint-status-consumer",
    "act-review-consumer",
    "open-data-refresher",
    "open-data-follower",
    "audit-checkpoints",
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        amqp_url=UNREACHABLE_BROKER,
        relay_enabled=True,
        status_consumer_enabled=True,
        complaints_consumer_enabled=True,
    )


def _worker_threads() -> set[str]:
    """The workers running now, by thread name (a name may carry an instance suffix)."""
    alive = [t.name for t in threading.enumerate() if t.is_alive()]
    return {w for w in WORKER_THREADS for name in alive if name == w or name.startswith(f"{w}-")}


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("GATEWAY_OPEN_ENABLED", "true")
    assert _worker_threads() == set(), "a worker of an earlier test is still running"
    before = set(threading.enumerate())
    running = bootstrap(_settings(tmp_path))
    started = set(threading.enumerate()) - before
    assert started == set(), f"bootstrap started {sorted(t.name for t in started)}"
    yield running


def test_bootstrap_starts_no_thread_and_the_lifespan_runs_every_worker(gateway: Gateway) -> None:
    with TestClient(create_app(gateway.settings, gateway=gateway)) as client:
        during = _worker_threads()
        ready = client.get("/ready")
    after = _worker_threads()

    assert during == WORKER_THREADS
    assert after == set()
    # The relay's readiness is there, and says the broker is down: its worker really ran.
    broker = next(c for c in ready.json()["components"] if c["name"] == "broker")
    assert "hand-offs wait in the outbox" in broker["detail"]


def test_each_worker_declares_whether_it_runs_once_per_process_or_per_deployment(
    gateway: Gateway,
) -> None:
    scopes = {worker.name: worker.scope for worker in gateway.workers}

    assert scopes == {
        "outbox-relay": Scope.PER_DEPLOYMENT,
        "status-consumer": Scope.PER_PROCESS,
        "callback-sender": Scope.PER_DEPLOYMENT,
        "complaint-status-consumer": Scope.PER_PROCESS,
        "act-review-consumer": Scope.PER_PROCESS,
        "open-data-refresher": Scope.PER_DEPLOYMENT,
        "open-data-follower": Scope.PER_PROCESS,
        "ops-broadcast": Scope.PER_PROCESS,
        "audit-checkpoints": Scope.PER_DEPLOYMENT,
    }


def _without(gateway: Gateway, *names: str) -> Gateway:
    return dataclasses.replace(
        gateway, features=tuple(f for f in gateway.features if f.name not in names)
    )


def test_a_gateway_without_a_feature_answers_its_routes_with_a_503_problem(
    gateway: Gateway,
) -> None:
    running = _without(gateway, "complaints", "acts", "dead_letters")
    operator = {"Authorization": f"Bearer {OPERATOR_KEY}"}
    with TestClient(create_app(running.settings, gateway=running)) as client:
        stats = client.get("/v1/complaints/stats")
        act = client.get(f"/v1/acts/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=operator)
        dead_letters = client.get("/v1/ops/dead-letters", headers=operator)
        overview = client.get("/v1/ops/overview", headers=operator)
        catalogue = client.get("/v1/catalogue/services")

    for answer, missing in (
        (stats, "the complaints desk"),
        (act, "the legality review of acts"),
        (dead_letters, "a dead-letter desk"),
    ):
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == f"this gateway runs without {missing}"
        assert answer.json()["status"] == 503
    # The rest of the gateway serves as before; the overview shows no dead letters.
    assert overview.status_code == 200
    assert overview.json()["dead_letters"] is None
    assert catalogue.status_code == 200


def test_a_gateway_without_a_feature_runs_none_of_its_workers(gateway: Gateway) -> None:
    running = _without(gateway, "complaints", "open_data")
    with TestClient(create_app(running.settings, gateway=running)):
        during = _worker_threads()

    assert during == WORKER_THREADS - {
        "complaint-status-consumer",
        "open-data-refresher",
        "open-data-follower",
    }
