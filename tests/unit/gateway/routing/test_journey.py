"""A request's routing log: one INFO line at its end, every hop listed in it, each at DEBUG."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from gateway.routing import journey


@pytest.fixture
def captured() -> Iterator[list[dict[str, Any]]]:
    """Every event at DEBUG and above, as a serving gateway at ``GATEWAY_LOG_LEVEL=debug``."""
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(wrapper_class=wrapper)


def _at(logs: list[dict[str, Any]], level: str) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["log_level"] == level]


def test_a_request_writes_one_info_line_with_its_hops_and_each_hop_at_debug(captured) -> None:
    opened = journey.begin()
    journey.hop("route.received", "received", "received")
    journey.hop("route.validated", "validated", "valid", duration_ms=0.1)
    journey.hop("route.rule", "rule", "passed", duration_ms=0.01, rule="alive")
    journey.end(opened, "intake.answered", "answered", "answered", status=200)

    (line,) = _at(captured, "info")
    assert (line["event"], line["hop"], line["outcome"], line["status"]) == (
        "route.request",
        "answered",
        "answered",
        200,
    )
    assert [(hop["hop"], hop["outcome"]) for hop in line["hops"]] == [
        ("received", "received"),
        ("validated", "valid"),
        ("rule", "passed"),
        ("answered", "answered"),
    ]
    assert line["hops"][2] == {
        "hop": "rule",
        "outcome": "passed",
        "duration_ms": 0.01,
        "rule": "alive",
    }
    assert line["hops"][-1]["duration_ms"] == line["duration_ms"] >= 0
    assert [entry["event"] for entry in _at(captured, "debug")] == [
        "route.received",
        "route.validated",
        "route.rule",
        "intake.answered",
    ]
    assert journey.current() is None, "the journey is closed with its line"


def test_concurrent_registry_calls_add_their_hops_to_the_requests_one_line(captured) -> None:
    async def call(name: str, pause: float) -> None:
        await asyncio.sleep(pause)
        journey.hop("route.registry_call", "registry_call", "found", call=name)

    async def request() -> None:
        opened = journey.begin()
        await asyncio.gather(call("person", 0.02), call("parcel", 0))
        journey.end(opened, "intake.answered", "answered", "answered")

    asyncio.run(request())

    (line,) = _at(captured, "info")
    assert [hop.get("call") for hop in line["hops"]] == ["parcel", "person", None]


def test_a_refused_or_crashed_request_still_writes_its_line_naming_the_failing_hop(
    captured,
) -> None:
    opened = journey.begin()
    journey.hop("route.registry_call", "registry_call", "unavailable", registry="civil")
    journey.end(opened, "route.refused", "refused", "registry.civil.unavailable")
    opened = journey.begin()
    journey.end(opened, "route.failed", "failed", "error", level="error", error="KeyError")

    refused, crashed = (entry for entry in captured if entry["event"] == "route.request")
    assert (refused["hop"], refused["outcome"]) == ("refused", "registry.civil.unavailable")
    assert refused["hops"][0] == {
        "hop": "registry_call",
        "outcome": "unavailable",
        "registry": "civil",
    }
    assert (crashed["log_level"], crashed["hop"], crashed["error"]) == (
        "error",
        "failed",
        "KeyError",
    )


def test_a_hop_outside_any_request_is_its_own_info_line(captured) -> None:
    journey.hop("route.registry_call", "registry_call", "found", registry="civil")

    (line,) = captured
    assert (line["log_level"], line["event"], line["hop"]) == (
        "info",
        "route.registry_call",
        "registry_call",
    )


def test_the_hops_of_a_line_are_its_list_or_the_line_itself() -> None:
    request = {"hop": "answered", "hops": [{"hop": "received"}, {"hop": "answered"}]}
    assert [hop["hop"] for hop in journey.hops_of(request)] == ["received", "answered"]
    assert [hop["hop"] for hop in journey.hops_of({"hop": "published"})] == ["published"]
    assert list(journey.hops_of({"event": "http.request.finished"})) == []


def test_at_the_info_level_only_the_requests_line_is_written() -> None:
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with structlog.testing.capture_logs() as logs:
            opened = journey.begin()
            journey.hop("route.received", "received", "received")
            journey.end(opened, "intake.answered", "answered", "answered")
    finally:
        structlog.configure(wrapper_class=wrapper)

    assert [(entry["event"], len(entry["hops"])) for entry in logs] == [("route.request", 2)]
