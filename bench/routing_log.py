"""What a sync request's routing log costs: a line per hop against one line with the hops listed.

    .venv/bin/python -m bench.routing_log                     # ~10 s

Both shapes go through the chain a serving gateway has: ``configure_logging`` (JSON, orjson,
personal-number masking, the copy into ``GATEWAY_LOG_FILE``) with the dashboard's live log
attached, the request's context bound as the intake binds it. The hops are those of
``possession-list``: received, validated, two registry calls, one rule, answered.

- ``per hop``: six INFO lines, one per hop (the gateway before issue 20);
- ``one line``: the hops gathered by ``gateway.routing.journey``, each a DEBUG call that the
  INFO level filters out, and one INFO line listing them.

The two run in alternating batches of one run; each figure is the median over batches of the
thread's CPU time (``time.thread_time_ns``) per request. The log goes to files in a temporary
folder, stderr to ``/dev/null``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from gateway.logging import configure_logging
from gateway.ops.live_log import LiveLog, attach
from gateway.routing import journey
from gateway.settings import Settings

log = structlog.get_logger()

CALLS = (("person", "civil", "getPerson"), ("parcels", "cadastre", "possessionList"))


def per_hop() -> None:
    log.info("route.received", hop="received", outcome="received")
    log.info("route.validated", hop="validated", outcome="valid", duration_ms=0.08)
    for name, registry, operation in CALLS:
        log.info(
            "route.registry_call",
            hop="registry_call",
            call=name,
            registry=registry,
            operation=operation,
            outcome="found",
            duration_ms=4.21,
        )
    log.info("route.rule", hop="rule", rule="owns_parcel", outcome="passed", duration_ms=0.012)
    log.info(
        "intake.answered",
        request="3f2a0c7e-8b1d-4c55-9a8e-2f7d1c3b4a5e",
        service="possession-list",
        municipality="19",
        status=200,
        hop="answered",
        outcome="answered",
        duration_ms=9.13,
    )


def one_line() -> None:
    opened = journey.begin()
    journey.hop("route.received", "received", "received")
    journey.hop("route.validated", "validated", "valid", duration_ms=0.08)
    for name, registry, operation in CALLS:
        journey.hop(
            "route.registry_call",
            "registry_call",
            "found",
            duration_ms=4.21,
            call=name,
            registry=registry,
            operation=operation,
        )
    journey.hop("route.rule", "rule", "passed", duration_ms=0.012, rule="owns_parcel")
    journey.end(opened, "intake.answered", "answered", "answered", status=200)


def _batch(shape: Callable[[], None], requests: int) -> float:
    """CPU µs per request over one batch."""
    started = time.thread_time_ns()
    for _ in range(requests):
        shape()
    return (time.thread_time_ns() - started) / requests / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--requests", type=int, default=1000, help="per batch")
    args = parser.parse_args()
    shapes = {"per hop": per_hop, "one line": one_line}
    figures: dict[str, list[float]] = {name: [] for name in shapes}
    original = sys.stderr
    with tempfile.TemporaryDirectory() as folder, Path("/dev/null").open("w") as null:
        sys.stderr = null
        try:
            configure_logging(Settings(log_format="json", log_file=Path(folder) / "gateway.log"))
            detach = attach(LiveLog())
            structlog.contextvars.bind_contextvars(
                http_request_id="9d1e5b7a-3c2f-4e8d-b6a1-0f9e8d7c6b5a",
                request_id="3f2a0c7e-8b1d-4c55-9a8e-2f7d1c3b4a5e",
                client="e-kosova-portal",
                service="possession-list",
                municipality="19",
            )
            for shape in shapes.values():  # warm-up
                _batch(shape, args.requests // 10)
            for _ in range(args.batches):
                for name, shape in shapes.items():
                    figures[name].append(_batch(shape, args.requests))
            detach()
        finally:
            structlog.contextvars.clear_contextvars()
            sys.stderr = original
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print("| shape | log lines per request | CPU µs per request (median of batches) |")
    print("|---|---|---|")
    print(f"| per hop (before) | 6 | {medians['per hop']:.1f} |")
    print(f"| one line (after) | 1 | {medians['one line']:.1f} |")
    print(f"\none line / per hop = {medians['one line'] / medians['per hop']:.2f}")


if __name__ == "__main__":
    main()
