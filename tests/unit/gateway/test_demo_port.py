"""The demo keeps the port it was given when the last gateway on it left only TIME_WAIT
behind: a test (or an operator) that looks for it there finds it."""

from __future__ import annotations

import socket
import time

from gateway.demo import _port_free


def _port_left_in_time_wait() -> int:
    """A listening port whose server closed a connection first, as uvicorn does after an
    HTTP/1.0 answer, and then stopped: the kernel keeps the server side in TIME_WAIT."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = int(server.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()
    time.sleep(0.05)
    client.close()
    server.close()
    return port


def test_a_port_in_time_wait_is_free_for_the_next_gateway() -> None:
    assert _port_free("127.0.0.1", _port_left_in_time_wait())


def test_a_port_someone_listens_on_is_not_free() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert not _port_free("127.0.0.1", int(listener.getsockname()[1]))
