"""The one middleware every request passes: its id, its header bounds, its admission.

In this order: every request gets its id (the caller's ``X-Request-Id`` when it is short and
plain, else a new one), echoed in the answer, bound into every log line and its access line,
before anything may refuse it, so a 431 or a 503 can be traced like any other answer; then
the header bounds; then admission (``gateway/api/admission.py``). Plain ASGI, one layer: as
three layers each request paid three coroutine frames, two walks over its headers and a copy
of the response's start message (``bench/results/optimisation.md``, round 4, the HTTP layer).

The header bounds: more headers than ``GATEWAY_MAX_HEADERS``, or more header bytes than
``GATEWAY_MAX_HEADER_BYTES``, get a 431 problem document. The server is the first line
(``gateway/serving.py``, ``BoundedHttpToolsProtocol``): it refuses with a 400 a request head
still incomplete past ``GATEWAY_MAX_HEADER_BYTES``, so an 8 MB header is never buffered whole.
It checks that bound only while it waits for more of the head, though: a head that arrives
complete in one read is parsed whatever its size, and no server setting bounds the number of
headers. This check applies both bounds exactly, before routing.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.admission import (
    RETRY_AFTER_S,
    Admission,
    Refuser,
    always_admitted,
    note_refusal,
    problem_document,
)
from gateway.api.problems import render
from gateway.refusals import Refusal

log = structlog.get_logger()

REQUEST_ID_HEADER = b"x-request-id"
# A caller's id is accepted only when it is short and plain, so it cannot smuggle data into logs.
ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADERS_TOO_LARGE = "request.headers.too_large"

_bind = structlog.contextvars.bind_contextvars
_clear = structlog.contextvars.clear_contextvars


class FrontDoorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        admission: Admission,
        max_headers: int,
        max_header_bytes: int,
        refusers: Mapping[str, Refuser] | None = None,
    ) -> None:
        self.app = app
        self.admission = admission
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes
        self.refusers = tuple((refusers or {}).items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        # One walk: the caller's id, if acceptable, and the bytes the bound counts.
        request_id = ""
        size = 0
        for name, value in headers:
            size += len(name) + len(value)
            if not request_id and name == REQUEST_ID_HEADER:
                text = value.decode("latin-1")
                if ACCEPTABLE_ID.match(text):
                    request_id = text
        if not request_id:
            request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        _clear()
        _bind(request_id=request_id)
        started = time.perf_counter()
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: a response's own headers are not ours to change.
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            if len(headers) > self.max_headers or size > self.max_header_bytes:
                await self._too_large(scope, receive, send_with_id)
                return
            admission = self.admission
            path: str = scope["path"]
            if not admission.limit or always_admitted(path):
                await self.app(scope, receive, send_with_id)
                return
            if admission.in_flight >= admission.limit:
                await self._refuse(scope, receive, send_with_id)
                return
            admission.in_flight += 1
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                admission.in_flight -= 1
        finally:
            log.info(
                "http.request.finished",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            _clear()

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.warning("http.request.headers_too_large", headers=len(scope["headers"]))
        # English: the headers that would choose a language are the very ones refused.
        response = render(Refusal(HEADERS_TOO_LARGE), Request(scope, receive), "en")
        await response(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        note_refusal(self.admission, scope)
        path: str = scope["path"]
        refuse: Refuser = problem_document
        for prefix, refuser in self.refusers:
            if path.startswith(prefix):
                refuse = refuser
                break
        await refuse(Request(scope, receive), RETRY_AFTER_S)(scope, receive, send)
