"""An in-process gateway for the operations tests, with its parts within the test's reach.

Like ``gateway_client`` (tests/fixtures/gateway.py), but the test also holds the bootstrapped
``Gateway`` (to read its store, swap its dead-letter desk onto a private topology, run its
relay beside it). The registries are the real sandbox servers; the store is a fresh SQLite
file per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.bootstrap import Gateway, bootstrap
from tests.fixtures.gateway import OPERATOR_KEY, PORTAL_KEY, offline_settings, registry_environment


@dataclass
class OpsGateway:
    client: TestClient
    gateway: Gateway


OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}
PORTAL = {"Authorization": f"Bearer {PORTAL_KEY}"}


@pytest.fixture(scope="module")
def ops_gateway(sandbox, tmp_path_factory) -> Iterator[OpsGateway]:  # type: ignore[no-untyped-def]
    database = tmp_path_factory.mktemp("ops") / "gateway.db"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in registry_environment(sandbox).items():
            patch.setenv(name, value)
        settings = offline_settings(database)
        running = bootstrap(settings)
        with TestClient(create_app(settings, gateway=running)) as client:
            yield OpsGateway(client, running)
