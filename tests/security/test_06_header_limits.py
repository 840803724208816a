"""Issue 16, item 6: a request head too large, or with too many headers, is refused.

An 8 MB header or 100,000 headers to ``/health`` were answered 200: the server buffered and
parsed all of it. Each test talks raw HTTP/1.1 over a socket to a real ``ekomunat-gateway
serve``, since a client library would refuse to send such requests at all.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.gateway import GatewayProcess

SOCKET_CEILING_S = 60
REFUSED = (400, 431)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    folder = tmp_path_factory.mktemp("headers")
    process = GatewayProcess(
        {
            "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            "GATEWAY_OPEN_ENABLED": "false",
        },
        folder / "gateway.log",
    )
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _exchange(gateway: GatewayProcess, headers: bytes) -> tuple[int, bytes]:
    """Send ``GET /health`` with ``headers``; the status and the body of the answer."""
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n"
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=SOCKET_CEILING_S) as sock:
        # The server may answer and close before it read the rest: what the test wants.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_a_normal_request_is_answered(gateway: GatewayProcess) -> None:
    status, _ = _exchange(gateway, b"Accept: application/json\r\n")

    assert status == 200


def test_one_8_mb_header_is_refused(gateway: GatewayProcess) -> None:
    status, _ = _exchange(gateway, b"X-Big: " + b"a" * (8 * 1024 * 1024) + b"\r\n")

    assert status in REFUSED


def test_100000_headers_are_refused(gateway: GatewayProcess) -> None:
    status, _ = _exchange(gateway, b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)))

    assert status in REFUSED


def test_more_headers_than_the_limit_within_the_size_bound_get_a_431_problem(
    gateway: GatewayProcess,
) -> None:
    status, body = _exchange(gateway, b"".join(b"X-H%d: v\r\n" % i for i in range(150)))

    assert status == 431
    problem = json.loads(body)
    assert problem["code"] == "request.headers.too_large"
    assert problem["title"] == "The request headers are too large or too many"


def test_the_limits_are_settings(tmp_path: Path) -> None:
    process = GatewayProcess(
        {
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            "GATEWAY_OPEN_ENABLED": "false",
            "GATEWAY_MAX_HEADERS": "200",
            "GATEWAY_MAX_HEADER_BYTES": "2048",
        },
        tmp_path / "gateway.log",
    )
    try:
        process.wait_ready()
        many, _ = _exchange(process, b"".join(b"X-H%d: v\r\n" % i for i in range(150)))
        large, _ = _exchange(process, b"X-Big: " + b"a" * 4096 + b"\r\n")
    finally:
        process.stop()

    assert many == 200
    assert large in REFUSED


def test_an_unfinished_head_past_the_bound_is_refused_before_it_is_read_whole(
    gateway: GatewayProcess,
) -> None:
    """The server's 400, not the app's 431: the 8 MB header was never buffered whole."""
    status, _ = _exchange(gateway, b"X-Big: " + b"a" * (8 * 1024 * 1024) + b"\r\n")
    assert status == 400


def test_one_connection_carries_more_header_bytes_than_the_bound_across_its_requests(
    gateway: GatewayProcess,
) -> None:
    """The bound is per request head: a keep-alive connection's heads do not add up."""
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"p" * 2000 + b"\r\n\r\n"
    statuses = []
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=SOCKET_CEILING_S) as sock:
        reader = sock.makefile("rb")
        for _ in range(50):  # 50 heads of ~2 KB: past the 64 KiB bound together
            sock.sendall(head)
            status_line = reader.readline()
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            reader.read(length)
            statuses.append(int(status_line.split()[1]))
    assert statuses == [200] * 50
