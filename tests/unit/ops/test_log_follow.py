"""``ekomunat-gateway logs``: the hops of one request, readable, filtered, masked."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from gateway.ops.log_follow import LogFilter, lines_of, render, show

LINES = [
    {"event": "http.request.finished", "request_id": "a", "status": 200},
    {
        "event": "route.received",
        "hop": "received",
        "outcome": "received",
        "request_id": "a",
        "service": "birth-certificate",
        "municipality": "19",
    },
    {
        "event": "route.registry_call",
        "hop": "registry_call",
        "outcome": "found",
        "request_id": "a",
        "registry": "civil",
        "duration_ms": 4.2,
        "service": "birth-certificate",
        "municipality": "19",
    },
    {
        "event": "route.refused",
        "hop": "refused",
        "outcome": "rule.failed",
        "request_id": "b",
        "service": "marriage-certificate",
        "municipality": "20",
    },
    {
        "event": "route.published",
        "hop": "published",
        "outcome": "confirmed",
        "request_id": "c",
        "service": "building-permit",
        "municipality": "19",
    },
]


def _text() -> list[str]:
    return [json.dumps(line) + "\n" for line in LINES] + ["Traceback (most recent call last):\n"]


def _shown(log_filter: LogFilter) -> list[str]:
    out = io.StringIO()
    show(iter(_text()), log_filter, out, colour=False)
    return out.getvalue().splitlines()


def test_only_hops_are_shown_unless_everything_is_asked_for() -> None:
    assert len(_shown(LogFilter())) == 4
    assert len(_shown(LogFilter(everything=True))) == 6


def test_filters_pick_one_request_one_place_or_one_outcome() -> None:
    assert [line.split()[0] for line in _shown(LogFilter(request_id="a"))] == [
        "received",
        "registry_call",
    ]
    assert len(_shown(LogFilter(municipality="19"))) == 3
    (refused,) = _shown(LogFilter(outcome="rule.failed"))
    assert "marriage-certificate 20" in refused
    assert len(_shown(LogFilter(hop="published", service="building-permit"))) == 1


def test_a_line_shows_hop_outcome_place_duration_and_request() -> None:
    line = render(LINES[2] | {"timestamp": "2026-11-23T14:03:12.345678Z"}, colour=False)
    assert line.startswith("14:03:12.345")
    for part in ("registry_call", "found", "birth-certificate 19 civil", "4.2 ms", "a"):
        assert part in line


def test_colour_marks_failures_red_and_successes_green() -> None:
    assert "\033[31mrule.failed" not in render(LINES[3], colour=True)
    assert "\033[33mrule.failed" in render(LINES[3], colour=True)
    assert "\033[32mfound" in render(LINES[2], colour=True)
    failed = LINES[2] | {"outcome": "registry.civil.unavailable"}
    assert "\033[31mregistry.civil.unavailable" in render(failed, colour=True)


def test_a_personal_number_that_reached_a_log_is_still_masked_on_screen() -> None:
    line = render(
        {"hop": "received", "outcome": "received", "reason": "for 1234567892"}, colour=False
    )
    assert "1234567892" not in line and "********92" in line


def test_following_a_file_picks_up_lines_written_later(tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    log.write_text(json.dumps(LINES[1]) + "\n")
    seen: list[str] = []

    def read() -> None:
        for line in lines_of(log, follow=True, poll_s=0.01):
            seen.append(line)
            if len(seen) == 2:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.05)
    with log.open("a") as handle:
        handle.write(json.dumps(LINES[2]) + "\n")
    reader.join(5)
    assert len(seen) == 2 and "registry_call" in seen[1]


REQUEST_LINE = {
    "event": "route.request",
    "timestamp": "2026-11-23T14:03:12.345678Z",
    "level": "info",
    "hop": "refused",
    "outcome": "registry.civil.unavailable",
    "duration_ms": 31.5,
    "request_id": "r-77",
    "service": "birth-certificate",
    "municipality": "19",
    "hops": [
        {"hop": "received", "outcome": "received"},
        {"hop": "validated", "outcome": "valid", "duration_ms": 0.1},
        {
            "hop": "registry_call",
            "outcome": "unavailable",
            "call": "person",
            "registry": "civil",
            "operation": "getPerson",
            "duration_ms": 30.2,
        },
        {"hop": "refused", "outcome": "registry.civil.unavailable", "duration_ms": 31.5},
    ],
}


def _shown_request(log_filter: LogFilter) -> list[str]:
    out = io.StringIO()
    lines = [*_text(), json.dumps(REQUEST_LINE) + "\n"]
    show(iter(lines), log_filter, out, colour=False)
    return out.getvalue().splitlines()


def test_a_requests_one_line_is_shown_hop_by_hop_with_outcome_and_duration() -> None:
    shown = _shown_request(LogFilter(request_id="r-77"))

    assert [line.split()[1] for line in shown] == [
        "received",
        "validated",
        "registry_call",
        "refused",
    ]
    assert all(line.startswith("14:03:12.345") and line.endswith("r-77") for line in shown)
    call = shown[2]
    for part in ("unavailable", "birth-certificate 19 civil getPerson person", "30.2 ms"):
        assert part in call
    assert "registry.civil.unavailable" in shown[3] and "31.5 ms" in shown[3]


def test_a_hop_or_outcome_filter_finds_a_request_by_any_of_its_hops() -> None:
    assert len(_shown_request(LogFilter(hop="registry_call", request_id="r-77"))) == 4
    assert len(_shown_request(LogFilter(outcome="unavailable"))) == 4
    assert _shown_request(LogFilter(hop="rule", request_id="r-77")) == []
    assert len(_shown_request(LogFilter(hop="registry_call"))) == 5, "and the old lines still"
