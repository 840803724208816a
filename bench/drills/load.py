"""Steady portal traffic for the drills: an open-loop generator that keeps its pace.

Requests go out at a fixed rate (alternately the sync ``possession-list`` and the async
``municipal-service-complaint`` for the municipalities whose back-offices run), each with a
fresh ``Idempotency-Key``, from a thread with its own event loop, so the drill can stop the
broker or kill the gateway from the main thread meanwhile. Every request's fate is recorded:
when it was sent, when it ended, the HTTP status or the connection error, and the request id
the gateway promised on a 202.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import uvloop

from bench.workload import Applicant, async_body, portal_headers, sync_body


@dataclass(frozen=True)
class Outcome:
    kind: str
    """``sync`` or ``async``."""
    sent_at: float
    """``time.monotonic()`` when the request went out."""
    ended_at: float
    status: str
    """The HTTP status, or the name of the connection error."""
    request_id: str | None

    @property
    def answered(self) -> bool:
        return self.status.isdigit()


class SteadyLoad:
    def __init__(
        self,
        base: str,
        people: Sequence[Applicant],
        *,
        municipalities: Sequence[str],
        rate: float,
        timeout_s: float = 30.0,
        async_only: bool = False,
    ) -> None:
        """``async_only``: every request an async application (the fail-over drill counts
        hand-offs only); otherwise sync and async alternate."""
        self._url = base + "/v1/requests"
        self._people = people
        self._municipalities = municipalities
        self._interval = 1.0 / rate
        self._timeout_s = timeout_s
        self._async_only = async_only
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="steady-load", daemon=True)
        self._lock = threading.Lock()
        self._outcomes: list[Outcome] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop sending, wait for the answers still due, then return."""
        self._stop.set()
        self._thread.join(self._timeout_s + 30)

    def outcomes(self) -> list[Outcome]:
        with self._lock:
            return list(self._outcomes)

    def _main(self) -> None:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(self._run())

    def _body(self, index: int) -> tuple[str, dict[str, Any]]:
        person = self._people[index % len(self._people)]
        if index % 2 and not self._async_only:
            return "sync", sync_body(person)
        turn = index if self._async_only else index // 2
        municipality = self._municipalities[turn % len(self._municipalities)]
        return "async", async_body(person, municipality)

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        connector = aiohttp.TCPConnector(limit=500)
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, trust_env=False
        ) as session:
            tasks: set[asyncio.Task[None]] = set()
            loop = asyncio.get_running_loop()
            due = loop.time()
            for index in itertools.count():
                if self._stop.is_set():
                    break
                task = asyncio.create_task(self._one(session, index))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                due += self._interval
                await asyncio.sleep(max(0.0, due - loop.time()))
            if tasks:
                await asyncio.wait(tasks, timeout=self._timeout_s + 5)

    async def _one(self, session: aiohttp.ClientSession, index: int) -> None:
        kind, body = self._body(index)
        headers = {**portal_headers(), "Idempotency-Key": uuid.uuid4().hex}
        sent_at = time.monotonic()
        request_id = None
        try:
            async with session.post(self._url, json=body, headers=headers) as response:
                status = str(response.status)
                data = await response.read()
            if status == "202":
                request_id = json.loads(data)["request_id"]
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            status = type(exc).__name__
        outcome = Outcome(kind, sent_at, time.monotonic(), status, request_id)
        with self._lock:
            self._outcomes.append(outcome)
