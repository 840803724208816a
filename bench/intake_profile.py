"""Where a request's CPU goes inside the gateway: ``Intake.submit`` in-process, profiled.

    .venv/bin/python -m bench.intake_profile --profile          # cProfile, by own time
    .venv/bin/python -m bench.intake_profile --compare REV      # this checkout against REV

The gateway is built exactly as ``serve`` builds it (``bootstrap``, its logging configured
for JSON to a file, at INFO, a fresh SQLite file), but without uvicorn and FastAPI: the
requests go straight to ``Intake.submit``, one at a time, on uvloop, against the real
sandbox registries (``python -m sandbox``, its own processes, over loopback). What is
measured is the process's CPU time (``time.process_time``: every thread, the store's
included) per submit:

- ``sync``: ``possession-list`` (civil ``GetPerson`` over SOAP and cadastre
  ``getPossessionList`` over REST, the ``applicant_alive`` rule, the commit);
- ``async``: ``municipal-service-complaint`` (the accept: request, outbox row and
  idempotency answer in one commit). The relay is not running: its publish is not here.

``--compare REV`` checks REV out into a temporary worktree and runs this same script,
alternately, in the two checkouts (``PYTHONPATH`` set to each), against one sandbox, for
``--rounds`` rounds; it prints each round's figures and the medians' ratio now / before.
On a machine shared with other work this is steadier than two HTTP runs: the load generator
and the HTTP server are out of the picture, and the two revisions run minutes apart.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


async def _submits(intake: Any, caller: Any, submissions: list[Any], count: int) -> list[float]:
    """CPU seconds of each of ``count`` submits, one at a time, rotating over ``submissions``."""
    spent = []
    for index in range(count):
        submission = submissions[index % len(submissions)]
        started = time.process_time()
        answer = await intake.submit(caller, uuid.uuid4().hex, submission)
        spent.append(time.process_time() - started)
        if answer.status_code not in (200, 202):
            raise RuntimeError(f"{submission.service}: {answer.status_code} {answer.body}")
    return spent


async def _purpose_bound(gateway: Any, submission: Any, rounds: int) -> dict[str, Any]:
    """``purpose_bound`` on the sync route's two real records: the exact-type path against
    the dump-and-validate path it replaced (kept as its fallback), alternating, one process."""
    from gateway.routing import engine

    def dump_and_validate(record: Any, call: Any) -> Any:
        kept = set(call.fields)
        data = engine._adapter(call.record_type).dump_python(record, include=kept)
        return call.record_type.model_construct(
            _fields_set=kept,
            **{
                name: engine._field_adapter(call.record_type, name).validate_python(data[name])
                for name in kept
            },
        )

    route = gateway.table.route_for(submission.service, submission.municipality)
    pairs = []
    for call in route.calls:
        arguments = {"personalNumber": submission.applicant.personal_number}
        record = await gateway.registries[call.registry].call(call.operation, arguments)
        assert engine.purpose_bound(record, call) == dump_and_validate(record, call)
        pairs.append((record, call))
    spent = {"exact": 0.0, "dump_and_validate": 0.0}
    for index in range(rounds):
        order = [("exact", engine.purpose_bound), ("dump_and_validate", dump_and_validate)]
        for label, bind in order if index % 2 == 0 else order[::-1]:
            started = time.process_time()
            for _ in range(50):
                for record, call in pairs:
                    bind(record, call)
            spent[label] += time.process_time() - started
    per_request = {k: v / (rounds * 50) * 1e6 for k, v in spent.items()}
    return {f"purpose_bound_{k}_us": v for k, v in per_request.items()}


def run_inside(options: argparse.Namespace) -> dict[str, Any]:
    """In the checkout on ``sys.path``: build the gateway, submit, measure (and profile)."""
    import uvloop

    from bench.workload import applicants, async_body, sync_body
    from gateway.bootstrap import bootstrap
    from gateway.intake import Caller, Submission
    from gateway.logging import configure_logging
    from gateway.settings import Settings

    work = Path(options.work_dir)
    os.environ.update(
        {
            "GATEWAY_DATABASE_URL": f"sqlite:///{work / f'intake-{uuid.uuid4().hex[:6]}.db'}",
            "GATEWAY_LOG_FILE": str(work / "intake-gateway.log"),
            "GATEWAY_LOG_FORMAT": "json",
            "GATEWAY_LOG_LEVEL": "INFO",
            "GATEWAY_OPEN_ENABLED": "false",
        }
    )
    settings = Settings()
    # The gateway's lines go to stderr as under `serve`; here stderr is a file.
    configure_logging(settings)
    gateway = bootstrap(settings)
    people = applicants(options.applicants)
    from contracts.messages import Applicant

    def submission(body: dict[str, Any]) -> Any:
        return Submission(
            service=body["service"],
            municipality=body["municipality"],
            language=body["language"],
            applicant=Applicant.model_validate(body["applicant"]),
            form=body["form"],
        )

    kinds = {
        "sync": [submission(sync_body(p)) for p in people],
        "async": [submission(async_body(p)) for p in people],
    }
    caller = Caller(name="e-kosova-portal", may_use_service=True)
    result: dict[str, Any] = {}

    async def main() -> None:
        if options.purpose_bound:
            result.update(await _purpose_bound(gateway, kinds["sync"][0], options.requests))
            await gateway.close()
            return
        for kind in options.kinds:
            await _submits(gateway.intake, caller, kinds[kind], options.warmup)
        for kind in options.kinds:
            # CPU time, not wall time: on a shared machine a wall-clock profile charges whatever
            # ran when the process was preempted.
            profiler = cProfile.Profile(time.process_time) if options.profile else None
            if profiler is not None:
                profiler.enable()
            spent = await _submits(gateway.intake, caller, kinds[kind], options.requests)
            if profiler is not None:
                profiler.disable()
                result[f"{kind}_profile"] = _top(profiler, options.top, options.requests)
            result[f"{kind}_us"] = statistics.median(spent) * 1e6
            result[f"{kind}_mean_us"] = statistics.fmean(spent) * 1e6
        await gateway.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
    return result


CATEGORIES = (
    # (label, substrings of the function's file; the first that matches wins)
    (
        "logging: structlog, the masking, the file copy (stdlib logging)",
        ("structlog", "/logging/", "gateway/logging.py"),
    ),
    (
        "store: SQLAlchemy, sqlite3, gateway/store",
        ("sqlalchemy", "sqlite3", "gateway/store", "gateway/audit"),
    ),
    (
        "registry client: aiohttp, yarl, multidict",
        ("aiohttp", "yarl", "multidict", "adapters/transport.py"),
    ),
    ("SOAP/REST engines and mapping (adapters/)", ("adapters/", "lxml", "fastjsonschema")),
    ("pydantic", ("pydantic",)),
    (
        "intake and routing (gateway/intake.py, gateway/routing/)",
        ("gateway/intake.py", "gateway/routing"),
    ),
    ("metrics (prometheus_client, gateway/metrics.py)", ("prometheus", "gateway/metrics.py")),
    ("contracts (form checks, compiled schemas)", ("contracts/", "jsonschema")),
    ("event loop, tasks, contextvars (asyncio, uvloop)", ("asyncio", "uvloop", "contextvars")),
)


def categories(stats: pstats.Stats, submits: int) -> list[tuple[str, float]]:
    """Own time per category, µs per submit, largest first."""
    totals: dict[str, float] = {}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        where = f"{filename} {name}"
        label = next(
            (label for label, parts in CATEGORIES if any(part in where for part in parts)),
            "other (builtins, json, uuid, hashlib, the rest)",
        )
        totals[label] = totals.get(label, 0.0) + own
    return sorted(((k, v / submits * 1e6) for k, v in totals.items()), key=lambda kv: -kv[1])


def _top(profiler: cProfile.Profile, count: int, submits: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write("own time by part (µs per submit, under the profiler):\n")
    for label, us in categories(stats, submits):
        out.write(f"  {us:8,.0f}  {label}\n")
    out.write("\n")
    stats.sort_stats("tottime").print_stats(count)
    if os.environ.get("INTAKE_PROFILE_CUMULATIVE"):
        stats.sort_stats("cumulative").print_stats(r"gateway|adapters|contracts", count)
    return out.getvalue()


def _child(root: Path, options: argparse.Namespace, env: dict[str, str], work: Path) -> dict:
    """This script run in ``root``'s checkout (its gateway code), returning its JSON line."""
    argv = [
        sys.executable,
        str(HERE),
        "--inside",
        "--work-dir",
        str(work),
        "--requests",
        str(options.requests),
        "--warmup",
        str(options.warmup),
        "--kinds",
        ",".join(options.kinds),
        "--applicants",
        str(options.applicants),
    ]
    with (work / "intake-stderr.log").open("a", encoding="utf-8") as stderr:
        completed = subprocess.run(
            argv,
            cwd=root,
            env={**env, "PYTHONPATH": str(root)},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            check=True,
            timeout=1800,
        )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_profile", description=__doc__)
    parser.add_argument("--profile", action="store_true", help="cProfile, sorted by own time")
    parser.add_argument("--compare", metavar="REV", help="this checkout against REV")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1500, help="measured submits per kind")
    parser.add_argument("--warmup", type=int, default=300, help="submits per kind first")
    parser.add_argument("--kinds", default="sync,async")
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--purpose-bound",
        action="store_true",
        help="time purpose_bound alone: exact types against dump-and-validate (--requests x 50)",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.kinds = [kind for kind in options.kinds.split(",") if kind]
    if options.inside:
        sys.stdout.write(json.dumps(run_inside(options)) + "\n")
        return 0

    sys.path.insert(0, str(ROOT))
    from bench.before_after import worktree
    from bench.stack import Sandbox

    (ROOT / "var").mkdir(exist_ok=True)
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="intake-", dir=ROOT / "var"))
        sandbox = Sandbox.start(work)
        stack.callback(sandbox.stop)
        env = {**os.environ, **sandbox.endpoint_env()}
        if options.compare is None:
            options.inside = True
            options.work_dir = str(work)
            os.environ.update(env)
            result = run_inside(options)
            if options.purpose_bound:
                exact = result["purpose_bound_exact_us"]
                slow = result["purpose_bound_dump_and_validate_us"]
                print(
                    f"purpose_bound, the sync route's two records: dump and validate "
                    f"{slow:,.1f} µs, exact types {exact:,.1f} µs, ratio {exact / slow:.3f}"
                )
                return 0
            for kind in options.kinds:
                print(f"{kind}: median {result[f'{kind}_us']:,.0f} µs CPU per submit")
                if options.profile:
                    print(result[f"{kind}_profile"])
            return 0
        base = stack.enter_context(worktree(options.compare))
        figures: dict[str, dict[str, list[float]]] = {"before": {}, "now": {}}
        for round_number in range(1, options.rounds + 1):
            order = [("before", base), ("now", ROOT)]
            if round_number % 2 == 0:
                order.reverse()
            for label, root in order:
                result = _child(root, options, env, work)
                for kind in options.kinds:
                    figures[label].setdefault(kind, []).append(result[f"{kind}_us"])
                shown = ", ".join(f"{k} {result[f'{k}_us']:,.0f} µs" for k in options.kinds)
                print(f"round {round_number} {label:6}: {shown}", flush=True)
        print(
            f"\n`python -m bench.intake_profile --compare {options.compare} --rounds "
            f"{options.rounds} --requests {options.requests}`: median CPU per submit "
            f"(process CPU, in-process, medians of {options.rounds} rounds)\n"
        )
        print("| kind | before µs | now µs | now / before |")
        print("|---|---|---|---|")
        for kind in options.kinds:
            before = statistics.median(figures["before"][kind])
            now = statistics.median(figures["now"][kind])
            print(f"| {kind} | {before:,.0f} | {now:,.0f} | {now / before:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
