"""The gateway of an earlier commit against the gateway of this checkout, in one run.

    .venv/bin/python -m bench.before_after                    # against d0d6457, ~6 minutes
    .venv/bin/python -m bench.before_after --base REV --rounds 3 --levels 1,16,64

On a machine that other work shares, two benchmark runs an hour apart differ by more than
most changes do; so this script measures both revisions in the same run, in alternating
rounds, against one sandbox and one load generator, and reports each figure as the median
of its rounds and as a ratio. The earlier revision is checked out into a temporary git
worktree (removed at the end) and runs with this checkout's virtual environment, so the
libraries are the same and only the gateway's code differs. Each gateway gets a fresh SQLite
file (or, with ``--store postgresql``, a fresh PostgreSQL schema) and a private RabbitMQ
vhost, and writes its routing log (INFO, JSON) to a file, as in production.

Writes ``bench/results/before-after.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.report import table
from bench.stack import ROOT, Meter, PostgresSchema, PrivateVhost, Sandbox, ready_gateway
from bench.workload import applicants, async_body, sync_body, write_bodies
from bench.wrk import run_wrk, wrk_available

RESULTS = ROOT / "bench" / "results"
DEFAULT_BASE = "d0d6457"
"""The last commit before the hot-path work of issue #8, part 3 (bench/results/optimisation.md)."""

_STORES = {
    "sqlite": "a fresh SQLite file",
    "postgresql": "a fresh schema of its own in PostgreSQL (127.0.0.1:5432, database test)",
}

CASES = {
    "baseline": "GET /health",
    "sync": "POST possession-list (civil SOAP + cadastre REST, rule, commit)",
    "async": "POST municipal-service-complaint (accept + outbox commit; relay publishing)",
}


@dataclass
class Sample:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float


@dataclass
class Figures:
    samples: dict[tuple[str, str, int], list[Sample]] = field(default_factory=dict)

    def add(self, revision: str, case: str, level: int, sample: Sample) -> None:
        self.samples.setdefault((revision, case, level), []).append(sample)

    def median(self, revision: str, case: str, level: int, name: str) -> float:
        return statistics.median(
            getattr(sample, name) for sample in self.samples[(revision, case, level)]
        )


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bench-base-", dir=ROOT / "var"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), revision],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True
        )


def measure_revision(
    label: str,
    root: Path,
    sandbox: Sandbox,
    bodies: dict[str, Path],
    options: argparse.Namespace,
    work_dir: Path,
    figures: Figures,
) -> None:
    with ExitStack() as stack:
        vhost = PrivateVhost().create()
        stack.callback(vhost.delete)
        database_url = None
        if options.store == "postgresql":
            schema = PostgresSchema().create()
            stack.callback(schema.drop)
            database_url = schema.url
        gateway = ready_gateway(
            stack,
            work_dir,
            sandbox=sandbox,
            amqp_url=vhost.url,
            label=label,
            root=root,
            database_url=database_url,
        )
        meter = Meter(gateway.pid)
        for case in ("sync", "async"):
            run_wrk(
                gateway.base + "/v1/requests",
                connections=16,
                duration_s=3,
                post_bodies=bodies[case],
                tag=f"warm{uuid.uuid4().hex[:6]}",
            )
        for level in options.levels:
            for case in options.cases:
                before = meter.usage().cpu_s
                result = run_wrk(
                    gateway.base + ("/health" if case == "baseline" else "/v1/requests"),
                    connections=level,
                    duration_s=options.duration,
                    post_bodies=None if case == "baseline" else bodies[case],
                    tag=uuid.uuid4().hex[:10],
                )
                cpu = meter.usage().cpu_s - before
                sample = Sample(
                    rate=result.rate,
                    p50_ms=result.p50_ms,
                    p99_ms=result.p99_ms,
                    errors=result.errors,
                    cpu_us=cpu / result.requests * 1e6 if result.requests else 0.0,
                )
                figures.add(label, case, level, sample)
                print(
                    f"  {label:6} {case:8} c={level:<3} {sample.rate:8,.0f} req/s  "
                    f"p50 {sample.p50_ms:7.2f}  p99 {sample.p99_ms:8.2f} ms  "
                    f"CPU {sample.cpu_us:6,.0f} µs/req  errors {sample.errors}",
                    flush=True,
                )


def _pair(figures: Figures, case: str, level: int, name: str, digits: int = 0) -> tuple[str, float]:
    """``"before → now"`` for one figure, and now / before."""
    base = figures.median("before", case, level, name)
    now = figures.median("now", case, level, name)
    return f"{base:,.{digits}f} → {now:,.{digits}f}", (now / base if base else 0.0)


def render(options: argparse.Namespace, figures: Figures, setting: dict[str, str]) -> str:
    rows = []
    for level in options.levels:
        for case in options.cases:
            rate, rate_x = _pair(figures, case, level, "rate")
            p50, _ = _pair(figures, case, level, "p50_ms", 2)
            p99, p99_x = _pair(figures, case, level, "p99_ms", 1)
            cpu, cpu_x = _pair(figures, case, level, "cpu_us")
            errors = sum(
                s.errors
                for revision in ("before", "now")
                for s in figures.samples[(revision, case, level)]
            )
            rows.append(
                [
                    case,
                    str(level),
                    rate,
                    f"{rate_x:.2f}x",
                    p50,
                    p99,
                    f"{p99_x:.2f}x",
                    cpu,
                    f"{cpu_x:.2f}x",
                    str(errors),
                ]
            )
    header = [
        "case",
        "conns",
        "req/s before → now",
        "req/s ratio",
        "p50 ms",
        "p99 ms",
        "p99 ratio",
        "gateway CPU µs/req",
        "CPU ratio",
        "errors",
    ]
    cases = "\n".join(f"- `{case}`: {CASES[case]}" for case in options.cases)
    return f"""# Before and after: the gateway of {options.base} against this checkout

Command: `{setting["command"]}` (from the repository root).
Run: {setting["started"]}, {setting["machine"]}; base `{options.base}`, now `{setting["head"]}`.
Load average (1/5/15 min) before: {setting["load_before"]}; after: {setting["load_after"]}.

Both revisions ran in this one run, {options.rounds} alternating rounds of {options.duration:.0f} s
per cell, against the same sandbox registries and load generator (wrk), each gateway a real
process with {_STORES[options.store]} and the in-process relay; figures are medians of the
rounds.
Read the ratios: the machine's two vCPUs are shared with the load generator, the sandbox,
RabbitMQ and whatever else runs here, so absolute rates move from run to run.

{cases}

{table(header, rows)}
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.before_after", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--base", default=DEFAULT_BASE, help="the earlier revision")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per cell")
    parser.add_argument("--levels", default="1,64")
    parser.add_argument("--cases", default="baseline,sync,async")
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--out", default=str(RESULTS / "before-after.md"))
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="each gateway's store: a fresh SQLite file, or a fresh schema in PostgreSQL's "
        "database test",
    )
    options = parser.parse_args(argv)
    options.levels = [int(level) for level in options.levels.split(",")]
    options.cases = [case for case in options.cases.split(",") if case]
    unknown = set(options.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; known: {sorted(CASES)}")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if not wrk_available():
        sys.stderr.write("wrk is missing: apt-get install wrk\n")
        return 2
    command = "python -m bench.before_after " + " ".join(argv if argv is not None else sys.argv[1:])
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    (ROOT / "var").mkdir(exist_ok=True)
    figures = Figures()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with ExitStack() as stack:
        work_dir = Path(tempfile.mkdtemp(prefix="before-after-", dir=ROOT / "var"))
        stack.callback(shutil.rmtree, work_dir, ignore_errors=True)
        base_root = stack.enter_context(worktree(options.base))
        sandbox = Sandbox.start(work_dir)
        stack.callback(sandbox.stop)
        people = applicants(options.applicants)
        bodies = {
            "sync": write_bodies(work_dir / "sync.jsonl", [sync_body(p) for p in people]),
            "async": write_bodies(work_dir / "async.jsonl", [async_body(p) for p in people]),
        }
        for round_number in range(1, options.rounds + 1):
            print(f"round {round_number} of {options.rounds}", flush=True)
            order = [("before", base_root), ("now", ROOT)]
            if round_number % 2 == 0:
                order.reverse()  # neither revision always runs first
            for label, root in order:
                measure_revision(label, root, sandbox, bodies, options, work_dir, figures)
    setting = {
        "command": command.strip(),
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} vCPUs, CPython {platform.python_version()}",
        "head": head + (" with uncommitted changes" if _dirty() else ""),
        "load_before": " / ".join(f"{x:.2f}" for x in load_before),
        "load_after": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    text = render(options, figures, setting)
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _dirty() -> bool:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return bool(status.stdout.strip())


if __name__ == "__main__":
    raise SystemExit(main())
