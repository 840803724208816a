"""The request-header bounds: more headers than ``GATEWAY_MAX_HEADERS``, or more header bytes
than ``GATEWAY_MAX_HEADER_BYTES``, get a 431 problem document.

The server is the first line (``gateway/cli.py``): h11 refuses with a 400 a request head that
is still incomplete past ``max_incomplete_event_size``, so an 8 MB header is never buffered
whole. h11 checks that bound only while it waits for more of the head, though: a head that
arrives complete in one read (up to the transport's read size) is parsed whatever its size,
and no server setting bounds the number of headers. This guard applies both bounds exactly,
before routing, to every request the server let through.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.problems import Problem, render

log = structlog.get_logger()

HEADERS_TOO_LARGE = "request.headers.too_large"


class HeaderLimitMiddleware:
    """Plain ASGI: a ``len`` and, within the count, one sum per request."""

    def __init__(self, app: ASGIApp, *, max_headers: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._within(scope["headers"]):
            await self.app(scope, receive, send)
            return
        log.warning("http.request.headers_too_large", headers=len(scope["headers"]))
        # English: the headers that would choose a language are the very ones refused.
        response = render(Problem(HEADERS_TOO_LARGE), Request(scope, receive), "en")
        await response(scope, receive, send)

    def _within(self, headers: list[tuple[bytes, bytes]]) -> bool:
        if len(headers) > self.max_headers:
            return False
        return sum(len(name) + len(value) for name, value in headers) <= self.max_header_bytes
