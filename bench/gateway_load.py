"""The gateway under load: how fast, how far, at what cost. One command, one report.

Run from the repository root (RabbitMQ and PostgreSQL running, wrk installed):

    .venv/bin/python -m bench.gateway_load            # full run, ~9 minutes (make bench)
    .venv/bin/python -m bench.gateway_load --quick    # smoke run, ~2 minutes

It starts the sandbox registries and the gateway as real processes on loopback (a fresh
SQLite file, a private RabbitMQ vhost, the in-process relay on), then measures:

1. per concurrency level (1, 16, 64, 256), for ``--duration`` seconds each:
   - ``baseline``: wrk, ``GET /health`` of the same gateway process (same app, same
     middleware, no store, no registry): the ceiling of the HTTP layer here;
   - ``sync``: wrk, ``POST /v1/requests`` for ``possession-list`` (civil GetPerson over SOAP
     and cadastre getPossessionList over REST, concurrently, then a rule);
   - ``async``: wrk, ``POST /v1/requests`` for ``municipal-service-complaint`` (accept, request
     and outbox row in one commit, 202), while the relay publishes with broker confirms;
   - ``sync (py)`` and ``direct (py)``: the sync route through the gateway, and the same two
     registry calls sent straight at the sandbox, both with the Python generator
     (``bench/loadgen.py``), so gateway against direct compares like with like;
   - ``reference``: wrk, the same sync bodies at ``bench/reference_app.py``, its own process:
     FastAPI, one shared aiohttp session and ``asyncio.gather`` over the same two registry
     calls against the same sandbox, with no checks and no store (its CPU is its own);
2. the hand-off rate, outbox to confirmed, with one and with two relay processes (SQLite and
   PostgreSQL);
3. the cost of loading the catalogue, routing.yaml with every route and every WSDL/OpenAPI;
4. the gateway's memory with 1,000 and 10,000 sync requests in flight, with admission off
   (the gateway of 1-3 runs with ``GATEWAY_MAX_IN_FLIGHT=0``, so it holds them all) and again
   on a second gateway with the default limit, which refuses the excess with a 503;
5. ``workers`` (only when ``--sections`` names it): the cases of 1 again on a gateway started
   with ``serve --workers N`` for each N of ``--workers`` (1,2), on the same store, each one's
   CPU counted over the parent and all its workers:

    .venv/bin/python -m bench.gateway_load --sections workers --store postgresql --levels 64

Writes ``bench/results/gateway-load.md`` and ``bench/results/gateway-load.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

from bench import report
from bench.handoff import HandoffRun, measure_relays
from bench.reference_app import template_of
from bench.stack import (
    Gateway,
    Meter,
    PostgresSchema,
    PrivateVhost,
    Reference,
    Sandbox,
    Usage,
    ready_gateway,
)
from bench.workload import (
    applicants,
    async_body,
    direct_calls,
    portal_headers,
    sync_body,
    write_bodies,
)
from bench.wrk import run_wrk, wrk_available
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@dataclass
class Cell:
    """One case at one concurrency level."""

    case: str
    concurrency: int
    generator: str
    requests: int
    ok: int
    errors: int
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    gateway_cpu_us: float | None = None
    gateway_cores: float | None = None
    gateway_peak_mib: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Results:
    cells: list[Cell] = field(default_factory=list)
    handoffs: list[HandoffRun] = field(default_factory=list)
    loading: dict[str, float] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    workers: dict[int, list[Cell]] = field(default_factory=dict)
    drills: dict[str, Any] = field(default_factory=dict)


DEFAULT_LIMIT = Settings.model_fields["max_in_flight"].default


def python_generator(spec: dict[str, Any], work_dir: Path) -> dict[str, Any]:
    path = work_dir / f"spec-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=float(spec["duration_s"]) + 180,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


class Bench:
    def __init__(self, options: argparse.Namespace, work_dir: Path, stack: ExitStack) -> None:
        self.options = options
        self.work_dir = work_dir
        self.results = Results()
        self.vhost = PrivateVhost().create()
        stack.callback(self.vhost.delete)
        self.sandbox = Sandbox.start(work_dir)
        stack.callback(self.sandbox.stop)
        self.people = applicants(options.applicants)
        self.sync_bodies = write_bodies(
            work_dir / "sync.jsonl", [sync_body(p) for p in self.people]
        )
        self.async_bodies = write_bodies(
            work_dir / "async.jsonl", [async_body(p) for p in self.people]
        )
        self.calls = work_dir / "direct.json"
        calls = direct_calls(self.sandbox.urls, self.people)
        self.calls.write_text(json.dumps(calls))
        self.reference: Reference | None = None
        if "reference" in options.cases:
            template = work_dir / "reference-calls.json"
            template.write_text(json.dumps(template_of(calls[0], self.people[0].personal_number)))
            self.reference = Reference(work_dir, calls_template=template)
            stack.callback(self.reference.stop)
            self.reference.wait_ready()
            self.reference_meter = Meter(self.reference.pid)
        if options.store == "postgresql":
            schema = PostgresSchema().create()
            stack.callback(schema.drop)
            self.database_url = schema.url
        else:
            self.database_url = f"sqlite:///{work_dir / 'gateway.db'}"
        self.gateway = Gateway(
            work_dir,
            sandbox=self.sandbox,
            database_url=self.database_url,
            amqp_url=self.vhost.url,
            extra_env={"GATEWAY_MAX_IN_FLIGHT": "0"},
        )
        stack.callback(self.gateway.stop)
        self.results.loading["gateway start to /health (s)"] = self.gateway.wait_ready()
        self.meter = Meter(self.gateway.pid)
        from gateway.store import Store

        self.store = Store.from_url(self.database_url, pool_size=1, max_overflow=0, migrate=False)
        stack.callback(self.store.close)
        self._warm_up()

    def _warm_up(self) -> None:
        """A few seconds of each route first: pools open, caches warm, the JIT-less path hot."""
        targets = [(self.gateway.base, self.sync_bodies), (self.gateway.base, self.async_bodies)]
        if self.reference is not None:
            targets.append((self.reference.base, self.sync_bodies))
        for base, bodies in targets:
            run_wrk(
                base + "/v1/requests",
                connections=16,
                duration_s=3,
                post_bodies=bodies,
                tag=f"warm{uuid.uuid4().hex[:6]}",
            )
        self._wait_outbox_empty()

    def _wait_outbox_empty(self, timeout_s: float = 90) -> float:
        """Seconds until the relay has published everything; NaN (and a note) if it never did."""
        started = time.perf_counter()
        while (depth := self.store.outbox_stats().depth) > 0:
            if time.perf_counter() - started > timeout_s:
                self.results.notes.append(
                    f"the relay had not drained the outbox after {timeout_s:.0f} s "
                    f"({depth} rows left); see the gateway's log (--keep)"
                )
                return float("nan")
            time.sleep(0.05)
        return time.perf_counter() - started

    # ---- 1. the cells ---------------------------------------------------------------------

    def measured(self, case: str, concurrency: int, action: Any) -> Cell:
        """Runs one cell; CPU and memory are the gateway's, or the reference app's for its own."""
        meter = self.reference_meter if case == "reference" else self.meter
        before = meter.usage()
        cell: Cell = action()
        after = meter.usage()
        cpu = after.cpu_s - before.cpu_s
        if case != "direct (py)":
            cell.gateway_cpu_us = cpu / cell.requests * 1e6 if cell.requests else None
            cell.gateway_cores = cpu / self.options.duration
            cell.gateway_peak_mib = after.peak_rss_mib
        self.results.cells.append(cell)
        print(
            f"  {case:12} c={concurrency:<4} {cell.rate:9,.0f} req/s  p50 {cell.p50_ms:7.2f}  "
            f"p99 {cell.p99_ms:8.2f} ms  errors {cell.errors}",
            flush=True,
        )
        return cell

    def wrk_cell(
        self, case: str, concurrency: int, bodies: Path | None, base: str | None = None
    ) -> Cell:
        url = (base or self.gateway.base) + ("/v1/requests" if bodies else "/health")
        result = run_wrk(
            url,
            connections=concurrency,
            duration_s=self.options.duration,
            post_bodies=bodies,
            tag=uuid.uuid4().hex[:10],
        )
        return Cell(
            case,
            concurrency,
            "wrk",
            result.requests,
            result.ok,
            result.errors,
            result.rate,
            result.p50_ms,
            result.p95_ms,
            result.p99_ms,
        )

    def python_cell(self, case: str, concurrency: int) -> Cell:
        if case == "direct (py)":
            spec = {"kind": "direct", "calls": str(self.calls)}
        else:
            spec = {
                "kind": "gateway",
                "url": self.gateway.base + "/v1/requests",
                "bodies": str(self.sync_bodies),
                "headers": portal_headers(),
            }
        spec |= {"concurrency": concurrency, "duration_s": self.options.duration}
        result = python_generator(spec, self.work_dir)
        cell = Cell(
            case,
            concurrency,
            "python",
            result["requests"],
            result["ok"],
            result["errors"],
            result["rate"],
            result["p50_ms"],
            result["p95_ms"],
            result["p99_ms"],
        )
        cell.extra["generator_cpu_us"] = (
            result["generator_cpu_s"] / result["requests"] * 1e6 if result["requests"] else 0
        )
        return cell

    def async_cell(self, concurrency: int) -> Cell:
        depth_before = self.store.outbox_stats().depth
        cell = self.wrk_cell("async", concurrency, self.async_bodies)
        depth_after = self.store.outbox_stats().depth
        drain_s = self._wait_outbox_empty()
        published_during = depth_before + cell.ok - depth_after
        cell.extra.update(
            published_per_s=published_during / self.options.duration,
            backlog_at_end=depth_after,
            drain_s=drain_s,
            handed_off_per_s=cell.ok / (self.options.duration + drain_s),
        )
        return cell

    def run_cells(self) -> None:
        cases = self.options.cases
        for concurrency in self.options.levels:
            print(f"concurrency {concurrency}", flush=True)
            if "baseline" in cases:
                self.measured(
                    "baseline",
                    concurrency,
                    lambda c=concurrency: self.wrk_cell("baseline", c, None),
                )
            if "sync" in cases:
                self.measured(
                    "sync",
                    concurrency,
                    lambda c=concurrency: self.wrk_cell("sync", c, self.sync_bodies),
                )
            if "async" in cases:
                self.measured("async", concurrency, lambda c=concurrency: self.async_cell(c))
            if "reference" in cases and self.reference is not None:
                self.measured(
                    "reference",
                    concurrency,
                    lambda c=concurrency, at=self.reference.base: self.wrk_cell(
                        "reference", c, self.sync_bodies, at
                    ),
                )
            if "direct" in cases:
                self.measured(
                    "sync (py)",
                    concurrency,
                    lambda c=concurrency: self.python_cell("sync (py)", c),
                )
                self.measured(
                    "direct (py)",
                    concurrency,
                    lambda c=concurrency: self.python_cell("direct (py)", c),
                )

    # ---- 2. hand-off rate -----------------------------------------------------------------

    def run_handoffs(self) -> None:
        rows = self.options.handoff_rows
        stores: list[tuple[str, str]] = [("sqlite", "")]
        if not self.options.no_postgresql:
            stores.append(("postgresql", ""))
        for label, _ in stores:
            for relays in (1, 2):
                with ExitStack() as stack:
                    if label == "sqlite":
                        url = f"sqlite:///{self.work_dir / f'handoff-{relays}.db'}"
                    else:
                        schema = PostgresSchema().create()
                        stack.callback(schema.drop)
                        url = schema.url
                    try:
                        run = measure_relays(
                            store_label=label,
                            database_url=url,
                            amqp_url=self.vhost.url,
                            vhost=self.vhost.name,
                            relays=relays,
                            rows=rows,
                            people=self.people,
                            log_dir=self.work_dir,
                        )
                    except RuntimeError as exc:
                        self.results.notes.append(f"hand-off {label}, {relays} relay(s): {exc}")
                        continue
                self.results.handoffs.append(run)
                print(
                    f"  hand-off {label:10} relays={relays}: {run.rate:8,.0f} confirmed/s "
                    f"({run.rows} rows in {run.seconds:.2f} s)",
                    flush=True,
                )

    # ---- 3. loading cost ------------------------------------------------------------------

    def run_loading(self) -> None:
        code = (
            "import json, statistics, time\n"
            "from contracts.catalogue import load_catalogue\n"
            "from gateway.bootstrap import build_routing\n"
            "from gateway.settings import Settings\n"
            "s = Settings()\n"
            "cat, rout = [], []\n"
            "for _ in range(REPEAT):\n"
            "    t = time.perf_counter(); c = load_catalogue(s.catalogue_dir)\n"
            "    cat.append(time.perf_counter() - t)\n"
            "    t = time.perf_counter(); table, regs = build_routing(s, c)\n"
            "    rout.append(time.perf_counter() - t)\n"
            "print(json.dumps({'catalogue': statistics.median(cat), "
            "'routing': statistics.median(rout), 'routes': len(table.routes), "
            "'registries': len(regs)}))\n"
        ).replace("REPEAT", str(3 if self.options.quick else 7))
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "GATEWAY_LOG_LEVEL": "WARNING"},
        )
        whole = time.perf_counter() - started
        data = json.loads(completed.stdout.strip().splitlines()[-1])
        self.results.loading.update(
            {
                "catalogue, 50 services x 38 municipalities (ms)": data["catalogue"] * 1e3,
                f"routing.yaml: {data['routes']} routes checked + {data['registries']} "
                "registry contracts (WSDL + XSD, OpenAPI) (ms)": data["routing"] * 1e3,
                "a fresh interpreter: imports + the above, repeated (s)": whole,
            }
        )
        print(f"  loading: {self.results.loading}", flush=True)

    # ---- 5. one against several worker processes ------------------------------------------

    def run_workers(self) -> None:
        """The cells of section 1 on ``serve --workers N`` for each N; the main gateway stays
        idle meanwhile, and is put back afterwards."""
        main_gateway, main_meter = self.gateway, self.meter
        for workers in self.options.workers:
            print(f"serve --workers {workers}", flush=True)
            with ExitStack() as stack:
                self.gateway = ready_gateway(
                    stack,
                    self.work_dir,
                    sandbox=self.sandbox,
                    amqp_url=self.vhost.url,
                    label=f"workers-{workers}",
                    database_url=self.database_url,
                    extra_env={"GATEWAY_MAX_IN_FLIGHT": "0", "GATEWAY_WORKERS": str(workers)},
                )
                self.meter = WorkersMeter(self.gateway.pid)
                self._warm_up()
                first = len(self.results.cells)
                self.run_cells()
                self.results.workers[workers] = self.results.cells[first:]
                del self.results.cells[first:]
        self.gateway, self.meter = main_gateway, main_meter

    # ---- 4. memory in flight --------------------------------------------------------------

    def run_memory(self) -> None:
        """Each level twice: admission off, so N requests are truly held, then the default limit.

        The gateway of sections 1-3 runs with ``GATEWAY_MAX_IN_FLIGHT=0``; a second one, on its
        own SQLite file (or the same PostgreSQL schema), runs with the shipped default.
        """
        for in_flight in self.options.in_flight:
            self._measure_memory(self.gateway, self.meter, in_flight, limit=0)
        with ExitStack() as stack:
            limited = ready_gateway(
                stack,
                self.work_dir,
                sandbox=self.sandbox,
                amqp_url=self.vhost.url,
                label="limited",
                database_url=self.database_url if self.options.store == "postgresql" else None,
            )
            meter = Meter(limited.pid)
            for in_flight in self.options.in_flight:
                self._measure_memory(limited, meter, in_flight, limit=DEFAULT_LIMIT)

    def _measure_memory(self, gateway: Gateway, meter: Meter, in_flight: int, limit: int) -> None:
        idle = meter.usage().rss_mib
        stop = threading.Event()
        samples: list[float] = []
        sampler = threading.Thread(
            target=lambda: samples.extend(meter.sample_peak(stop)), daemon=True
        )
        sampler.start()
        spec = {
            "kind": "gateway",
            "url": gateway.base + "/v1/requests",
            "bodies": str(self.sync_bodies),
            "headers": portal_headers(),
            "concurrency": in_flight,
            "duration_s": self.options.memory_duration,
            "warmup_s": 0.0,
            "timeout_s": 120,
            "drain_s": 120,
            "honour_retry_after": True,
        }
        result = python_generator(spec, self.work_dir)
        stop.set()
        sampler.join()
        peak = max(samples) if samples else idle
        self.results.memory.append(
            {
                "in_flight": in_flight,
                "limit": limit,
                "idle_mib": idle,
                "peak_mib": peak,
                "per_request_kib": (peak - idle) * 1024 / in_flight,
                "requests": result["requests"],
                "statuses": result["statuses"],
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "rate": result["rate"],
                "generator_cpu_share": result["generator_cpu_s"] / result["wall_s"],
            }
        )
        print(
            f"  {in_flight:6} in flight, limit {limit or 'none'}: RSS {idle:.0f} -> {peak:.0f} "
            f"MiB, statuses {result['statuses']}",
            flush=True,
        )
        time.sleep(2)


def last_drills(folder: Path) -> dict[str, Any]:
    """Lost and duplicated hand-offs over every fault of the last fail-over drill run.

    The drills need a broker cluster, a PostgreSQL standby and nginx of their own, so
    ``make bench`` cannot run them; the goals table shows their last results, named as such.
    """
    ledgers = []
    for path in sorted(folder.glob("*.json")):
        try:
            ledgers.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    ledgers = [ledger for ledger in ledgers if "run_at" in ledger and "lost" in ledger]
    if not ledgers:
        return {}
    last = max(ledger["run_at"] for ledger in ledgers)
    run = [ledger for ledger in ledgers if ledger["run_at"] == last]
    return {
        "command": run[0].get("command", "python -m bench.drills.run failover"),
        "run_at": last,
        "faults": len(run),
        "lost": sum(int(ledger["lost"]) for ledger in run),
        "duplicated": sum(int(ledger.get("duplicates_other_message_id", 0)) for ledger in run),
    }


class WorkersMeter(Meter):
    """A ``Meter`` over a process and its children: ``serve --workers N`` serves from the
    children, so their CPU is the gateway's."""

    def usage(self) -> Usage:
        parent = psutil.Process(self._process.pid)
        processes = [parent, *parent.children(recursive=True)]
        cpu = sum(p.cpu_times().user + p.cpu_times().system for p in processes)
        rss = sum(p.memory_info().rss for p in processes) / 2**20
        return Usage(cpu_s=cpu, rss_mib=rss, peak_rss_mib=rss)


def render_workers(results: Results, options: argparse.Namespace) -> str:
    """Section 5 as a table: per case and level, req/s and CPU per request for each N, and
    the ratio to one worker, which is what this noisy shared machine can say."""
    if not results.workers:
        return ""
    counts = sorted(results.workers)
    lines = [
        "",
        "## One against several worker processes (`serve --workers N`)",
        "",
        f"Each cell {options.duration:.0f} s with wrk; CPU per request is the gateway's CPU "
        "(the parent and every worker) over the requests answered. The load generator, the "
        "sandbox registries, RabbitMQ and PostgreSQL share the same vCPUs, and other work ran on "
        "the machine: absolute figures are noisy; compare within this run.",
        "",
        "| case | connections | "
        + " | ".join(f"{n} worker(s): req/s | CPU/request" for n in counts)
        + " | req/s ratio |",
        "|---|---|" + "---|---|" * len(counts) + "---|",
    ]
    by_key = {n: {(c.case, c.concurrency): c for c in results.workers[n]} for n in counts}
    for case, concurrency in by_key[counts[0]]:
        row = [case, str(concurrency)]
        rates = []
        for n in counts:
            cell = by_key[n].get((case, concurrency))
            if cell is None:
                row += ["", ""]
                continue
            cpu = f"{cell.gateway_cpu_us:,.0f} µs" if cell.gateway_cpu_us else ""
            row += [f"{cell.rate:,.0f}", cpu]
            rates.append(cell.rate)
        ratio = f"{rates[-1] / rates[0]:.2f}" if len(rates) > 1 and rates[0] else ""
        lines.append("| " + " | ".join([*row, ratio]) + " |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateway_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="a ~2-minute smoke run")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per cell")
    parser.add_argument("--levels", default="1,16,64,256", help="concurrency levels")
    parser.add_argument(
        "--cases",
        default="baseline,sync,async,reference,direct",
        help="which cases of section 1",
    )
    parser.add_argument(
        "--sections", default="cells,handoff,loading,memory", help="which sections to run"
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--applicants", type=int, default=500, help="distinct applicants")
    parser.add_argument("--handoff-rows", type=int, default=20_000)
    parser.add_argument("--in-flight", default="1000,10000", help="requests in flight")
    parser.add_argument("--memory-duration", type=float, default=8.0)
    parser.add_argument("--no-postgresql", action="store_true", help="hand-offs on SQLite only")
    parser.add_argument("--out", default=str(RESULTS / "gateway-load.md"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    parser.add_argument(
        "--workers", default="1,2", help="worker counts of the workers section (serve --workers)"
    )
    options = parser.parse_args(argv)
    if options.quick:
        options.duration = 3.0
        options.levels = "1,64"
        options.handoff_rows = 5000
        options.in_flight = "1000"
        options.memory_duration = 4.0
        options.applicants = 200
    options.levels = [int(level) for level in str(options.levels).split(",")]
    options.in_flight = [int(n) for n in str(options.in_flight).split(",")]
    options.cases = set(str(options.cases).split(","))
    options.sections = set(str(options.sections).split(","))
    options.workers = [int(n) for n in str(options.workers).split(",")]
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if not wrk_available():
        sys.stderr.write("wrk is missing: apt-get install wrk\n")
        return 2
    command = "python -m bench.gateway_load " + " ".join(argv if argv is not None else sys.argv[1:])
    load_before = os.getloadavg()
    (ROOT / "var").mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / "var"))
    started = datetime.now(UTC)
    try:
        with ExitStack() as stack:
            print(f"starting the sandbox and the gateway (logs in {work_dir}) ...", flush=True)
            bench = Bench(options, work_dir, stack)
            if "cells" in options.sections:
                bench.run_cells()
            if "handoff" in options.sections:
                bench.run_handoffs()
            if "loading" in options.sections:
                bench.run_loading()
            if "memory" in options.sections:
                bench.run_memory()
            if "workers" in options.sections:
                bench.run_workers()
            bench.results.drills = last_drills(RESULTS / "drills")
            if not bench.gateway.alive():
                bench.results.notes.append("the gateway process died during the run")
    finally:
        if not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    setting = {
        "command": command.strip(),
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} vCPUs, CPython {platform.python_version()}",
        "packages": ", ".join(
            f"{name} {version(name)}"
            for name in ("fastapi", "uvicorn", "uvloop", "httptools", "aiohttp", "structlog")
        ),
        "store": options.store,
        "duration": options.duration,
        "load_before": " / ".join(f"{x:.2f}" for x in load_before),
        "load_after": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "applicants": options.applicants,
    }
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = report.render(setting, bench.results) + render_workers(bench.results, options)
    out.write_text(text, encoding="utf-8")
    if bench.results.cells:
        report.plot(bench.results.cells, out.with_suffix(".png"))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
