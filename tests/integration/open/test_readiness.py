"""``/ready`` tells, per transparency source, whether its feeds have good data.

A source that has never answered is ``not_ready`` (its feeds answer 503); one that answered and
is down now is ``degraded``, with the age of what the feeds serve. Neither takes the instance
out of rotation: citizens' requests do not need the feeds. The sources fail for real, through
the sandbox's fault knobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.gateway import offline_settings
from tests.fixtures.open_data import open_gateway, source_environment, wait_for_refreshes
from tests.fixtures.sandbox import RunningSandbox

CEILING_S = 60.0


def open_data_of(client: TestClient) -> tuple[int, dict[str, Any], dict[str, dict[str, Any]]]:
    response = client.get("/ready")
    body = response.json()
    component = next(c for c in body["components"] if c["name"] == "open_data")
    return response.status_code, body, {s["name"]: s for s in component["sources"]}


def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + CEILING_S
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {CEILING_S} s: {what}")
        time.sleep(0.2)
    return result


@pytest.fixture
def sources(sandbox_reset: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    for name, value in source_environment(sandbox_reset).items():
        monkeypatch.setenv(name, value)
    return sandbox_reset


def test_a_source_that_never_answered_is_not_ready_and_says_so(
    sources: RunningSandbox, tmp_path: Path
) -> None:
    sources.set_faults("treasury", down="refuse")
    with open_gateway(offline_settings(tmp_path / "gateway.db")) as client:
        status, body, per_source = open_data_of(client)
        budget = client.get("/v1/open/budget", params={"municipality": "19"})

    treasury = per_source["treasury"]
    assert treasury["status"] == "not_ready"
    assert "no good data" in treasury["detail"]
    assert treasury["age_s"] is None
    assert per_source["procurement"]["status"] == "ready"
    assert budget.status_code == 503
    component = next(c for c in body["components"] if c["name"] == "open_data")
    assert component["ready"] is False and component["status"] == "not_ready"
    # Citizens' requests do not need the feeds: the instance stays in rotation, degraded.
    assert status == 200 and body["ready"] is True and body["status"] == "degraded"


def test_a_source_down_after_good_data_is_degraded_with_the_age_of_what_is_served(
    sources: RunningSandbox, tmp_path: Path
) -> None:
    with open_gateway(offline_settings(tmp_path / "gateway.db")) as client:
        _status, body, per_source = open_data_of(client)
        assert set(per_source) == {"treasury", "procurement", "urban_planning", "ministry_permits"}
        assert {s["status"] for s in per_source.values()} == {"ready"}
        assert body["status"] == "ready"

        sources.set_faults("treasury", down="refuse")
        wait_for_refreshes(client, 2)
        degraded = until(
            lambda: (s := open_data_of(client)[2]["treasury"])["status"] == "degraded" and s,
            "the treasury to be reported degraded",
        )
        older = until(
            lambda: (s := open_data_of(client)[2]["treasury"])["age_s"] > degraded["age_s"] and s,
            "the age of the treasury's data to grow while it is down",
        )
        budget = client.get("/v1/open/budget", params={"municipality": "19"})

        sources.set_faults("treasury", down="up")
        until(
            lambda: open_data_of(client)[2]["treasury"]["status"] == "ready",
            "the treasury to be ready again once it is back",
        )

    assert "last good data" in older["detail"]
    assert budget.status_code == 200 and budget.json()["freshness"]["stale"] is True
