"""An open-data feed page under load: served from the page cache, and rendered every time.

    .venv/bin/python -m bench.open_feeds            # ~1.5 minutes
    .venv/bin/python -m bench.open_feeds --duration 20 --connections 64

Starts the sandbox (registries and transparency sources) and, in turn, two gateways as real
processes on loopback, each refreshing all 38 municipalities every 20 s: one with the page
cache (the default), one with ``GATEWAY_OPEN_PAGE_CACHE_ENTRIES=0``, so every request
renders its page from the feed store. Each waits until the page answers 200 from fresh data,
then wrk asks for the same page for ``--duration`` seconds. Writes
``bench/results/open-feeds.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.report import table
from bench.stack import ROOT, Meter, PrivateVhost, Sandbox, ready_gateway
from bench.wrk import WrkResult, run_wrk, wrk_available

PAGE = "/v1/open/budget?municipality=19&year=2025&page_size=100"
RESULTS = ROOT / "bench" / "results" / "open-feeds.md"


def _wait_for_page(url: str, timeout_s: float = 120) -> int:
    """Until the page is served (the first refresh has run); its size in bytes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                body = answer.read()
                if not json.loads(body).get("freshness", {}).get("stale", True):
                    return len(body)
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} was not served fresh within {timeout_s:.0f} s")


def measure(
    label: str, cache_entries: int, sandbox: Sandbox, options: argparse.Namespace, work_dir: Path
) -> tuple[str, WrkResult, float, int]:
    with ExitStack() as stack:
        vhost = PrivateVhost().create()
        stack.callback(vhost.delete)
        gateway = ready_gateway(
            stack,
            work_dir,
            sandbox=sandbox,
            amqp_url=vhost.url,
            label=label,
            extra_env={"GATEWAY_OPEN_PAGE_CACHE_ENTRIES": str(cache_entries)},
        )
        size = _wait_for_page(gateway.base + PAGE)
        run_wrk(gateway.base + PAGE, connections=options.connections, duration_s=3)  # warm
        meter = Meter(gateway.pid)
        before = meter.usage().cpu_s
        result = run_wrk(
            gateway.base + PAGE, connections=options.connections, duration_s=options.duration
        )
        cpu_us = (meter.usage().cpu_s - before) / max(result.requests, 1) * 1e6
        print(
            f"  {label:9} {result.rate:8,.0f} req/s  p50 {result.p50_ms:6.2f}  "
            f"p99 {result.p99_ms:7.2f} ms  CPU {cpu_us:5,.0f} µs/req  errors {result.errors}",
            flush=True,
        )
        return label, result, cpu_us, size


def _row(label: str, result: WrkResult, cpu_us: float) -> list[str]:
    rate, p50, p99 = f"{result.rate:,.0f}", f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}"
    return [label, rate, p50, p99, f"{cpu_us:,.0f}", str(result.errors)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.open_feeds", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", default=str(RESULTS))
    options = parser.parse_args(argv)
    if not wrk_available():
        sys.stderr.write("wrk is missing: apt-get install wrk\n")
        return 2
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    (ROOT / "var").mkdir(exist_ok=True)
    rows = []
    with ExitStack() as stack:
        work_dir = Path(tempfile.mkdtemp(prefix="open-feeds-", dir=ROOT / "var"))
        stack.callback(shutil.rmtree, work_dir, ignore_errors=True)
        sandbox = Sandbox.start(work_dir)
        stack.callback(sandbox.stop)
        for label, entries in (("cached", 4096), ("rendered", 0)):
            rows.append(measure(label, entries, sandbox, options, work_dir))
    command = "python -m bench.open_feeds " + " ".join(argv if argv is not None else sys.argv[1:])
    loads = (
        " / ".join(f"{x:.2f}" for x in load_before),
        " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    )
    figures = table(
        ["case", "req/s", "p50 ms", "p99 ms", "gateway CPU µs/req", "errors"],
        [_row(label, result, cpu) for label, result, cpu, _ in rows],
    )
    text = f"""# An open-data feed page under load

Command: `{command.strip()}` (from the repository root).
Run: {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} vCPUs. Load average (1/5/15 min) before:
{loads[0]}; after: {loads[1]}.

`GET {PAGE}` ({rows[0][3]:,} bytes of JSON), wrk with {options.connections} connections
for {options.duration:.0f} s, against a gateway refreshing all 38 municipalities every 20 s.
`cached`: the default page cache; `rendered`: `GATEWAY_OPEN_PAGE_CACHE_ENTRIES=0`, every
request filtered, paged and encoded from the feed store. wrk, the sandbox and RabbitMQ share
the machine's cores with the gateway: read the rows against each other.

{figures}
"""
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
