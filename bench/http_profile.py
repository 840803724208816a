"""Where a request's Python work goes in the serving gateway: py-spy under wrk, by part.

    .venv/bin/python -m bench.http_profile async     # or: sync
    .venv/bin/pip install py-spy                     # first, into the same venv

``bench/intake_profile.py`` profiles ``Intake.submit`` alone; this one looks at the whole
process as ``serve`` runs it (uvicorn, FastAPI and the middleware, the intake, the relay,
the consumers and every other thread), which is what ``make bench``'s CPU per request
counts. The gateway is started as in the benchmark (a fresh SQLite file, a private RabbitMQ
vhost, the in-process relay on), warmed, then sampled by ``py-spy record --gil`` (only the
thread holding the GIL: Python work) while wrk sends 16 connections of the route's bodies.
Each sample goes to the first part of ``PARTS`` whose frames it holds.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench.stack import ROOT, PrivateVhost, Sandbox, ready_gateway
from bench.workload import applicants, async_body, sync_body, write_bodies
from bench.wrk import run_wrk

MAIN = "Server.run"
"""A frame of the uvicorn event loop's thread; every other stack is another thread's."""

PARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (part, frames of which one must be in the stack, frames of which one must be too)
    ("loop: Intake.submit: store", ("Intake.submit",), ("gateway/store",)),
    (
        "loop: Intake.submit: logging",
        ("Intake.submit",),
        ("structlog", "gateway/logging.py", "logging/__init__"),
    ),
    ("loop: Intake.submit: registry calls", ("Intake.submit",), ("aiohttp", "adapters/")),
    ("loop: Intake.submit: the rest (intake, routing, pydantic)", ("Intake.submit",), ()),
    ("loop: logging outside the intake (registry-call lines, access line)", ("structlog",), ()),
    ("loop: registry calls outside the intake (aiohttp callbacks)", ("aiohttp", "adapters/"), ()),
    ("loop: the endpoint outside the intake (gateway/api/requests.py)", ("submit_request",), ()),
    (
        "loop: FastAPI dependencies, body parsing and validation",
        ("solve_dependencies", "request_body_to_args", "Request.json", "Request.body"),
        (),
    ),
    (
        "loop: Starlette/FastAPI routing, the middleware, the server writing the answer",
        ("FastAPI.__call__",),
        (),
    ),
    ("loop: uvicorn reading the request (h11 or httptools)", ("h11", "httptools_impl"), ()),
    ("loop: the event loop and the rest", (MAIN,), ()),
    ("thread: outbox relay (claim, publish, confirm, mark)", ("Relay.run_forever",), ()),
    ("thread: ops broadcast (live-log lines to the other instances)", ("OpsBroadcast",), ()),
    ("thread: thread pool (store work off the loop)", ("concurrent/futures/thread.py",), ()),
    ("thread: leased duties (lease renewals)", ("LeasedWorker",), ()),
    ("thread: open-data refresher", ("FeedRefresher",), ()),
    ("thread: status and complaint consumers", ("QueueConsumer", "StatusConsumer"), ()),
)


def part_of(frames: list[str]) -> str:
    on_loop = any(MAIN in frame for frame in frames)
    for part, first, second in PARTS:
        if part.startswith("loop:") != on_loop:
            continue
        if any(key in frame for key in first for frame in frames) and (
            not second or any(key in frame for key in second for frame in frames)
        ):
            return part
    return "unattributed (stacks py-spy could not unwind to their thread)"


def shares(raw: Path) -> list[tuple[str, float]]:
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            counts[part_of(stack.split(";"))] += int(count)
    total = sum(counts.values()) or 1
    return [(part, n / total) for part, n in counts.most_common()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_profile", description=__doc__)
    parser.add_argument("route", choices=("sync", "async"))
    parser.add_argument("--seconds", type=int, default=14)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="http-profile-", dir=ROOT / "var"))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        vhost = PrivateVhost().create()
        stack.callback(vhost.delete)
        sandbox = Sandbox.start(work)
        stack.callback(sandbox.stop)
        make = async_body if options.route == "async" else sync_body
        bodies = write_bodies(work / "bodies.jsonl", [make(p) for p in applicants(200)])
        gateway = ready_gateway(
            stack,
            work,
            sandbox=sandbox,
            amqp_url=vhost.url,
            label="profiled",
            extra_env={"GATEWAY_MAX_IN_FLIGHT": "0"},
        )
        url = gateway.base + "/v1/requests"
        run_wrk(url, connections=16, duration_s=3, post_bodies=bodies, tag=uuid.uuid4().hex[:8])
        raw = work / "samples.txt"
        sampling = ["-d", str(options.seconds), "-r", "200", "--nonblocking", "--gil"]
        recorder = subprocess.Popen(
            [spy, "record", "-p", str(gateway.pid), *sampling, "-f", "raw", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result = run_wrk(
            url,
            connections=options.connections,
            duration_s=options.seconds + 2,
            post_bodies=bodies,
            tag=uuid.uuid4().hex[:8],
        )
        recorder.wait()
        print(
            f"`python -m bench.http_profile {options.route}`: {result.rate:,.0f} req/s over "
            f"{options.connections} connections; share of the GIL-holding samples:\n"
        )
        print("| part | share |\n|---|---|")
        for part, share in shares(raw):
            print(f"| {part} | {share:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
