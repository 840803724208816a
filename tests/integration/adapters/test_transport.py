"""The pooled aiohttp transport against a real loopback server: reuse, limits, failures."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from adapters.errors import RegistryBadResponse, RegistryUnavailable
from adapters.policy import RegistryPolicy
from adapters.transport import AiohttpTransport

from .http_stub import serve


def transport(**policy: float) -> AiohttpTransport:
    return AiohttpTransport("civil", RegistryPolicy(**policy))


async def send(wire: AiohttpTransport, url: str):
    return await wire.send(
        "POST", url, headers={"Content-Type": "text/xml"}, body=b"<x/>", operation="GetPerson"
    )


def test_calls_reuse_one_kept_alive_connection() -> None:
    peers: list[object] = []

    async def handler(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(body=b"<ok/>", content_type="text/xml")

    async def scenario() -> None:
        wire = transport()
        async with serve(handler) as origin:
            for _ in range(20):
                answer = await send(wire, origin + "/civil")
                assert answer.status == 200
                assert answer.body == b"<ok/>"
                assert answer.media_type == "text/xml"
            await wire.aclose()

    asyncio.run(scenario())
    assert len(peers) == 20
    assert len(set(peers)) == 1


def test_one_requests_registry_calls_run_concurrently() -> None:
    # The server answers only once two requests are inside it at the same time, so
    # calls that blocked the event loop (or were serialised) would never be answered.
    inside = 0
    both_arrived = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        nonlocal inside
        inside += 1
        if inside == 2:
            both_arrived.set()
        await both_arrived.wait()
        return web.Response(body=b"<ok/>", content_type="text/xml")

    async def scenario() -> list[int]:
        wire = transport(timeout_s=30)
        async with serve(handler) as origin:
            answers = await asyncio.gather(send(wire, origin), send(wire, origin))
            await wire.aclose()
        return [answer.status for answer in answers]

    assert asyncio.run(scenario()) == [200, 200]


def test_an_oversized_answer_is_refused() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/xml"})
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"x" * 1024)
        await response.write_eof()
        return response

    async def scenario() -> None:
        wire = transport(max_response_bytes=2048)
        async with serve(handler) as origin:
            with pytest.raises(RegistryBadResponse, match="limit"):
                await send(wire, origin)
            await wire.aclose()

    asyncio.run(scenario())


def test_a_declared_oversized_answer_is_refused_before_reading() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 5000, content_type="text/xml")

    async def scenario() -> None:
        wire = transport(max_response_bytes=2048)
        async with serve(handler) as origin:
            with pytest.raises(RegistryBadResponse, match="5000 bytes"):
                await send(wire, origin)
            await wire.aclose()

    asyncio.run(scenario())


def test_a_silent_registry_times_out_as_unavailable() -> None:
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=b"<late/>")

    async def scenario() -> None:
        wire = transport(timeout_s=0.2)
        async with serve(handler) as origin:
            with pytest.raises(RegistryUnavailable, match="no answer within"):
                await send(wire, origin)
            release.set()
            await wire.aclose()

    asyncio.run(scenario())


def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> None:
        wire = transport()
        with pytest.raises(RegistryUnavailable, match="connection failed"):
            await send(wire, f"http://127.0.0.1:{port}/civil")
        await wire.aclose()

    asyncio.run(scenario())


def test_a_connection_dropped_mid_answer_is_unavailable() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/xml", "Content-Length": "100"})
        await response.prepare(request)
        await response.write(b"<soapenv:Envelope")
        assert request.transport is not None
        request.transport.close()
        return response

    async def scenario() -> None:
        wire = transport()
        async with serve(handler) as origin:
            with pytest.raises(RegistryUnavailable):
                await send(wire, origin)
            await wire.aclose()

    asyncio.run(scenario())
