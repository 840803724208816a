"""What the data-usage write adds to a sync request, in CPU, against the same route without it.

    .venv/bin/python -m bench.audit_cost                      # SQLite, ~20 s
    .venv/bin/python -m bench.audit_cost --postgres postgresql://postgres@127.0.0.1:5432/test

Two intakes on the one catalogue and routing table, each on its own fresh store, run the
birth certificate (two civil-registry calls about the applicant: two data-usage records,
held by one entry of the chain), one with the audit trail and one without, in alternating
requests of one run. The registries are in-memory stand-ins that answer at once: the
registry round trip is the same for both and would only hide the difference. Each request's
CPU is the thread's CPU time (``time.thread_time_ns``) across ``Intake.submit``, whose
SQLite work runs inline on the calling thread. The issue's goal is under 0.1 ms at p50.

With ``--postgres`` it also measures what the chain's lock costs in throughput: threads
committing audit entries at once queue on ``pg_advisory_xact_lock``.

Writes ``bench/results/audit-cost.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import psycopg
from psycopg import sql
from pydantic import BaseModel

from bench.report import table
from contracts.catalogue import load_catalogue
from contracts.messages import Applicant
from contracts.records import BirthRecord, Person
from gateway.audit.lookup import PersonKeys
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import build_routing
from gateway.intake import Caller, Intake, Submission
from gateway.logging import configure_logging
from gateway.routing.engine import RoutingEngine
from gateway.settings import REPO_ROOT, LogFormat, Settings
from gateway.store import Store
from gateway.store.audit import AuditRepository

RESULTS = REPO_ROOT / "bench" / "results" / "audit-cost.md"
PERSONAL_NUMBER = "1234567890"


class InstantCivil:
    """The civil registry's two answers, at once (the same records for every request)."""

    name = "civil"

    def __init__(self) -> None:
        address = {
            "street": "Rr. Nënë Tereza",
            "settlement": "Prishtinë",
            "municipality_code": "19",
        }
        self._records: dict[str, BaseModel] = {
            "GetPerson": Person.model_validate(
                {
                    "personal_number": PERSONAL_NUMBER,
                    "first_name": "Arta",
                    "last_name": "Krasniqi",
                    "date_of_birth": date(1990, 5, 1),
                    "place_of_birth": "Prishtinë",
                    "sex": "F",
                    "citizenship": "XK",
                    "status": "alive",
                    "address": address,
                    "municipality_code": "19",
                }
            ),
            "GetBirthRecord": BirthRecord.model_validate(
                {
                    "personal_number": PERSONAL_NUMBER,
                    "registration_number": "19-1990-0042",
                    "first_name": "Arta",
                    "last_name": "Krasniqi",
                    "date_of_birth": date(1990, 5, 1),
                    "place_of_birth": "Prishtinë",
                    "municipality_code": "19",
                    "registered_on": date(1990, 5, 3),
                }
            ),
        }

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        return self._records[operation]


def build_intakes(folder: Path) -> tuple[Intake, Intake, list[Store]]:
    settings = Settings()
    catalogue = load_catalogue(settings.catalogue_dir)
    table_, _registries = build_routing(settings, catalogue)
    engine = RoutingEngine({"civil": InstantCivil()})
    stores = [Store.from_url(f"sqlite:///{folder / name}.db") for name in ("plain", "audited")]
    trail = AuditTrail(
        stores[1],
        PersonKeys(b"bench-lookup-key"),
        clients=table_.clients,
        clock=lambda: datetime.now(UTC),
    )
    plain = Intake(catalogue=catalogue, table=table_, engine=engine, store=stores[0])
    audited = Intake(catalogue=catalogue, table=table_, engine=engine, store=stores[1], reads=trail)
    return plain, audited, stores


SUBMISSION = Submission(
    service="birth-certificate",
    municipality="19",
    language="sq",
    applicant=Applicant(personal_number=PERSONAL_NUMBER, first_name="Arta", last_name="Krasniqi"),
    form={"purpose": "employment"},
)
CALLER = Caller(name="e-kosova-portal", may_use_service=True)


async def one(intake: Intake) -> int:
    started = time.thread_time_ns()
    answer = await intake.submit(CALLER, uuid.uuid4().hex, SUBMISSION)
    spent = time.thread_time_ns() - started
    assert answer.status_code == 200, answer.body
    return spent


async def measure(plain: Intake, audited: Intake, requests: int) -> tuple[list[int], list[int]]:
    without, with_audit = [], []
    for _ in range(200):  # warm both paths: compiled statements, caches, pools
        await one(plain)
        await one(audited)
    for index in range(requests):
        first, second = (plain, audited) if index % 2 == 0 else (audited, plain)
        a, b = await one(first), await one(second)
        (without if first is plain else with_audit).append(a)
        (with_audit if second is audited else without).append(b)
    return without, with_audit


def pg_lock_throughput(url: str, threads: int, per_thread: int) -> dict[str, float]:
    """Audit appends per second with ``threads`` writers at once, against one writer.

    In a schema of its own, dropped afterwards: the database's other schemas are left alone.
    """
    schema = f"bench_audit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        separator = "&" if "?" in url else "?"
        return _throughput(f"{url}{separator}options=-csearch_path%3D{schema}", threads, per_thread)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _throughput(url: str, threads: int, per_thread: int) -> dict[str, float]:
    store = Store.from_url(url)

    def append(count: int) -> None:
        for _ in range(count):
            with store.unit_of_work() as uow:
                uow.bind(AuditRepository).append(
                    [("operator_action", {"action": "bench"})], recorded_at=datetime.now(UTC)
                )
                uow.commit()

    rates = {}
    for writers in (1, threads):
        workers = [threading.Thread(target=append, args=(per_thread,)) for _ in range(writers)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        rates[f"{writers} writer(s)"] = writers * per_thread / (time.perf_counter() - started)
    store.close()
    return rates


def production_logging(folder: Path, sink: TextIO) -> None:
    """The routing log as ``serve`` writes it: INFO, JSON, one ``route.request`` line a request,
    to its stream (``sink`` here, in place of stderr) and to a log file in ``folder``.

    Left unconfigured, structlog prints every hop's DEBUG line through its console renderer:
    both variants would pay ~1 ms of it a request, and its noise would bury the write this
    measures. The bench's own errors still reach the real stderr.
    """
    real_stderr, sys.stderr = sys.stderr, sink
    try:
        configure_logging(
            Settings(log_format=LogFormat.JSON, log_level="INFO", log_file=folder / "gateway.log")
        )
    finally:
        sys.stderr = real_stderr


def p(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per variant")
    parser.add_argument("--postgres", help="also measure the chain lock on this PostgreSQL URL")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        open(os.devnull, "w", encoding="utf-8") as sink,
    ):
        production_logging(Path(folder), sink)
        plain, audited, stores = build_intakes(Path(folder))
        without, with_audit = asyncio.run(measure(plain, audited, args.requests))
        for store in stores:
            store.close()
    p50_without, p50_with = p(without, 0.5), p(with_audit, 0.5)
    rows = [
        ["without the data-usage write", f"{p50_without:.3f}", f"{p(without, 0.9):.3f}"],
        ["with it (2 records, one entry)", f"{p50_with:.3f}", f"{p(with_audit, 0.9):.3f}"],
        ["added", f"{p50_with - p50_without:.3f}", ""],
    ]
    lines = [
        "# The data-usage write's cost on the sync route",
        "",
        f"`.venv/bin/python -m bench.audit_cost --requests {args.requests}"
        + (" --postgres …" if args.postgres else "")
        + "`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, SQLite, {args.requests} requests per variant, alternating.",
        "",
        "CPU per request (thread CPU across `Intake.submit`, ms):",
        "",
        table(["variant", "p50", "p90"], rows),
        "",
        f"Ratio with/without at p50: {p50_with / p50_without:.3f}. "
        f"The issue's goal: under 0.1 ms added at p50; measured "
        f"{(p50_with - p50_without) * 1000:.0f} µs.",
        f"Means: without {statistics.mean(without) / 1e6:.3f} ms, "
        f"with {statistics.mean(with_audit) / 1e6:.3f} ms.",
    ]
    if args.postgres:
        rates = pg_lock_throughput(args.postgres, threads=8, per_thread=200)
        lines += [
            "",
            "PostgreSQL, the chain's lock (`pg_advisory_xact_lock`): audit appends per second, "
            "each its own transaction:",
            "",
            table(["writers", "appends/s"], [[k, f"{v:.0f}"] for k, v in rates.items()]),
        ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
