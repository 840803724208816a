"""The admission counter never leaks: a request that crashes gives its place back."""

from __future__ import annotations

import asyncio

import pytest

from gateway.api.admission import Admission
from gateway.api.front_door import FrontDoorMiddleware


async def crashing_app(scope, receive, send):
    raise RuntimeError("boom")


def front_door(app, admission: Admission) -> FrontDoorMiddleware:
    return FrontDoorMiddleware(app, admission=admission, max_headers=100, max_header_bytes=8192)


def http_scope(path: str) -> dict:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


def test_a_crashing_request_gives_its_place_back():
    admission = Admission(limit=1)
    middleware = front_door(crashing_app, admission)

    for _ in range(3):
        with pytest.raises(RuntimeError):
            asyncio.run(middleware(http_scope("/v1/requests"), None, None))

    assert admission.in_flight == 0
    assert admission.refused == 0


def test_health_and_operators_are_never_counted_nor_refused():
    admission = Admission(limit=1, in_flight=1)
    seen: list[str] = []

    async def app(scope, receive, send):
        seen.append(scope["path"])

    middleware = front_door(app, admission)
    for path in ("/health", "/ready", "/metrics", "/v1/ops/requests"):
        asyncio.run(middleware(http_scope(path), None, None))

    assert seen == ["/health", "/ready", "/metrics", "/v1/ops/requests"]
    assert admission.refused == 0
