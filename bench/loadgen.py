"""A closed-loop HTTP load generator on aiohttp + uvloop, run as its own process.

``concurrency`` workers each keep one request in flight for ``duration_s`` seconds (after a
short warm-up that is not counted) and time every exchange. Two kinds of work:

* ``gateway``: POST a portal body (one per line of ``bodies``, rotating) to the gateway with a
  fresh ``Idempotency-Key`` each time;
* ``direct``: the sync route's two registry calls (``direct_calls`` in ``workload.py``) made
  concurrently straight at the sandbox, one "request" being both answers read.

It exists because wrk can only hit one URL per run: the direct fan-out needs two. The gateway
cases are run with it too, so that gateway against direct compares like with like.

With ``honour_retry_after`` a worker that gets a 503 with ``Retry-After`` waits that long
before its next request, as the portal does; the wait is not part of any latency.

    python -m bench.loadgen SPEC.json      # prints one JSON line with the result
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import uvloop


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _seconds(retry_after: str | None) -> float:
    """``Retry-After`` in seconds (its HTTP-date form is not sent by the gateway)."""
    try:
        return max(0.0, float(retry_after or 0))
    except ValueError:
        return 0.0


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(spec["concurrency"])
    duration_s = float(spec["duration_s"])
    warmup_s = float(spec.get("warmup_s", 1.0))
    timeout = aiohttp.ClientTimeout(total=float(spec.get("timeout_s", 60)))
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    counting = False
    stop = False
    tag = uuid.uuid4().hex[:8]
    honour_retry_after = bool(spec.get("honour_retry_after", False))
    pauses: dict[int, float] = {}

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
        return aiohttp.ClientSession(
            connector=connector, timeout=timeout, trust_env=False, skip_auto_headers=("User-Agent",)
        )

    sessions = [session(), session()]

    if spec["kind"] == "gateway":
        bodies = Path(spec["bodies"]).read_bytes().splitlines()
        url = spec["url"]
        base_headers = dict(spec["headers"])

        async def one(index: int) -> str:
            headers = {**base_headers, "Idempotency-Key": f"{tag}-{index}"}
            async with sessions[0].post(
                url, data=bodies[index % len(bodies)], headers=headers
            ) as response:
                await response.read()
                if honour_retry_after and response.status == 503:
                    pauses[index] = _seconds(response.headers.get("Retry-After"))
                return str(response.status)

    else:
        calls = json.loads(Path(spec["calls"]).read_text(encoding="utf-8"))

        async def fetch(client: aiohttp.ClientSession, call: dict[str, Any]) -> int:
            body = call["body"].encode() if call["body"] is not None else None
            async with client.request(
                call["method"], call["url"], headers=call["headers"], data=body
            ) as response:
                await response.read()
                return response.status

        async def one(index: int) -> str:
            pair = calls[index % len(calls)]
            civil, cadastre = await asyncio.gather(
                fetch(sessions[0], pair["civil"]), fetch(sessions[1], pair["cadastre"])
            )
            return str(civil) if civil != 200 else str(cadastre)

    counter = 0

    async def worker() -> None:
        nonlocal counter
        while not stop:
            counter += 1
            index = counter
            started = time.perf_counter()
            try:
                status = await one(index)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            if counting and not stop:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
            pause = pauses.pop(index, 0.0)
            if pause:
                await asyncio.sleep(pause)

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(warmup_s)
    counting = True
    started = time.perf_counter()
    cpu_started = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.sleep(duration_s)
    stop = True
    wall = time.perf_counter() - started
    cpu_ended = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.wait(workers, timeout=float(spec.get("drain_s", 30)))
    for task in workers:
        task.cancel()
    for client in sessions:
        await client.close()
    latencies.sort()
    ok = sum(n for status, n in statuses.items() if status in ("200", "202"))
    return {
        "requests": len(latencies),
        "ok": ok,
        "errors": len(latencies) - ok,
        "statuses": dict(statuses),
        "wall_s": wall,
        "rate": len(latencies) / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1e3,
        "p95_ms": percentile(latencies, 0.95) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1e3,
        "generator_cpu_s": (cpu_ended.ru_utime + cpu_ended.ru_stime)
        - (cpu_started.ru_utime + cpu_started.ru_stime),
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(20_000, hard), hard))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(run(spec))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
