"""Real time, honestly: changes show within a minute; a source down means stale data, said so.

The sandbox sources change through their change knobs and fail through their fault knobs; the
gateway's refresher (period 1 s in these tests, at most 30 s in production) picks it up. Waits
poll until a deadline of 60 s, the promise of the issue; nothing asserts on speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.fixtures.open_data import wait_for_refreshes

PROMISE_S = 60.0


def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + PROMISE_S
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PROMISE_S} s: {what}")
        time.sleep(0.2)


def test_a_change_in_the_treasury_is_in_the_feed_within_a_minute(open_client, source_changes):
    params = {
        "municipality": "19",
        "year": "2026",
        "programme": "920",
        "economic_category": "capital_investments",
    }
    before = open_client.get("/v1/open/budget", params=params)
    line_id = before.json()["data"][0]["line_id"]
    source_changes.set_execution(line_id, month=3, executed=123456.78)

    def changed() -> Any:
        response = open_client.get("/v1/open/budget", params=params)
        row = response.json()["data"][0]
        return response if row["executed_by_month"][2] == 123456.78 else None

    after = until(changed, "the new execution figure")
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] != before.headers["last-modified"]
    stale_copy = open_client.get(
        "/v1/open/budget", params=params, headers={"If-None-Match": before.headers["etag"]}
    )
    assert stale_copy.status_code == 200


def test_a_new_payment_reaches_the_contracting_feed_and_its_ocds(open_client, source_changes):
    params = {"municipality": "20", "year": "2025"}

    def paid_total() -> float:
        rows = open_client.get("/v1/open/contracting", params=params).json()["data"]
        return round(sum(row["paid"] for row in rows), 2)

    before = paid_total()
    release = source_changes.record_payment("20", 2025, 1000.0)

    until(lambda: paid_total() == round(before + 1000.0, 2), "the new payment")
    package = open_client.get("/v1/open/contracting/releases", params=params).json()
    assert release["id"] in {r["id"] for r in package["releases"]}


def test_a_plan_entering_public_review_shows_as_such(open_client, source_changes):
    plans = open_client.get("/v1/open/plans", params={"municipality": "32"}).json()["data"]
    plan_id = plans[0]["plan_id"]
    source_changes.set_plan_status(plan_id, "public_review")

    def in_review() -> bool:
        rows = open_client.get(
            "/v1/open/plans", params={"municipality": "32", "status": "public_review"}
        ).json()["data"]
        return plan_id in {row["plan_id"] for row in rows}

    until(in_review, "the plan in public review")


def test_a_source_down_serves_its_last_data_with_its_age_then_fresh_again(
    open_client, sandbox_reset
):
    params = {"municipality": "32", "year": "2025"}
    fresh = open_client.get("/v1/open/revenues", params=params)
    assert fresh.headers["x-ekomunat-stale"] == "false"

    sandbox_reset.set_faults("treasury", down="refuse")
    wait_for_refreshes(open_client, 3)

    stale = open_client.get("/v1/open/revenues", params=params)
    body = stale.json()
    assert stale.status_code == 200
    assert body["data"] == fresh.json()["data"]
    assert body["freshness"]["stale"] is True
    assert body["freshness"]["source_failing_since"] is not None
    assert stale.headers["x-ekomunat-stale"] == "true"
    assert int(stale.headers["age"]) >= 1
    assert abs(body["freshness"]["age_seconds"] - int(stale.headers["age"])) <= 1
    older = until(
        lambda: (
            (r := open_client.get("/v1/open/revenues", params=params))
            and int(r.headers["age"]) > int(stale.headers["age"])
            and r
        ),
        "the age to grow",
    )
    assert older.json()["freshness"]["stale"] is True

    sandbox_reset.set_faults("treasury", down="up")

    def fresh_again() -> bool:
        response = open_client.get("/v1/open/revenues", params=params)
        return response.headers["x-ekomunat-stale"] == "false" and int(response.headers["age"]) <= 5

    until(fresh_again, "fresh data once the treasury is back")
