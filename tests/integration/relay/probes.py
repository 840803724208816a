"""Waiting for things that happen in other threads and processes, and reading queues.

``wait_until`` polls with a generous deadline: a liveness bound, not a speed claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import BasicProperties

T = TypeVar("T")


def wait_until(
    probe: Callable[[], T], *, timeout_s: float = 60.0, interval_s: float = 0.1, what: str = ""
) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or probe!r}; last value {result!r}")
        time.sleep(interval_s)


@dataclass(frozen=True)
class Received:
    routing_key: str
    properties: BasicProperties
    body: bytes


def drain(
    channel: BlockingChannel, queue: str, *, expect: int, timeout_s: float = 60.0
) -> list[Received]:
    """Take at least ``expect`` messages off ``queue`` (acked), then whatever else is there.

    A subscription, not ``basic.get``: the queues the gateway consumes are single-active-
    consumer quorum queues, which refuse ``basic.get``."""
    received: list[Received] = []
    deadline = time.monotonic() + timeout_s
    try:
        for method, properties, body in channel.consume(
            queue, auto_ack=True, inactivity_timeout=0.2
        ):
            if method is not None:
                assert method.routing_key is not None and properties is not None
                received.append(Received(method.routing_key, properties, body or b""))
            elif len(received) >= expect:
                return received
            elif time.monotonic() > deadline:
                raise AssertionError(f"{queue}: {len(received)} of {expect} messages arrived")
    finally:
        channel.cancel()
    raise AssertionError(f"{queue}: the subscription ended")


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@contextmanager
def running(*workers: Worker) -> Iterator[None]:
    """Start workers in order, stop them in reverse order, whatever the test did."""
    started: list[Worker] = []
    try:
        for worker in workers:
            worker.start()
            started.append(worker)
        yield
    finally:
        for worker in reversed(started):
            worker.stop()
