"""Admission control: past a number of requests in flight, new ones are refused at once.

A gateway that takes in more work than its CPU can start soon answers nobody: with 10,000
requests held open, each waits behind the others until the registry timeout turns it into a
503 anyway, after the gateway has paid for parsing and routing it (``bench/results/
gateway-load.md``). Refusing at the door costs a small part of a request and tells the
client, with ``Retry-After``, when to come back; nothing was accepted, so nothing is lost,
and an ``Idempotency-Key`` makes the retry safe.

Health, readiness, metrics and the operators' endpoints are never refused: they are how
people see an overload, and they are cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.problems import Problem, render, request_language

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
    problem = Problem(OVERLOADED, headers={"Retry-After": str(retry_after_s)})
    return render(problem, request, request_language(request))


class AdmissionMiddleware:
    """Plain ASGI, so a request it lets through pays two additions and a comparison."""

    def __init__(
        self,
        app: ASGIApp,
        admission: Admission,
        refusers: Mapping[str, Refuser] | None = None,
    ) -> None:
        self.app = app
        self.admission = admission
        self.refusers = dict(refusers or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        admission = self.admission
        if scope["type"] != "http" or not admission.limit or _always_admitted(scope["path"]):
            await self.app(scope, receive, send)
            return
        if admission.in_flight >= admission.limit:
            await self._refuse(scope, receive, send)
            return
        admission.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            admission.in_flight -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        admission = self.admission
        admission.refused += 1
        gateway = scope.get("state", {}).get("gateway")
        if gateway is not None:
            gateway.metrics.overload_refusals.inc()
        # One line per hundred refusals: an overload must not also flood the log.
        if admission.refused % 100 == 1:
            log.warning(
                "http.request.overloaded",
                in_flight=admission.in_flight,
                limit=admission.limit,
                refused_total=admission.refused,
            )
        request = Request(scope, receive)
        refuse = self._refuser_for(scope["path"])
        await refuse(request, RETRY_AFTER_S)(scope, receive, send)

    def _refuser_for(self, path: str) -> Refuser:
        for prefix, refuser in self.refusers.items():
            if path.startswith(prefix):
                return refuser
        return problem_document


def _always_admitted(path: str) -> bool:
    return path.startswith(ALWAYS_ADMITTED)
