"""Two real gateways (``serve`` processes) on one database: the feed refresher runs in one only,
the other serves what it keeps; killed, the holder's duty is taken over; paused past its
lease, the holder stops its duty on waking and writes nothing after the other took over.

Who refreshes is read from each process's log (``lease.won``, ``open.snapshots.kept``). The
waits are bounded; the takeover's ceiling is the lease, one renewal, and a few seconds of
slack for a test machine shared by many processes.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.crash import wait_for
from tests.fixtures.gateway import GatewayProcess, http_json
from tests.fixtures.open_data import SourceChanges, source_environment
from tests.fixtures.sandbox import RunningSandbox

TTL_S = 3.0
RENEW_S = 0.5
TAKEOVER_CEILING_S = TTL_S + RENEW_S + 10.0
REFRESHER = "open-data-refresher"
BUDGET = {
    "municipality": "19",
    "year": "2026",
    "programme": "920",
    "economic_category": "capital_investments",
}


def _environment(sandbox: RunningSandbox, database_url: str) -> dict[str, str]:
    return {
        **source_environment(sandbox),
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_RELAY_ENABLED": "false",
        "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        "GATEWAY_LEASE_TTL_S": str(TTL_S),
        "GATEWAY_LEASE_RENEW_S": str(RENEW_S),
        "GATEWAY_OPEN_FOLLOW_S": "0.5",
        "PYTHONUNBUFFERED": "1",
    }


def _events(gateway: GatewayProcess, name: str, **fields: Any) -> list[dict[str, Any]]:
    found = []
    for line in gateway.log_text().splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event.get("event") == name and all(event.get(k) == v for k, v in fields.items()):
            found.append(event)
    return found


def _kept_count(gateway: GatewayProcess) -> int:
    return len(_events(gateway, "open.snapshots.kept"))


@contextmanager
def _two_gateways(
    sandbox: RunningSandbox, database_url: str, folder: Path
) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    """The first started holds the refresher's lease; the second follows it."""
    env = _environment(sandbox, database_url)
    first = GatewayProcess(env, folder / "first.log")
    second: GatewayProcess | None = None
    try:
        first.wait_ready()
        wait_for(lambda: _kept_count(first) >= 1, "the first gateway's first kept refresh")
        second = GatewayProcess(env, folder / "second.log")
        second.wait_ready()
        yield first, second
    finally:
        if first.process.poll() is None:
            os.kill(first.process.pid, signal.SIGCONT)
        first.stop()
        if second is not None:
            second.stop()


@pytest.fixture
def two_gateways(
    sandbox: RunningSandbox, database_url: str, tmp_path: Path
) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    with _two_gateways(sandbox, database_url, tmp_path) as gateways:
        yield gateways


@pytest.fixture
def two_gateways_on_postgres(
    sandbox: RunningSandbox, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    """On PostgreSQL only: a process paused inside a SQLite write would hold the file's one
    write lock, and nobody could take anything over until it woke."""
    with _two_gateways(sandbox, postgres_url, tmp_path) as gateways:
        yield gateways


def _executed_in_march(gateway: GatewayProcess) -> tuple[str, float]:
    query = "&".join(f"{k}={v}" for k, v in BUDGET.items())
    status, _, body = http_json("GET", f"{gateway.base}/v1/open/budget?{query}")
    assert status == 200
    row = body["data"][0]
    return row["line_id"], row["executed_by_month"][2]


def test_one_gateway_refreshes_the_other_serves_its_data_and_takes_over_when_it_is_killed(
    two_gateways: tuple[GatewayProcess, GatewayProcess], sandbox: RunningSandbox
) -> None:
    holder, follower = two_gateways
    # Three more refreshes by the holder, and none by the follower meanwhile.
    kept = _kept_count(holder)
    wait_for(lambda: _kept_count(holder) >= kept + 3, "three more refreshes by the holder")
    assert len(_events(holder, "lease.won", worker=REFRESHER)) == 1
    assert _events(follower, "lease.won", worker=REFRESHER) == []
    assert _events(follower, "open.refresher.started") == []
    assert _kept_count(follower) == 0

    # A change in the source reaches the follower, which never asks the source itself.
    line_id, before = _executed_in_march(follower)
    figure = round(before + 4321.5, 2)
    SourceChanges(sandbox).set_execution(line_id, month=3, executed=figure)
    wait_for(
        lambda: _executed_in_march(follower)[1] == figure,
        "the holder's fresh figure served by the follower",
    )
    assert _kept_count(follower) == 0

    holder.process.send_signal(signal.SIGKILL)
    holder.process.wait(10)
    wait_for(
        lambda: bool(_events(follower, "lease.won", worker=REFRESHER)),
        "the follower taking the refresher over",
        TAKEOVER_CEILING_S,
    )
    wait_for(lambda: _kept_count(follower) >= 1, "a refresh kept by the new holder")


def test_a_paused_holder_stops_its_duty_on_waking_and_keeps_nothing_after_the_takeover(
    two_gateways_on_postgres: tuple[GatewayProcess, GatewayProcess],
) -> None:
    holder, follower = two_gateways_on_postgres
    # Paused just after a refresh was kept, so that it is not paused inside a keep: one already
    # under way when the lease ran out would still commit (see docs/deployment.md, fencing).
    kept = _kept_count(holder)
    wait_for(lambda: _kept_count(holder) > kept, "a refresh kept by the holder", 30)
    holder.process.send_signal(signal.SIGSTOP)
    wait_for(
        lambda: bool(_events(follower, "lease.won", worker=REFRESHER)),
        "the follower taking the refresher over from the paused holder",
        TAKEOVER_CEILING_S,
    )
    won = _events(follower, "lease.won", worker=REFRESHER)[0]
    wait_for(lambda: _kept_count(follower) >= 1, "a refresh kept by the new holder")

    holder.process.send_signal(signal.SIGCONT)
    wait_for(
        lambda: bool(_events(holder, "lease.duty_stopped", worker=REFRESHER)),
        "the woken holder stopping its refresher",
    )
    stopped = _events(holder, "lease.duty_stopped", worker=REFRESHER)
    kept = _kept_count(follower)
    wait_for(lambda: _kept_count(follower) >= kept + 2, "two more refreshes by the new holder")

    assert stopped[0]["why"] == "expired"
    # Nothing kept by the old holder once the new one had won; it does not win again.
    late = [e for e in _events(holder, "open.snapshots.kept") if e["timestamp"] > won["timestamp"]]
    assert late == []
    assert len(_events(holder, "lease.won", worker=REFRESHER)) == 1
    assert _events(follower, "lease.duty_stopped", worker=REFRESHER) == []
