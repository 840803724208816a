"""How long an accepted application takes to reach its municipality: 202 → the back-office's store.

Real processes (the sandbox, the gateway with its relay, the reference back-office of
Prishtinë) and a private RabbitMQ vhost. Applications are sent at a steady rate; each one's
latency runs from the moment the portal has its 202 to the moment the back-office has
committed the application in its own SQLite file (its ``received_at``). Both clocks are this
machine's wall clock.

    .venv/bin/python -m bench.handoff_latency [--requests 300] [--rate 25]

Writes ``bench/results/handoff-latency.md``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
import urllib.request
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bench.stack import ROOT, Gateway, PrivateVhost, Sandbox, backoffice
from sandbox.seed import build_seed

MUNICIPALITY = "19"
RESULTS = ROOT / "bench" / "results" / "handoff-latency.md"


def _accept(base: str, person, index: int) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    body = {
        "service": "municipal-service-complaint",
        "municipality": MUNICIPALITY,
        "language": "sq",
        "applicant": {
            "personal_number": person.personal_number,
            "first_name": person.first_name,
            "last_name": person.last_name,
        },
        "form": {"description": f"Ankesa numër {index}."},
    }
    request = urllib.request.Request(
        f"{base}/v1/requests",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": "Bearer ekomunat-dev-portal-key",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
        if response.status != 202:
            raise RuntimeError(f"expected 202, got {response.status}")
    return str(answer["request_id"]), time.time()


def _received(database: Path) -> dict[str, float]:
    if not database.exists():
        return {}
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT request_id, received_at FROM applications").fetchall()
    return {request_id: datetime.fromisoformat(at).timestamp() for request_id, at in rows}


def _wait_until_consuming(office_log: Path, timeout_s: float = 60) -> None:
    """Until the back-office consumes its queue: it starts before the gateway has declared
    the queue and retries with a growing pause, and what the measurement wants is the
    hand-off's latency, not how long the back-office slept before its first connection."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if office_log.exists() and "office.connected" in office_log.read_text(encoding="utf-8"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the back-office did not connect; see {office_log}")


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(requests: int, rate: float) -> str:
    log_dir = ROOT / "var" / f"bench-latency-{int(time.time())}"
    log_dir.mkdir(parents=True, exist_ok=True)
    vhost = PrivateVhost().create()
    sandbox = Sandbox.start(log_dir)
    gateway = Gateway(
        log_dir,
        sandbox=sandbox,
        database_url=f"sqlite:///{log_dir / 'gateway.db'}",
        amqp_url=vhost.url,
    )
    office_db = log_dir / f"backoffice-{MUNICIPALITY}.db"
    office = backoffice(log_dir, MUNICIPALITY, vhost.url, office_db)
    try:
        gateway.wait_ready()
        _wait_until_consuming(office.log_path)
        seed = build_seed()
        accepted: dict[str, float] = {}
        started = time.monotonic()
        for index in range(requests):
            request_id, at = _accept(gateway.base, seed.person_in(MUNICIPALITY, index), index)
            accepted[request_id] = at
            pause = started + (index + 1) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + 60
        received = _received(office_db)
        while set(accepted) - set(received) and time.monotonic() < deadline:
            time.sleep(0.2)
            received = _received(office_db)
    finally:
        office.stop()
        gateway.stop()
        sandbox.stop()
        vhost.delete()
    missing = set(accepted) - set(received)
    latencies_ms = [(received[rid] - at) * 1000 for rid, at in accepted.items() if rid in received]
    lines = [
        "# Hand-off latency: the portal's 202 to the back-office's own store",
        "",
        f"Command: `.venv/bin/python -m bench.handoff_latency --requests {requests} "
        f"--rate {rate:g}`  ",
        f"Run: {datetime.now().isoformat(timespec='minutes')}, 2 vCPUs; gateway (SQLite, relay "
        "in process), sandbox, back-office of Prishtinë and RabbitMQ on one machine.",
        "",
        "| applications | delivered | missing | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
        f"| {len(accepted)} | {len(latencies_ms)} | {len(missing)} | "
        f"{statistics.median(latencies_ms):.1f} | {_percentile(latencies_ms, 0.95):.1f} | "
        f"{_percentile(latencies_ms, 0.99):.1f} | {max(latencies_ms):.1f} |",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handoff_latency", description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rate", type=float, default=25.0, help="applications per second")
    args = parser.parse_args(argv)
    report = run(args.requests, args.rate)
    RESULTS.write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
