"""The sandbox's assembly client against a real gateway over HTTP: three municipalities, a
mandate and a year of sessions with votes, published through ``/v1/assemblies`` and read back
from the open feeds; a second run changes nothing; the demo's short story works.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gateway.app import create_app
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from sandbox import assembly


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("assembly-seed") / "gateway.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_OPEN_ENABLED", "false")
        settings = Settings(
            database_url=f"sqlite:///{Path(database)}",
            relay_enabled=False,
            status_consumer_enabled=False,
        )
        app = create_app(settings, gateway=bootstrap(settings))
        port = _free_port()
        server = uvicorn.Server(
            # log_config=None: uvicorn's own dictConfig would take its loggers out of the
            # gateway's masked chain for every later test in this process.
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _feed(base: str, feed: str, **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{key}={value}" for key, value in {"page_size": "1000", **params}.items())
    with urllib.request.urlopen(f"{base}/v1/open/{feed}?{query}", timeout=30) as answer:
        return list(json.load(answer)["data"])


def test_three_municipalities_get_a_mandate_and_a_year_of_sessions(gateway_url: str) -> None:
    lines = assembly.seed(gateway_url)
    assert len(lines) == 3 and all("12 sessions, 36 votes recorded" in line for line in lines)
    members = _feed(gateway_url, "assembly-members")
    assert {row["municipality"] for row in members} == {"19", "20", "13"}
    assert len(members) == 3 * (assembly.MEMBERS + 1)
    votes = _feed(gateway_url, "assembly-votes")
    assert len(votes) == 3 * 12 * len(assembly.ITEMS)
    assert all(row["quorum"] for row in votes)
    sessions = _feed(gateway_url, "assembly-sessions", kind="regular")
    assert all(row["agenda_date_declared"] and row["notice_days"] >= 8 for row in sessions)
    attendance = _feed(gateway_url, "assembly-attendance", level="mandate")
    assert len(attendance) == 3 and all(0 < row["attendance_rate"] < 1 for row in attendance)
    meetings = {row["municipality"]: row for row in _feed(gateway_url, "mayor-meetings")}
    assert meetings["13"]["meetings_held"] <= 1 and not meetings["13"]["requirement_met"]

    assert assembly.seed(gateway_url) == lines, "a second run is a replay"
    assert len(_feed(gateway_url, "assembly-votes", versions="all")) == len(votes)


def test_the_demo_publishes_a_session_and_records_a_vote(gateway_url: str) -> None:
    lines = assembly.demo(gateway_url)
    assert "HTTP 201" in lines[0] and "422 assembly.agenda.too_late" in lines[1]
    assert lines[2].startswith("vote on item 1") and "HTTP 200" in lines[2]


def test_the_demo_runs_it_as_a_module(gateway_url: str) -> None:
    """As ``make run`` does (gateway/demo.py): the module, its arguments, exit 0."""
    run = subprocess.run(
        [sys.executable, "-m", "sandbox.assembly", "--gateway", gateway_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "assembly of 13" in run.stdout and "vote on item 1" in run.stdout
