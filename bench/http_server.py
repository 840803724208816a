"""What uvicorn's HTTP implementation costs per request: h11 against bounded httptools.

    .venv/bin/python -m bench.http_server --rounds 3

The gateway's app (``create_app``, the broker workers and the open-data refresher off, a
fresh SQLite file, logging at INFO to a file) is served by uvicorn with ``serve``'s options
(``gateway.serving.server_options``: ``BoundedHttpToolsProtocol``) and once with the same
options but ``http="h11"``, what ``serve`` ran before, alternately;
wrk sends ``GET /health`` on 16 connections for ``--seconds``. The figure is the server
process's CPU (user + system, from ``/proc``) per answered request; ``/health`` does almost
nothing else, so what differs between the rows is the server's parsing and writing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.stack import Meter, free_port
from bench.wrk import run_wrk

SERVER = """
import sys, uvicorn
from gateway.app import create_app
from gateway.serving import server_options
from gateway.settings import Settings
settings = Settings()
options = server_options(settings)
if sys.argv[1] == "h11":
    options["http"] = "h11"
uvicorn.run(create_app(settings), **options)
"""


def one_run(http: str, folder: Path, seconds: float, connections: int) -> float:
    """CPU µs per request of one server, ``http`` its implementation."""
    port = free_port()
    env = os.environ | {
        "GATEWAY_PORT": str(port),
        "GATEWAY_DATABASE_URL": f"sqlite:///{folder / f'{http}-{port}.db'}",
        "GATEWAY_LOG_FILE": str(folder / f"{http}-{port}.log"),
        "GATEWAY_RELAY_ENABLED": "false",
        "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        "GATEWAY_OPS_BROADCAST_ENABLED": "false",
        "GATEWAY_OPEN_ENABLED": "false",
    }
    with open(folder / f"{http}-{port}.err", "wb") as errors:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, http], env=env, stderr=errors, stdout=errors
        )
    try:
        url = f"http://127.0.0.1:{port}/health"
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        run_wrk(url, connections=connections, duration_s=2, tag=f"warm-{http}")
        meter = Meter(server.pid)
        before = meter.usage().cpu_s
        result = run_wrk(url, connections=connections, duration_s=seconds, tag=http)
        spent = meter.usage().cpu_s - before
        return spent / result.requests * 1e6
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--implementations", default="h11,bounded-httptools")
    arguments = parser.parse_args()
    implementations = arguments.implementations.split(",")
    figures: dict[str, list[float]] = {name: [] for name in implementations}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(arguments.rounds):
            order = implementations if round_ % 2 == 0 else implementations[::-1]
            for name in order:
                figure = one_run(name, Path(folder), arguments.seconds, arguments.connections)
                figures[name].append(figure)
                print(f"round {round_ + 1}: {name:<10} {figure:7.0f} µs/request", flush=True)
    first = statistics.median(figures[implementations[0]])
    for name in implementations:
        median = statistics.median(figures[name])
        print(f"{name:<10} median {median:7.0f} µs/request  ratio {median / first:.3f}")


if __name__ == "__main__":
    main()
