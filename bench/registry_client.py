"""The registry client: what each HTTP call costs the gateway, and where an adapter's CPU goes.

Run from the repository root (it starts its own sandbox on free loopback ports):

    .venv/bin/python -m bench.registry_client              # ~3 minutes
    .venv/bin/python -m bench.registry_client --quick      # smoke run, ~30 s

and read ``bench/results/registry-client.md``. The requests are the gateway's own: the
``possession-list`` route's two calls (civil ``GetPerson`` over SOAP, cadastre
``getPossessionList`` over REST), recorded from the adapters (method, URL, headers and body,
byte for byte) for 50 seeded applicants, then replayed through each transport variant
against the real sandbox servers (``python -m sandbox``).

Every variant runs in the same process, in alternating rounds, and is reported as CPU of this
process per call (the client side: aiohttp, the event loop, the transport's own work) and as a
ratio against the transport of the commit before this round (``Before``, frozen below), so
that the machine's load, which moves from minute to minute, cancels out of the ratios.

Sections:
1. transport variants on the exact requests, one call at a time and 16 in flight;
2. the whole adapter (``ResilientRegistry.call``: breaker, engine, transport) against the
   transport alone and the codec alone (the adapter over a transport that returns the recorded
   answer: envelope, hostile-input checks, XSD or JSON-schema check, mapping), so the cost of a
   call is split between transport and codec;
3. codec variants: the SOAP envelope built with lxml against a precompiled template.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
import httptools
import structlog
import uvloop
from yarl import URL

from adapters.errors import RegistryBadResponse, RegistryUnavailable
from adapters.policy import RegistryPolicy
from adapters.registry import RegistryKind, ResilientRegistry, build_registry
from adapters.soap import SoapContract
from adapters.transport import AiohttpTransport, RegistryTransport, TransportResponse
from bench.registry_adapters import (
    CADASTRE_OPENAPI,
    CIVIL_WSDL,
    ROOT,
    CannedTransport,
    cpu_per_call_us,
    pick_keys,
    start_sandbox,
)
from bench.report import table

REPORT = ROOT / "bench" / "results" / "registry-client.md"
HAND_WRITTEN = "<!-- written by hand below this line; a re-run keeps it -->"
POLICY = RegistryPolicy(timeout_s=10.0, max_connections=64)
RouteCall = tuple[str, RegistryKind, Path, str]
ROUTE_CALLS: tuple[RouteCall, ...] = (
    ("civil", "soap", CIVIL_WSDL, "GetPerson"),
    ("cadastre", "rest", CADASTRE_OPENAPI, "getPossessionList"),
)
"""The ``possession-list`` route's two calls (routing.yaml): registry, kind, contract, operation."""


def route_adapter(
    call: RouteCall, urls: Mapping[str, str], transport: RegistryTransport
) -> ResilientRegistry:
    """The adapter of one of the route's calls, against the sandbox, over ``transport``."""
    name, kind, contract, _ = call
    return build_registry(
        name, kind=kind, contract=contract, endpoint=urls[name], policy=POLICY, transport=transport
    )


@dataclass(frozen=True, slots=True)
class Request:
    """One request exactly as an adapter handed it to its transport."""

    registry: str
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    operation: str


class SuspendingCanned(CannedTransport):
    """The recorded answer, after giving the event loop one turn as a socket read would."""

    async def send(self, *args: Any, **kwargs: Any) -> TransportResponse:
        await asyncio.sleep(0)
        return await super().send(*args, **kwargs)


class SentThenCanned:
    """Sends the real request through the real transport, then hands the adapter the one
    recorded answer the codec-alone row reads: the adapter's work is then the codec row's
    work, plus the transport's, interleaved as in production."""

    def __init__(self, inner: RegistryTransport, answer: TransportResponse) -> None:
        self._inner = inner
        self._answer = answer

    async def send(self, method: str, url: str, **kwargs: Any) -> TransportResponse:
        await self._inner.send(method, url, **kwargs)
        return self._answer

    async def aclose(self) -> None:
        await self._inner.aclose()


class Recorder:
    """A transport that keeps what it is asked to send and forwards it to a real one."""

    def __init__(self, registry: str, inner: RegistryTransport, into: list[Request]) -> None:
        self._registry = registry
        self._inner = inner
        self._into = into
        self.last: TransportResponse | None = None

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        self._into.append(Request(self._registry, method, url, dict(headers), body, operation))
        self.last = await self._inner.send(
            method, url, headers=headers, body=body, operation=operation
        )
        return self.last

    async def aclose(self) -> None:
        await self._inner.aclose()


# ---- transport variants ------------------------------------------------------------------------


class Before:
    """``adapters/transport.py`` as of 1fdb113, the commit before this round, frozen here.

    A copy, not the file at that revision: the variants below are this baseline with one knob
    changed, and they need two hooks the real transport has no use for (``_session_options``,
    ``_request_options``). Apart from those it differs from 1fdb113's transport only in the
    wording of its errors, which no measured (successful) call reaches.
    """

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        self._registry = registry
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    def _session_options(self) -> dict[str, Any]:
        """The session's options besides its connector: what the session variants change."""
        return {
            "timeout": aiohttp.ClientTimeout(total=self._policy.timeout_s),
            "raise_for_status": False,
            "skip_auto_headers": ("User-Agent",),
        }

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._policy.max_connections,
                limit_per_host=self._policy.max_connections,
                keepalive_timeout=30.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, **self._session_options()
            )
        return self._session

    def _request_options(self) -> dict[str, Any]:
        return {}

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        limit = self._policy.max_response_bytes
        try:
            async with self._client().request(
                method,
                url,
                headers=headers,
                data=body,
                allow_redirects=False,
                **self._request_options(),
            ) as response:
                declared = response.content_length
                if declared is not None and declared > limit:
                    raise RegistryBadResponse(self._registry, "too big", operation=operation)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > limit:
                        raise RegistryBadResponse(self._registry, "too big", operation=operation)
                    chunks.append(chunk)
                return TransportResponse(
                    status=response.status,
                    media_type=response.content_type.lower(),
                    body=b"".join(chunks),
                )
        except TimeoutError as exc:
            raise RegistryUnavailable(self._registry, "timeout", operation=operation) from exc
        except aiohttp.ClientError as exc:
            raise RegistryUnavailable(self._registry, "connection", operation=operation) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class FreshSession(Before):
    """No connection reuse: a new session and TCP connection for every call."""

    async def send(self, method: str, url: str, **kwargs: Any) -> TransportResponse:
        once = Before(self._registry, self._policy)
        try:
            return await once.send(method, url, **kwargs)
        finally:
            await once.aclose()


class TimeoutPerRequest(Before):
    """A ``ClientTimeout`` object built and passed with every request."""

    def _request_options(self) -> dict[str, Any]:
        return {"timeout": aiohttp.ClientTimeout(total=self._policy.timeout_s)}


class AutoHeaders(Before):
    """aiohttp's automatic headers left on (User-Agent, Accept-Encoding, Accept)."""

    def _session_options(self) -> dict[str, Any]:
        return {"timeout": aiohttp.ClientTimeout(total=self._policy.timeout_s)}


class SkipAllAutoHeaders(Before):
    """``skip_auto_headers`` for every header aiohttp adds that a registry does not need."""

    def _session_options(self) -> dict[str, Any]:
        return {
            **super()._session_options(),
            "skip_auto_headers": ("User-Agent", "Accept-Encoding"),
        }


class ReadWhole(Before):
    """The body read with one ``response.read()`` when Content-Length is declared and fits."""

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        limit = self._policy.max_response_bytes
        async with self._client().request(
            method, url, headers=headers, data=body, allow_redirects=False
        ) as response:
            declared = response.content_length
            if declared is None or declared > limit:
                raise RegistryBadResponse(self._registry, "no length", operation=operation)
            payload = await response.read()
            return TransportResponse(response.status, response.content_type.lower(), payload)


class PrebuiltUrl(ReadWhole):
    """``read-whole`` plus a ``yarl.URL`` built once per endpoint (aiohttp parses a ``str``
    on every request); a REST path is joined to the prebuilt origin, already encoded."""

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        super().__init__(registry, policy)
        self._urls: dict[str, URL] = {}

    async def send(self, method: str, url: str, **kwargs: Any) -> TransportResponse:
        prebuilt = self._urls.get(url)
        if prebuilt is None:
            prebuilt = URL(url, encoded=True)
            if len(self._urls) < 64:
                self._urls[url] = prebuilt
        return await super().send(method, prebuilt, **kwargs)  # type: ignore[arg-type]


class SocketTimeouts(ReadWhole):
    """``read-whole`` with no overall timer per request: connect and read timeouts only."""

    def _session_options(self) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._policy.timeout_s, sock_read=self._policy.timeout_s
        )
        return {**super()._session_options(), "timeout": timeout}


class Floor:
    """The least aiohttp can do: one pooled session, ``post``/``get`` and ``read``; no checks."""

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._policy.max_connections),
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        async with self._session.request(method, url, headers=headers, data=body) as response:
            return TransportResponse(response.status, response.content_type, await response.read())

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _RawConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection parsed by httptools: the floor below aiohttp."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._content_type = b""
        self._header = b""
        self.waiter: asyncio.Future[TransportResponse] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-type":
            self._content_type = value

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        media = self._content_type.split(b";")[0].strip().lower().decode()
        answer = TransportResponse(self._parser.get_status_code(), media, b"".join(self._chunks))
        self._chunks = []
        self._content_type = b""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(answer)


class RawHttptools:
    """A hand-written keep-alive HTTP/1.1 client on asyncio + httptools, only to find the floor
    (no redirects, TLS, limits or error handling: not a candidate for the gateway)."""

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        self._idle: list[_RawConnection] = []

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        target = URL(url)
        if self._idle:
            connection = self._idle.pop()
        else:
            _, connection = await asyncio.get_running_loop().create_connection(
                _RawConnection, target.host or "", target.port or 80
            )
        lines = [f"{method} {target.raw_path_qs} HTTP/1.1", f"Host: {target.host}:{target.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        connection.waiter = asyncio.get_running_loop().create_future()
        assert connection.transport is not None
        connection.transport.write(head + (body or b""))
        answer = await connection.waiter
        self._idle.append(connection)
        return answer

    async def aclose(self) -> None:
        for connection in self._idle:
            if connection.transport is not None:
                connection.transport.close()
        self._idle = []


class GuardedRawHttptools(RawHttptools):
    """``raw-httptools`` with what a gateway transport would add: a pool limit, one
    ``asyncio.timeout`` per call, the size limit. Still no TLS, stale-connection retry or
    error mapping."""

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        super().__init__(registry, policy)
        self._policy = policy
        self._slots = asyncio.Semaphore(policy.max_connections)

    async def send(self, method: str, url: str, **kwargs: Any) -> TransportResponse:
        async with self._slots, asyncio.timeout(self._policy.timeout_s):
            answer = await super().send(method, url, **kwargs)
        if len(answer.body) > self._policy.max_response_bytes:
            raise RegistryBadResponse("x", "too big", operation=kwargs["operation"])
        return answer


VARIANTS: dict[str, tuple[str, Callable[[str, RegistryPolicy], RegistryTransport]]] = {
    "before": ("transport of 1fdb113: pooled session, timeout on the session (baseline)", Before),
    "current": ("adapters/transport.py of this checkout", AiohttpTransport),
    "fresh-session": ("no reuse: new session + connection per call", FreshSession),
    "timeout-per-request": ("a ClientTimeout object per request", TimeoutPerRequest),
    "auto-headers": ("aiohttp's automatic headers on (no skip_auto_headers)", AutoHeaders),
    "skip-accept-encoding": ("skip_auto_headers also drops Accept-Encoding", SkipAllAutoHeaders),
    "read-whole": ("body read with one read() (Content-Length checked)", ReadWhole),
    "prebuilt-url": ("read-whole + yarl.URL built once per endpoint", PrebuiltUrl),
    "socket-timeouts": ("read-whole + connect/read timeouts, no total timer", SocketTimeouts),
    "aiohttp-floor": ("bare aiohttp: request + read, no checks", Floor),
    "raw-httptools": (
        "hand-written asyncio + httptools client (floor, not a candidate)",
        RawHttptools,
    ),
    "raw-guarded": ("raw-httptools + pool limit, asyncio.timeout, size check", GuardedRawHttptools),
}


# ---- measuring ---------------------------------------------------------------------------------


async def cpu_per_call(
    action: Callable[[int], Awaitable[object]], calls: int, concurrency: int
) -> float:
    """CPU microseconds of this process per call, ``calls`` calls from ``concurrency`` workers."""
    counter = iter(range(calls))

    async def worker() -> None:
        for index in counter:
            await action(index)

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) / calls * 1e6


def replay(
    transport: RegistryTransport, requests: list[Request]
) -> Callable[[int], Awaitable[object]]:
    async def action(index: int) -> object:
        request = requests[index % len(requests)]
        answer = await transport.send(
            request.method,
            request.url,
            headers=request.headers,
            body=request.body,
            operation=request.operation,
        )
        if answer.status != 200:
            raise SystemExit(f"{request.operation}: status {answer.status}")
        return answer

    return action


async def bench_transports(
    requests: dict[str, list[Request]], calls: int, rounds: int, levels: list[int]
) -> dict[tuple[str, str, int], float]:
    """Median over ``rounds`` alternating rounds of CPU µs per call for each variant."""
    samples: dict[tuple[str, str, int], list[float]] = {}
    transports = {
        (variant, registry): factory(registry, POLICY)
        for variant, (_, factory) in VARIANTS.items()
        for registry in requests
    }
    for (_, registry), transport in transports.items():
        await cpu_per_call(replay(transport, requests[registry]), 50, 4)  # warm the pools
    order = list(VARIANTS)
    for round_number in range(rounds):
        # Each round starts at a different variant, so none always runs first or last.
        shift = round_number % len(order)
        rotated = order[shift:] + order[:shift]
        for concurrency in levels:
            for registry, recorded in requests.items():
                for variant in rotated:
                    transport = transports[(variant, registry)]
                    n = calls // 4 if variant == "fresh-session" else calls
                    value = await cpu_per_call(replay(transport, recorded), n, concurrency)
                    samples.setdefault((variant, registry, concurrency), []).append(value)
    for transport in transports.values():
        await transport.aclose()
    return {key: statistics.median(values) for key, values in samples.items()}


async def bench_split(
    urls: Mapping[str, str], requests: dict[str, list[Request]], calls: int, rounds: int
) -> dict[tuple[str, str], float]:
    """Whole adapter vs transport alone vs codec alone, per registry, one call at a time."""
    keys = pick_keys()
    arguments = [{"personalNumber": number} for number in keys.persons]
    wired: dict[str, Any] = {}
    canned: dict[str, Any] = {}
    suspended: dict[str, Any] = {}
    interleaved: dict[str, Any] = {}
    for call in ROUTE_CALLS:
        name, operation = call[0], call[3]
        recorder = Recorder(name, AiohttpTransport(name, POLICY), [])
        probe = route_adapter(call, urls, recorder)
        await probe.call(operation, arguments[0])
        answer = recorder.last
        assert answer is not None
        await probe.aclose()
        wired[name] = (operation, route_adapter(call, urls, AiohttpTransport(name, POLICY)))
        canned[name] = (operation, route_adapter(call, urls, CannedTransport(answer)))
        interleaved[name] = (
            operation,
            route_adapter(call, urls, SentThenCanned(AiohttpTransport(name, POLICY), answer)),
        )
        suspended[name] = (operation, route_adapter(call, urls, SuspendingCanned(answer)))
    transports = {name: AiohttpTransport(name, POLICY) for name in requests}

    def calling(pair: tuple[str, Any]) -> Callable[[int], Awaitable[object]]:
        operation, registry = pair

        async def action(index: int) -> object:
            return await registry.call(
                operation,
                arguments[0] if registry in canned_set else arguments[index % len(arguments)],
            )

        return action

    canned_set = {registry for _, registry in (*canned.values(), *suspended.values())}
    samples: dict[tuple[str, str], list[float]] = {}
    for name in requests:
        for action in (
            calling(wired[name]),
            calling(canned[name]),
            replay(transports[name], requests[name]),
        ):
            await cpu_per_call(action, 50, 1)
    for _ in range(rounds):
        for name in requests:
            for part, action in (
                ("adapter", calling(wired[name])),
                ("transport", replay(transports[name], requests[name])),
                ("codec", calling(canned[name])),
                ("codec-suspended", calling(suspended[name])),
                ("interleaved", calling(interleaved[name])),
            ):
                samples.setdefault((name, part), []).append(await cpu_per_call(action, calls, 1))
    for _, registry in (
        *wired.values(),
        *canned.values(),
        *suspended.values(),
        *interleaved.values(),
    ):
        await registry.aclose()
    for transport in transports.values():
        await transport.aclose()
    return {key: statistics.median(values) for key, values in samples.items()}


def bench_envelopes(calls: int) -> dict[str, float]:
    """The GetPerson envelope: the engine's lxml build against a precompiled byte template."""
    from lxml import etree

    from adapters.civil_registry import MAPPING
    from adapters.soap import SoapEngine

    contract = SoapContract.load(CIVIL_WSDL)
    engine = SoapEngine(
        "civil",
        contract=contract,
        mapping=MAPPING,
        endpoint="http://127.0.0.1:1/",
        transport=CannedTransport(TransportResponse(200, "text/xml", b"")),
    )
    operation = contract.operations["GetPerson"]
    arguments = {"personalNumber": pick_keys().persons[0]}

    def whole_envelope() -> bytes:
        # The engine's envelope as of 1fdb113: every element built with lxml, then serialised.
        soap_ns = "http://schemas.xmlsoap.org/soap/envelope/"
        envelope = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"soapenv": soap_ns})
        body = etree.SubElement(envelope, f"{{{soap_ns}}}Body")
        request = etree.SubElement(body, operation.request_element)
        for name, tag in operation.parameters:
            etree.SubElement(request, tag).text = arguments[name]
        if not contract.schema.validate(request):
            raise ValueError("invalid")
        return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")

    current = engine._envelope(operation, arguments)
    assert current == whole_envelope(), (current, whole_envelope())
    return {
        "whole envelope built with lxml + XSD check (1fdb113)": cpu_per_call_us(
            whole_envelope, calls
        ),
        "engine of this checkout": cpu_per_call_us(
            lambda: engine._envelope(operation, arguments), calls
        ),
    }


# ---- report ------------------------------------------------------------------------------------


def record_requests(urls: Mapping[str, str]) -> dict[str, list[Request]]:
    """The possession-list route's two calls for every seeded applicant, as sent by the adapters."""
    keys = pick_keys()

    async def run() -> dict[str, list[Request]]:
        recorded: dict[str, list[Request]] = {"civil": [], "cadastre": []}
        for call in ROUTE_CALLS:
            name, operation = call[0], call[3]
            registry = route_adapter(
                call, urls, Recorder(name, AiohttpTransport(name, POLICY), recorded[name])
            )
            for number in keys.persons:
                await registry.call(operation, {"personalNumber": number})
            await registry.aclose()
        return recorded

    return uvloop.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few calls, one round: a smoke run")
    parser.add_argument("--calls", type=int, default=2000, help="calls per variant per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=str(REPORT))
    args = parser.parse_args()
    calls, rounds = (300, 1) if args.quick else (args.calls, args.rounds)
    # The gateway logs at INFO, as JSON; here to /dev/null. The adapters' DEBUG line for a
    # clean call is then dropped as cheaply as in production.
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives for the whole run
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=sink),
        cache_logger_on_first_use=True,
    )
    load_before = os.getloadavg()[0]
    started = datetime.now(UTC)
    sandbox = start_sandbox()
    try:
        requests = record_requests(sandbox.urls)
        transports = uvloop.run(bench_transports(requests, calls, rounds, [1, 16]))
        split = uvloop.run(bench_split(sandbox.urls, requests, calls, rounds))
    finally:
        sandbox.stop()
    envelopes = bench_envelopes(2000 if args.quick else 20000)
    text = render(requests, transports, split, envelopes, calls, rounds, started, load_before)
    target = Path(args.output)
    if target.exists():
        # What was written by hand below the marker (end-to-end runs, conclusions) stays.
        kept = target.read_text(encoding="utf-8").partition(HAND_WRITTEN)
        if kept[1]:
            text += "\n" + HAND_WRITTEN + kept[2]
    target.write_text(text, encoding="utf-8")
    print(text)


def render(
    requests: dict[str, list[Request]],
    transports: Mapping[tuple[str, str, int], float],
    split: Mapping[tuple[str, str], float],
    envelopes: Mapping[str, float],
    calls: int,
    rounds: int,
    started: datetime,
    load_before: float,
) -> str:
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("aiohttp", "yarl", "multidict", "uvloop", "lxml")
    )
    sample = {name: recorded[0] for name, recorded in requests.items()}
    lines = [
        "# Registry client: measured",
        "",
        "Command: `.venv/bin/python -m bench.registry_client` (from the repository root; starts "
        "its own sandbox).",
        f"Run: {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} vCPUs, CPython "
        f"{platform.python_version()}; {packages}. Event loop: uvloop. Load average (1 min) "
        f"before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}.",
        "",
        f"Each figure is the median of {rounds} alternating rounds of {calls:,} calls, in CPU "
        "µs of this process per call (the sandbox runs in its own processes on the same cores). "
        "Ratios are against `before` in the same round set; read them, not the absolute figures, "
        "on this shared machine.",
        "",
        "Requests (recorded from the adapters for 50 seeded applicants, replayed as is):",
        "",
    ]
    for name, request in sample.items():
        size = len(request.body) if request.body else 0
        lines.append(
            f"- {name} `{request.operation}`: {request.method} {URL(request.url).path}, "
            f"headers {sorted(request.headers)}, body {size} bytes"
        )
    lines += ["", "## 1. Transport variants on the exact requests", ""]
    header = ["variant", "what"]
    levels = sorted({level for _, _, level in transports})
    names = list(requests)
    for level in levels:
        for name in names:
            header += [f"{name} c={level} µs", "x before"]
    rows = []
    for variant, (what, _) in VARIANTS.items():
        row = [variant, what]
        for level in levels:
            for name in names:
                value = transports[(variant, name, level)]
                row += [f"{value:.0f}", f"{value / transports[('before', name, level)]:.2f}x"]
        rows.append(row)
    lines += [table(header, rows), ""]
    lines += ["## 2. Whole adapter, transport alone, codec alone (one call at a time)", ""]
    rows = []
    for name in names:
        adapter = split[(name, "adapter")]
        transport = split[(name, "transport")]
        codec = split[(name, "codec")]
        suspended = split[(name, "codec-suspended")]
        interleaved = split[(name, "interleaved")]
        rows.append(
            [
                f"{name} `{sample[name].operation}`",
                f"{adapter:.0f}",
                f"{transport:.0f} ({transport / adapter:.0%})",
                f"{codec:.0f} ({codec / adapter:.0%})",
                f"{suspended:.0f} ({suspended / adapter:.0%})",
                f"{adapter - transport - codec:+.0f}",
                f"{interleaved:.0f} ({interleaved / adapter:.0%})",
            ]
        )
    lines += [
        table(
            [
                "call",
                "adapter µs",
                "transport µs (share)",
                "codec + breaker µs (share)",
                "same, one loop turn µs",
                "unaccounted µs",
                "transport + codec interleaved µs",
            ],
            rows,
        ),
        "",
        "`codec` is `ResilientRegistry.call` over a transport that hands back the recorded "
        "answer: arguments checked, envelope or path built, answer checked as hostile input, "
        "XSD (lxml) or JSON schema (fastjsonschema) check, mapping into the pydantic record, "
        "breaker, the DEBUG log call (dropped at INFO). `same, one loop turn` gives the event "
        "loop one turn where the socket read would be (`asyncio.sleep(0)`), so the coroutine "
        "chain is suspended and resumed as with a real answer. `unaccounted` is the adapter less "
        "transport and codec measured apart. `transport + codec interleaved` is the adapter "
        "sending the real request and then reading the codec row's one recorded answer: the "
        "codec row's work and the transport row's, done one after the other on each call.",
        "",
        "## 3. Codec variant: the SOAP envelope",
        "",
    ]
    base = envelopes["whole envelope built with lxml + XSD check (1fdb113)"]
    lines += [
        table(
            ["GetPerson envelope", "CPU µs", "x 1fdb113"],
            [[label, f"{value:.1f}", f"{value / base:.2f}x"] for label, value in envelopes.items()],
        ),
        "",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
