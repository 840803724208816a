"""The database goes away under a running gateway: the citizen gets a 503 to retry, not a 500.

The fault is real: the gateway runs on a PostgreSQL database of this test's own, and the test
closes it to every connection (``ALLOW_CONNECTIONS false``, then ends the gateway's sessions),
as a failover does while no node takes writes. The drill of issue #19 saw 500s here, which a
load balancer counts against the instance and a client does not retry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from gateway.app import create_app
from gateway.settings import Settings
from tests.fixtures.database import POSTGRES_ADMIN_URL
from tests.fixtures.gateway import citizen_request, portal_headers, registry_environment

ADMIN = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/postgres"


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(statement)


@pytest.fixture
def own_database() -> Iterator[str]:
    name = f"outage_{uuid.uuid4().hex[:12]}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        _admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
        _admin(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _close_to_connections(name: str, allow: bool) -> None:
    _admin(
        sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
            sql.Identifier(name), sql.SQL("true" if allow else "false")
        )
    )
    if not allow:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


def test_a_database_outage_answers_503_with_retry_after_and_recovers(
    sandbox,  # type: ignore[no-untyped-def]
    own_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable, value in registry_environment(sandbox).items():
        monkeypatch.setenv(variable, value)
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{own_database}"
    settings = Settings(
        database_url=url.replace("postgresql://", "postgresql+psycopg://", 1),
        relay_enabled=False,
        status_consumer_enabled=False,
    )
    person = sandbox.seed.alive_parcel_owner(30)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        body = citizen_request(person, "birth-certificate", form={"purpose": "employment"})
        assert client.post("/v1/requests", json=body, headers=portal_headers()).status_code == 200

        _close_to_connections(own_database, allow=False)
        for language in ("sq", "sr", "en"):
            asked = citizen_request(
                person, "birth-certificate", form={"purpose": "employment"}, language=language
            )
            answer = client.post("/v1/requests", json=asked, headers=portal_headers(language))
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["retry-after"]) > 0
            problem = answer.json()
            assert problem["code"] == "store.unavailable"
            assert answer.headers["content-language"] == language
            assert "Traceback" not in answer.text and "psycopg" not in answer.text

        _close_to_connections(own_database, allow=True)
        again = client.post("/v1/requests", json=body, headers=portal_headers())
        assert again.status_code == 200, again.text
