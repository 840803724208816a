"""Admission control: past a number of requests in flight, new ones are refused at once.

A gateway that takes in more work than its CPU can start soon answers nobody: with 10,000
requests held open, each waits behind the others until the registry timeout turns it into a
503 anyway, after the gateway has paid for parsing and routing it (``bench/results/
gateway-load.md``). Refusing at the door costs a small part of a request and tells the
client, with ``Retry-After``, when to come back; nothing was accepted, so nothing is lost,
and an ``Idempotency-Key`` makes the retry safe.

Health, readiness, metrics and the operators' endpoints are never refused: they are how
people see an overload, and they are cheap. The check itself is the front door's
(``gateway/api/front_door.py``); this module holds the count and the refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from gateway.api.problems import render, request_language
from gateway.refusals import Refusal

log = structlog.get_logger()

OVERLOADED = "gateway.overloaded"
RETRY_AFTER_S = 1
ALWAYS_ADMITTED = ("/health", "/ready", "/metrics", "/ops", "/v1/ops")

Refuser = Callable[[Request, int], Response]
"""Builds the refusal for a part of the API that speaks its own error format (Open311)."""


@dataclass
class Admission:
    """How many requests are in flight, against the limit (0: no limit)."""

    limit: int
    in_flight: int = 0
    refused: int = 0


def problem_document(request: Request, retry_after_s: int) -> Response:
    problem = Refusal(OVERLOADED, headers={"Retry-After": str(retry_after_s)})
    return render(problem, request, request_language(request))


def always_admitted(path: str) -> bool:
    return path.startswith(ALWAYS_ADMITTED)


def note_refusal(admission: Admission, scope: Scope) -> None:
    """Count a refusal in the metrics, and log one line per hundred refusals: an overload
    must not also flood the log."""
    admission.refused += 1
    gateway = scope.get("state", {}).get("gateway")
    if gateway is not None:
        gateway.metrics.overload_refusals.inc()
    if admission.refused % 100 == 1:
        log.warning(
            "http.request.overloaded",
            in_flight=admission.in_flight,
            limit=admission.limit,
            refused_total=admission.refused,
        )
