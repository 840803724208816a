"""The live log: what the dashboard streams is what the log file gets, masked, never blocking."""

from __future__ import annotations

import json

import structlog

from gateway.logging import configure_logging
from gateway.metrics import GatewayMetrics
from gateway.ops.live_log import LiveLog, LiveLogTee, attach, concerns_request
from gateway.settings import Settings

PERSONAL_NUMBER = "1234567892"


def test_events_come_out_in_order_after_a_cursor() -> None:
    live = LiveLog(capacity=10)
    for number in range(5):
        live.publish({"event": "e", "n": number})

    batch = live.after(2)

    assert [event["n"] for _, event in batch.entries] == [2, 3, 4]
    assert batch.last == 5
    assert not batch.gap


def test_a_reader_left_behind_by_the_ring_is_told_of_the_gap() -> None:
    live = LiveLog(capacity=3)
    for number in range(10):
        live.publish({"n": number})

    behind = live.after(2)
    current = live.after(10)

    assert behind.gap
    assert [event["n"] for _, event in behind.entries] == [7, 8, 9]
    assert not current.gap and current.entries == [] and current.last == 10


def test_the_tee_masks_when_the_chain_it_joins_does_not() -> None:
    live = LiveLog()
    rendered = []
    tee = LiveLogTee(lambda _l, _m, event: rendered.append(event) or "", live, mask=True)

    tee(None, "info", {"event": "x", "note": f"person {PERSONAL_NUMBER}"})

    assert PERSONAL_NUMBER not in json.dumps(list(live))


def test_attached_live_log_sees_every_line_masked_and_detaches_cleanly(capsys) -> None:
    configure_logging(Settings(log_format="json"))
    live = LiveLog()
    detach = attach(live)
    try:
        structlog.get_logger().info(
            "route.received", hop="received", request_id="r-1", applicant=PERSONAL_NUMBER
        )
    finally:
        detach()
    structlog.get_logger().info("after.detach")

    events = list(live)
    assert [event["event"] for event in events] == ["route.received"]
    assert events[0]["applicant"] == "********92"
    assert PERSONAL_NUMBER not in capsys.readouterr().err
    assert concerns_request(events[0], "r-1")


def test_callback_lines_are_tagged_as_hops_and_counted() -> None:
    configure_logging(Settings(log_format="json"))
    live = LiveLog()
    metrics = GatewayMetrics()
    detach = attach(live, metrics)
    try:
        structlog.get_logger().info("callback.delivered", request_id="r-2", attempts=1)
    finally:
        detach()

    (event,) = list(live)
    assert (event["hop"], event["outcome"]) == ("callback", "delivered")
    assert metrics.callbacks.labels("delivered")._value.get() == 1
