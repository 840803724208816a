"""What the HTTP layer alone costs per request, in-process: the middleware, FastAPI, the answer.

    .venv/bin/python -m bench.http_layer 2>/dev/null           # every variant, alternated

The app is ``create_app``'s, its gateway built by ``bootstrap`` (a fresh SQLite file, the
broker workers off, logging at INFO to stderr as ``serve`` logs), but ``Intake.submit`` is
replaced by a stub that returns a fixed 202 answer the shape of an accept: what is left is
what the HTTP layer does around the intake (the middleware, the routing, the ``Bearer``
check, parsing and validating the body, building the response, the access line). Each
request is one call of the ASGI app with a plain ``receive`` and ``send``, no server and no
socket: uvicorn and h11 are not in the figures.

The variants run alternately, in rounds, in one process, so that the machine's load moves
them all alike; the report is each variant's median CPU (``time.process_time``) per request
over the rounds, and its ratio to the first variant:

- ``front-door``: the one middleware ``create_app`` installs (``gateway/api/front_door.py``).

The three plain-ASGI layers it replaced (request id, header bounds, admission) are gone from
the code; ``bench/http_layer_compare.sh`` measures this script against earlier revisions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bench.workload import applicants, async_body
from gateway.app import create_app
from gateway.intake import Answer
from gateway.settings import Settings

PORTAL_KEY = "ekomunat-dev-portal-key"


def _settings(folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'gateway.db'}",
        log_file=None,
        relay_enabled=False,
        status_consumer_enabled=False,
        ops_broadcast_enabled=False,
    )


def front_door(app: Any, settings: Settings) -> None:
    """As ``create_app`` builds it."""


VARIANTS: dict[str, Callable[[Any, Settings], None]] = {
    "front-door": front_door,
}


def _accept_answer(submission: Any) -> Answer:
    request_id = str(uuid.uuid4())
    return Answer(
        status_code=202,
        body={
            "request_id": request_id,
            "status": "accepted",
            "service": submission.service,
            "municipality": submission.municipality,
            "language": submission.language,
            "status_url": f"/v1/requests/{request_id}",
            "handed_off": True,
            "answer_due_working_days": 15,
            "trace": [
                {"hop": "catalogue", "outcome": "ok", "duration_ms": 0.02},
                {"hop": "form", "outcome": "ok", "duration_ms": 0.05},
                {"hop": "outbox", "outcome": "stored", "duration_ms": 0.9},
            ],
        },
    )


class Served:
    """One variant's app, its lifespan entered, called once per request."""

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    async def call(
        self, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8080),
            "state": self.state.copy(),
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def _measure(served: Served, route: str, bodies: list[bytes], count: int) -> float:
    """Median CPU µs per request over ``count`` requests of ``route``."""
    spent = []
    for index in range(count):
        if route == "accept":
            body = bodies[index % len(bodies)]
            headers = [
                (b"host", b"127.0.0.1:8080"),
                (b"user-agent", b"wrk"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"authorization", f"Bearer {PORTAL_KEY}".encode()),
                (b"idempotency-key", uuid.uuid4().hex.encode()),
                (b"accept-language", b"sq"),
            ]
            started = time.process_time()
            status = await served.call("POST", "/v1/requests", headers, body)
        else:
            headers = [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk")]
            started = time.process_time()
            status = await served.call("GET", "/health", headers, b"")
        spent.append(time.process_time() - started)
        if status not in (200, 202):
            raise SystemExit(f"{route}: answered {status}")
    return statistics.median(spent) * 1e6


async def main(rounds: int, requests: int, variants: list[str]) -> None:
    bodies = [json.dumps(async_body(a)).encode() for a in applicants(50)]
    async with AsyncExitStack() as stack:
        served: dict[str, Served] = {}
        for name in variants:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            settings = _settings(folder)
            app = create_app(settings)
            VARIANTS[name](app, settings)
            state = await stack.enter_async_context(app.router.lifespan_context(app))
            state["gateway"].intake.submit = _stub_submit
            served[name] = Served(app, dict(state))
        figures: dict[tuple[str, str], list[float]] = {}
        for round_ in range(rounds):
            for route in ("accept", "health"):
                for name in variants if round_ % 2 == 0 else reversed(variants):
                    await _measure(served[name], route, bodies, requests // 10)  # warm
                    figure = await _measure(served[name], route, bodies, requests)
                    figures.setdefault((name, route), []).append(figure)
        print(f"{'variant':<20} {'route':<8} {'median µs':>10} {'ratio':>7}  rounds")
        for route in ("accept", "health"):
            first = statistics.median(figures[(variants[0], route)])
            for name in variants:
                values = figures[(name, route)]
                median = statistics.median(values)
                shown = " ".join(f"{v:.0f}" for v in values)
                print(f"{name:<20} {route:<8} {median:>10.1f} {median / first:>7.3f}  {shown}")


async def _stub_submit(caller: Any, key: str, submission: Any) -> Answer:
    return _accept_answer(submission)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.requests, arguments.variants.split(",")))
