"""Issue 16, item 5: operators' sign-in is throttled, and the dashboard cookie is a session.

Before: 50 wrong keys in under a second met no throttling and the log had no address; the
cookie was the operator key itself, with no expiry, still valid after signing out. Each test
runs the real app (its lifespan, bootstrap, routing.yaml) on a real store: a fresh SQLite
file, or PostgreSQL where two instances share their sessions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from structlog.testing import capture_logs

from gateway.api.ops import SESSION_COOKIE
from gateway.app import create_app
from gateway.bootstrap import Gateway, bootstrap
from gateway.ops.sign_in import OpsSignIn
from gateway.settings import Settings
from gateway.store.ops_sessions import ops_sessions
from tests.fixtures.gateway import OPERATOR_KEY

SESSION = "/v1/ops/session"
WHOAMI = "/v1/ops/whoami"
IDLE_S = 600
MAX_S = 3600
MAX_FAILURES = 10
WINDOW_S = 300


class Clock:
    """The sign-in's clock, moved by the test instead of waiting for time to pass."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        relay_enabled=False,
        status_consumer_enabled=False,
        ops_session_idle_s=IDLE_S,
        ops_session_max_s=MAX_S,
        ops_sign_in_max_failures=MAX_FAILURES,
        ops_sign_in_window_s=WINDOW_S,
    )


def _running(database_url: str, clock: Clock) -> Gateway:
    running = bootstrap(_settings(database_url))
    sign_in = running.part(OpsSignIn)
    assert sign_in is not None
    sign_in.clock = clock
    return running


@pytest.fixture(autouse=True)
def _no_feed_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_OPEN_ENABLED", "false")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(tmp_path: Path, clock: Clock) -> Gateway:
    return _running(f"sqlite:///{tmp_path / 'gateway.db'}", clock)


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway.settings, gateway=gateway)) as client:
        yield client


def _wrong_key() -> str:
    return secrets.token_urlsafe(24)


def _carrying(cookie: str) -> dict[str, str]:
    """Headers that send ``cookie`` whatever the client's own jar holds by now."""
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}


def _sign_in(client: TestClient) -> str:
    opened = client.post(SESSION, json={"key": OPERATOR_KEY})
    assert opened.status_code == 200, opened.text
    return opened.cookies[SESSION_COOKIE]


def test_fifty_wrong_keys_are_throttled_with_a_429_problem_and_retry_after(
    client: TestClient,
) -> None:
    with capture_logs() as logs:
        answers = [client.post(SESSION, json={"key": _wrong_key()}) for _ in range(50)]

    statuses = [answer.status_code for answer in answers]
    assert statuses == [401] * MAX_FAILURES + [429] * (50 - MAX_FAILURES)
    throttled = answers[-1]
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert throttled.json()["code"] == "auth.throttled"
    assert 0 < int(throttled.headers["retry-after"]) <= WINDOW_S
    # Throttled means throttled: the right key from that address is refused too.
    assert client.post(SESSION, json={"key": OPERATOR_KEY}).status_code == 429
    refusals = [line for line in logs if line["event"] in ("auth.refused", "auth.throttled")]
    assert refusals and all(line["client_address"] == "testclient" for line in refusals)


def test_the_throttle_answers_in_the_operators_language(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        client.post(SESSION, json={"key": _wrong_key()})

    titles = {
        language: client.post(
            SESSION, json={"key": _wrong_key()}, headers={"Accept-Language": language}
        ).json()["title"]
        for language in ("sq", "sr", "en")
    }

    assert len(set(titles.values())) == 3


def test_sign_in_opens_again_once_the_window_has_passed(client: TestClient, clock: Clock) -> None:
    for _ in range(MAX_FAILURES):
        client.post(SESSION, json={"key": _wrong_key()})
    refused = client.post(SESSION, json={"key": OPERATOR_KEY})
    assert refused.status_code == 429

    clock.advance(int(refused.headers["retry-after"]))

    assert client.post(SESSION, json={"key": OPERATOR_KEY}).status_code == 200


def test_wrong_keys_from_many_addresses_are_throttled_by_their_common_prefix(
    gateway: Gateway,
) -> None:
    app = create_app(gateway.settings, gateway=gateway)
    statuses = []
    for number in range(MAX_FAILURES + 5):
        # One address per client; each client runs the app's lifespan in turn, never two at once.
        with TestClient(app, client=(f"198.51.100.{number}", 50000)) as attacker:
            key = f"ekomunat-{_wrong_key()}"
            statuses.append(attacker.post(SESSION, json={"key": key}).status_code)

    assert statuses == [401] * MAX_FAILURES + [429] * 5


def test_the_cookie_is_a_random_session_id_not_the_key(
    client: TestClient, gateway: Gateway
) -> None:
    opened = client.post(SESSION, json={"key": OPERATOR_KEY})
    cookie = opened.cookies[SESSION_COOKIE]
    header = opened.headers["set-cookie"]

    assert OPERATOR_KEY not in header
    assert cookie != OPERATOR_KEY and len(cookie) >= 43
    assert "HttpOnly" in header and "SameSite=strict" in header.replace("Strict", "strict")
    assert client.get(WHOAMI).json() == {"operator": "operations-desk"}
    with gateway.store.unit_of_work(read_only=True) as uow:
        rows = uow.bind(lambda connection: connection.execute(select(ops_sessions)).all())
    assert len(rows) == 1 and cookie not in {str(value) for value in rows[0]}


def test_a_signed_out_cookie_gets_401(client: TestClient) -> None:
    cookie = _sign_in(client)
    assert client.delete(SESSION).status_code == 204

    replayed = client.get(WHOAMI, headers=_carrying(cookie))

    assert replayed.status_code == 401
    assert replayed.json()["code"] == "auth.unauthenticated"


def test_a_session_left_idle_gets_401(client: TestClient, clock: Clock) -> None:
    cookie = _sign_in(client)
    clock.advance(IDLE_S - 1)
    assert client.get(WHOAMI, headers=_carrying(cookie)).status_code == 200

    clock.advance(IDLE_S)

    assert client.get(WHOAMI, headers=_carrying(cookie)).status_code == 401


def test_a_session_in_use_still_ends_at_its_absolute_expiry(
    client: TestClient, clock: Clock
) -> None:
    cookie = _sign_in(client)
    used = []
    for _ in range(MAX_S // (IDLE_S // 2) + 1):
        clock.advance(IDLE_S // 2)
        used.append(client.get(WHOAMI, headers=_carrying(cookie)).status_code)

    assert used[: MAX_S // (IDLE_S // 2) - 1] == [200] * (MAX_S // (IDLE_S // 2) - 1)
    assert used[-1] == 401


def test_in_development_the_cookie_is_secure_over_https_and_not_over_http(gateway: Gateway) -> None:
    app = create_app(gateway.settings, gateway=gateway)
    with TestClient(app, base_url="https://testserver") as https:
        over_https = https.post(SESSION, json={"key": OPERATOR_KEY}).headers["set-cookie"]
    with TestClient(app) as http:
        over_http = http.post(SESSION, json={"key": OPERATOR_KEY}).headers["set-cookie"]

    assert "Secure" in over_https
    assert "Secure" not in over_http


def test_two_instances_share_sessions_and_sign_out(postgres_url: str, clock: Clock) -> None:
    first, second = _running(postgres_url, clock), _running(postgres_url, clock)
    with (
        TestClient(create_app(first.settings, gateway=first)) as one,
        TestClient(create_app(second.settings, gateway=second)) as other,
    ):
        cookie = _sign_in(one)
        seen_by_other = other.get(WHOAMI, headers=_carrying(cookie)).status_code
        other.delete(SESSION, headers=_carrying(cookie))
        after_sign_out = one.get(WHOAMI, headers=_carrying(cookie)).status_code

    assert (seen_by_other, after_sign_out) == (200, 401)
