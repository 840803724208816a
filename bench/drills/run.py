"""Fault drills under steady load, each ending with a ledger. One command, each drill or all:

    .venv/bin/python -m bench.drills.run                      # all four, ~6 minutes
    .venv/bin/python -m bench.drills.run broker gateway-kill  # some of them
    .venv/bin/python -m bench.drills.run --quick              # shorter faults, ~3 minutes
    .venv/bin/python -m bench.drills.run failover [--quick]   # the scaled-out deployment's
                                                              # fail-over drill (failover.py)

Each drill starts its own parts as real processes on loopback (the sandbox registries, the
gateway with its relay and status consumer on a fresh SQLite file in a private RabbitMQ vhost,
and reference back-offices for municipalities 19 and 20), sends steady portal traffic (sync
``possession-list`` and async ``municipal-service-complaint``, alternately), and then:

* ``broker``: RabbitMQ stops (``rabbitmqctl stop_app``) for 30 s and comes back;
* ``registry-down``: the civil registry stops listening (connections refused) for 20 s;
* ``registry-slow``: the cadastre answers after 2 s (the gateway's timeout is 2 s) for 20 s;
* ``gateway-kill``: the gateway gets SIGKILL and is started again at once on the same store.

The traffic goes on through the fault and 10 s past it, then stops; the drill waits until
every accepted request has reached its back-office (or gives up after 180 s) and writes the
ledger: requests sent, answers (200, 202, refusals), hand-offs delivered, duplicates the
back-offices recognised, requests lost (a 202 whose application never arrived: must be 0),
and how long recovery took. The broker is always started again in a ``finally``.

The ledger goes to stdout and ``bench/results/drills.md``; the exit status is 1 when any
request was lost.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.drills.load import Outcome, SteadyLoad
from bench.stack import (
    Child,
    Gateway,
    PrivateVhost,
    Sandbox,
    backoffice,
    rabbitmqctl,
    ready_gateway,
)
from bench.workload import applicants

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "drills.md"
MUNICIPALITIES = ("19", "20")
DRILLS = ("broker", "registry-down", "registry-slow", "gateway-kill")


@dataclass
class Ledger:
    drill: str
    fault: str
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    delivered: int = 0
    delivered_unanswered: int = 0
    duplicates: int = 0
    lost: int = 0
    recovery: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def answered_ok(self) -> int:
        return self.statuses["200"] + self.statuses["202"]


@dataclass
class Parts:
    work_dir: Path
    vhost: PrivateVhost
    sandbox: Sandbox
    gateway: Gateway
    offices: dict[str, Path]
    office_processes: list[Child] = field(default_factory=list)
    office_restarts: int = 0

    def keep_offices_running(self) -> None:
        """Start again a back-office process that died (the gateway is what is drilled)."""
        for office in self.office_processes:
            if not office.alive():
                self.office_restarts += 1
                office.restart()


def start_parts(stack: ExitStack, work_dir: Path, name: str) -> Parts:
    vhost = PrivateVhost().create()
    stack.callback(vhost.delete)
    sandbox = Sandbox.start(work_dir)
    stack.callback(sandbox.stop)
    gateway = ready_gateway(stack, work_dir, sandbox=sandbox, amqp_url=vhost.url, label=name)
    parts = Parts(work_dir, vhost, sandbox, gateway, {})
    for code in MUNICIPALITIES:
        database = work_dir / f"{name}-backoffice-{code}.db"
        office = backoffice(work_dir, code, vhost.url, database)
        stack.callback(office.stop)
        parts.offices[code] = database
        parts.office_processes.append(office)
    return parts


def pause(parts: Parts, seconds: float) -> None:
    """Sleep, minding the back-offices meanwhile."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        parts.keep_offices_running()
        time.sleep(min(0.5, left))


def delivered(parts: Parts) -> tuple[set[str], int]:
    """Request ids the back-offices stored, and the redeliveries they recognised and dropped."""
    ids: set[str] = set()
    duplicates = 0
    for path in parts.offices.values():
        if not path.exists():
            continue
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            ids.update(row[0] for row in connection.execute("SELECT request_id FROM applications"))
            duplicates += connection.execute("SELECT count(*) FROM redeliveries").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # the back-office has not created its tables yet
        finally:
            connection.close()
    return ids, duplicates


def first_after(outcomes: list[Outcome], moment: float, test: Callable[[Outcome], bool]) -> float:
    """Seconds from ``moment`` to the end of the first request sent after it that passes."""
    ends = [o.ended_at for o in outcomes if o.sent_at >= moment and test(o)]
    return min(ends) - moment if ends else float("nan")


def run_drill(name: str, options: argparse.Namespace, work_dir: Path) -> Ledger:
    outage = options.outage
    faults = {
        "broker": f"RabbitMQ stopped for {outage['broker']:.0f} s (rabbitmqctl stop_app)",
        "registry-down": f"civil registry refusing connections for {outage['registry']:.0f} s",
        "registry-slow": f"cadastre answering after 2 s for {outage['registry']:.0f} s "
        "(timeout 2 s, 3 attempts, breaker)",
        "gateway-kill": "gateway SIGKILLed, restarted at once on the same store",
    }
    ledger = Ledger(name, faults[name])
    print(f"drill {name}: {ledger.fault}", flush=True)
    with ExitStack() as stack:
        parts = start_parts(stack, work_dir, name)
        people = applicants(300)
        load = SteadyLoad(
            parts.gateway.base, people, municipalities=MUNICIPALITIES, rate=options.rate
        )
        load.start()
        pause(parts, options.warm)
        fault_at = time.monotonic()
        restored_at = fault_at
        try:
            if name == "broker":
                rabbitmqctl("stop_app")
                try:
                    pause(parts, outage["broker"])
                finally:
                    restored_at = time.monotonic()
                    rabbitmqctl("start_app")
                    rabbitmqctl("await_startup")
            elif name == "registry-down":
                parts.sandbox.set_faults("civil", down="refuse")
                try:
                    pause(parts, outage["registry"])
                finally:
                    parts.sandbox.set_faults("civil")
                    restored_at = time.monotonic()
            elif name == "registry-slow":
                parts.sandbox.set_faults("cadastre", latency_ms=2000)
                try:
                    pause(parts, outage["registry"])
                finally:
                    parts.sandbox.set_faults("cadastre")
                    restored_at = time.monotonic()
            elif name == "gateway-kill":
                parts.gateway.kill()
                restored_at = time.monotonic()
                parts.gateway.restart()
                ledger.recovery["gateway start to /health (s)"] = parts.gateway.wait_ready()
            pause(parts, options.after)
        finally:
            load.stop()
        outcomes = load.outcomes()
        promised = {o.request_id for o in outcomes if o.request_id}
        stopped_at = time.monotonic()
        deadline = stopped_at + options.drain
        ids, duplicates = delivered(parts)
        while not promised <= ids and time.monotonic() < deadline:
            pause(parts, 0.25)
            ids, duplicates = delivered(parts)
        all_delivered_at = time.monotonic() if promised <= ids else None
        time.sleep(1)  # let late redeliveries be counted
        ids, duplicates = delivered(parts)
        gateway_alive = parts.gateway.alive()
    if parts.office_restarts:
        ledger.notes.append(
            f"a back-office process died {parts.office_restarts} time(s) and was started "
            "again by the drill (see its log)"
        )
    if not gateway_alive:
        ledger.notes.append("the gateway process was not running at the end")
    ledger.sent = len(outcomes)
    ledger.statuses = Counter(o.status for o in outcomes)
    ledger.accepted = len(promised)
    ledger.delivered = len(promised & ids)
    ledger.delivered_unanswered = len(ids - promised)
    ledger.duplicates = duplicates
    ledger.lost = len(promised - ids)
    ok_sync = [o for o in outcomes if o.kind == "sync" and o.status == "200"]
    if name in ("registry-down", "registry-slow"):
        ledger.recovery["restore to first sync 200 (s)"] = first_after(
            ok_sync, restored_at, lambda o: True
        )
        ledger.recovery["restore to first fast sync 200, < 250 ms (s)"] = first_after(
            ok_sync, restored_at, lambda o: o.ended_at - o.sent_at < 0.25
        )
        during = [o for o in outcomes if fault_at <= o.sent_at < restored_at]
        ledger.notes.append(
            "during the fault: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(o.status for o in during).items()))
        )
    if name == "gateway-kill":
        ledger.recovery["kill to first 2xx (s)"] = first_after(
            outcomes, restored_at, lambda o: o.status in ("200", "202")
        )
    if name == "broker":
        ledger.recovery["broker back to first 2xx (s)"] = first_after(
            outcomes, restored_at, lambda o: o.status in ("200", "202")
        )
    if all_delivered_at is not None:
        ledger.recovery["restore to every accepted request delivered (s)"] = max(
            0.0, all_delivered_at - restored_at
        )
    else:
        ledger.recovery["restore to every accepted request delivered (s)"] = None
        ledger.notes.append(f"gave up waiting after {options.drain:.0f} s")
    print(render_one(ledger), flush=True)
    return ledger


def render_one(ledger: Ledger) -> str:
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(ledger.statuses.items()))
    recovery = "; ".join(
        f"{k} {'–' if v is None else f'{v:.1f}'}" for k, v in ledger.recovery.items()
    )
    return (
        f"  sent {ledger.sent}; answers {answers}; accepted {ledger.accepted}; "
        f"delivered {ledger.delivered}; duplicates {ledger.duplicates}; LOST {ledger.lost}\n"
        f"  recovery: {recovery}" + "".join(f"\n  note: {note}" for note in ledger.notes)
    )


def render(ledgers: list[Ledger], options: argparse.Namespace, command: str) -> str:
    header = [
        "drill",
        "fault",
        "sent",
        "200",
        "202",
        "refused (4xx/5xx)",
        "no answer",
        "handed off to back-office",
        "duplicates seen by back-office",
        "lost",
        "recovery",
    ]
    rows = []
    for ledger in ledgers:
        refused = sum(
            n
            for status, n in ledger.statuses.items()
            if status.isdigit() and status not in ("200", "202")
        )
        no_answer = sum(n for status, n in ledger.statuses.items() if not status.isdigit())
        recovery = "<br>".join(
            f"{k}: {'–' if v is None else f'{v:.1f}'}" for k, v in ledger.recovery.items()
        )
        rows.append(
            [
                ledger.drill,
                ledger.fault,
                str(ledger.sent),
                str(ledger.statuses["200"]),
                str(ledger.statuses["202"]),
                str(refused),
                str(no_answer),
                f"{ledger.delivered} of {ledger.accepted}"
                + (
                    f" (+{ledger.delivered_unanswered} whose 202 the client never saw)"
                    if ledger.delivered_unanswered
                    else ""
                ),
                str(ledger.duplicates),
                f"**{ledger.lost}**",
                recovery,
            ]
        )
    lines = [
        "# Fault drills: measured",
        f"Command: `.venv/bin/{command}` (from the repository root). "
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Steady load {options.rate:.0f} "
        f"requests/s (half sync `possession-list`, half async `municipal-service-complaint` "
        f"for municipalities {', '.join(MUNICIPALITIES)}), {options.warm:.0f} s before the "
        f"fault and {options.after:.0f} s after it; every part a real process on loopback.",
        "Lost = answered 202 but never stored by its back-office (must be 0). Duplicates = "
        "hand-offs the back-office received again and recognised by `message_id` "
        "(at-least-once delivery). No answer = connection refused or reset (the gateway was "
        "down): nothing was promised to those clients. Refused = problem documents, e.g. "
        "503 `registry.*.unavailable` while a registry is down or its breaker open.",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    notes = [f"- {ledger.drill}: {note}" for ledger in ledgers for note in ledger.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.drills.run", description=__doc__)
    parser.add_argument("drills", nargs="*", help=f"any of {', '.join(DRILLS)}; default: all")
    parser.add_argument("--quick", action="store_true", help="shorter faults and waits")
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    options = parser.parse_args(argv)
    unknown = set(options.drills) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drill(s): {', '.join(sorted(unknown))}")
    options.drills = options.drills or list(DRILLS)
    options.warm, options.after, options.drain = (5.0, 10.0, 180.0)
    options.outage = {"broker": 30.0, "registry": 20.0}
    if options.quick:
        options.warm, options.after = 3.0, 6.0
        options.outage = {"broker": 10.0, "registry": 8.0}
    return options


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["failover"]:
        from bench.drills import failover

        return failover.main(arguments[1:])
    options = parse_args(argv)
    command = "python -m bench.drills.run " + " ".join(argv if argv is not None else sys.argv[1:])
    (ROOT / "var").mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="drills-", dir=ROOT / "var"))
    print(f"logs in {work_dir}", flush=True)
    ledgers = []
    try:
        for name in options.drills:
            ledgers.append(run_drill(name, options, work_dir))
    finally:
        if not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    text = render(ledgers, options, command.strip())
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 1 if any(ledger.lost for ledger in ledgers) else 0


if __name__ == "__main__":
    raise SystemExit(main())
