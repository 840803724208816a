"""The fail-over drill of a scaled-out deployment: real engines, faults under load, one ledger each.

    .venv/bin/python -m bench.drills.run failover             # the four faults, ~8 minutes
    .venv/bin/python -m bench.drills.run failover --quick     # shorter faults, ~5 minutes
    .venv/bin/python -m bench.drills.run failover instance-kill   # some of them

Set-up, every part a real process on loopback, private to the drill:

* a 3-node RabbitMQ cluster (``RabbitCluster``); the gateway's quorum queues get a member on
  each node; the back-offices' broker users are created on it;
* a PostgreSQL primary with a synchronous streaming replica (``PostgresPair``); the
  instances share it through the multi-host URL with ``target_session_attrs=read-write``;
* two gateway instances, each with its relay and consumers, behind nginx. ``GATEWAY_AMQP_URL``
  names one broker address, so each instance is pointed at a different node, as
  docs/deployment.md says for a deployment without a TCP load balancer over the nodes;
  ``GATEWAY_WORKERS`` is set when ``serve`` offers ``--workers``;
* the sandbox registries and the reference back-offices of municipalities 19 and 20 (each on
  another node), deciding ``in_review`` then ``approved``/``rejected`` after a short delay.

Each fault runs under its own steady load of async applications through nginx (a fixed rate,
a fresh ``Idempotency-Key`` each, every outcome recorded client-side):

* ``broker-node``: kill -9 of the node leading municipality 19's queue, restarted later;
* ``instance-kill``: kill -9 of one instance, started again at once;
* ``rolling-restart``: each instance in turn stopped (SIGTERM), started, awaited on /ready;
* ``pg-failover``: kill -9 of the PostgreSQL primary, then ``pg_promote()`` on the replica
  (last, as the old primary is not rebuilt as a standby).

After the load stops the drill waits for every accepted request to be in its back-office's
store, then for the status updates, and writes the ledger (``bench/results/drills/<fault>.json``
and a summary ``bench/results/drills/README.md``): accepted, delivered once, lost (a 202 never
stored: must be 0), duplicates (one request stored under two message ids: must be 0),
ordering dead letters (status updates refused as an illegal transition: must be 0), the window
of refusals and the time to drain. The exit status is 1 when a ledger breaks a "must be 0".
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import TopologyNames, municipal_party_commands
from bench.drills.engines import PostgresPair, RabbitCluster
from bench.drills.load import Outcome, SteadyLoad
from bench.drills.nginx import Nginx
from bench.stack import Child, Gateway, Sandbox
from bench.workload import applicants

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "drills"
MUNICIPALITIES = ("19", "20")
NGINX_FAIL_TIMEOUT_S = 10.0
"""``fail_timeout`` of the upstream servers, in the shipped site and the drill's."""

FAULTS = ("broker-node", "instance-kill", "rolling-restart", "pg-failover")
ORDERING_REASON = "status.illegal_transition"
INSTANCES = 2
WORKERS = 2


@dataclass
class Timing:
    warm_s: float
    outage_s: float
    after_s: float
    drain_s: float
    rate: float
    decision_delay_s: float


@dataclass
class Ledger:
    fault: str
    description: str
    sent: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    delivered_once: int = 0
    lost: int = 0
    lost_request_ids: list[str] = field(default_factory=list)
    duplicates_other_message_id: int = 0
    redeliveries_same_message_id: int = 0
    stored_without_a_202: int = 0
    status_dead_letters: dict[str, int] = field(default_factory=dict)
    ordering_dead_letters: int = 0
    refusal_window_s: float = 0.0
    drain_s: float | None = None
    timeline_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.lost or self.duplicates_other_message_id or self.ordering_dead_letters)


# ---- the deployment under test ------------------------------------------------------------------


def serve_offers_workers() -> bool:
    """Whether today's ``serve`` takes ``--workers`` (it is being added beside this drill)."""
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return "--workers" in result.stdout


class Deployment:
    """The engines, instances, nginx and back-offices of one drill run."""

    def __init__(self, stack: ExitStack, work_dir: Path, timing: Timing) -> None:
        self.work_dir = work_dir
        self.names = TopologyNames()
        print("starting the RabbitMQ cluster and PostgreSQL pair …", flush=True)
        self.cluster = stack.enter_context(RabbitCluster())
        self.pair = stack.enter_context(PostgresPair())
        self.workers = serve_offers_workers()
        self.sandbox = Sandbox.start(work_dir)
        stack.callback(self.sandbox.stop)
        self.instances: list[Gateway] = []
        for index in range(INSTANCES):
            node = self.cluster.nodes[index % len(self.cluster.nodes)]
            extra = {"GATEWAY_WORKERS": str(WORKERS)} if self.workers else {}
            instance = Gateway(
                work_dir,
                sandbox=self.sandbox,
                database_url=self.pair.sqlalchemy_url(),
                amqp_url=node.url(),
                extra_env=extra,
                name=f"gateway-{index + 1}",
            )
            stack.callback(instance.stop)
            # One at a time: the first migrates the shared database and declares the topology.
            await_ready(instance)
            self.instances.append(instance)
        self.nginx = Nginx(work_dir, [instance.port for instance in self.instances])
        stack.callback(self.nginx.stop)
        self.offices: dict[str, Path] = {}
        self.office_processes: list[Child] = []
        self.office_restarts = 0
        password = secrets.token_hex(16)
        for index, code in enumerate(MUNICIPALITIES, start=1):
            for command in municipal_party_commands(code, password, names=self.names):
                self.cluster.rabbitmqctl(*command[1:])
            node = self.cluster.nodes[index % len(self.cluster.nodes)]
            user = self.names.municipality_user(code)
            url = f"amqp://{user}:{password}@127.0.0.1:{node.amqp_port}/%2F"
            database = work_dir / f"backoffice-{code}.db"
            office = Child(
                f"backoffice-{code}",
                [
                    sys.executable, "-m", "sandbox.backoffice", "--municipality", code,
                    "--amqp-url", url, "--database", str(database),
                    "--decision-delay", str(timing.decision_delay_s),
                ],
                work_dir,
            )  # fmt: skip
            stack.callback(office.stop)
            self.offices[code] = database
            self.office_processes.append(office)
        wait_for(self.nginx.answers, 30, "nginx in front of the instances")

    def keep_offices_running(self) -> None:
        """Start again a back-office that died: the back-offices are not what is drilled."""
        for office in self.office_processes:
            if not office.alive():
                self.office_restarts += 1
                office.restart()

    def pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.keep_offices_running()
            time.sleep(min(0.5, left))

    def _rows(self, query: str) -> list[tuple[Any, ...]]:
        """``query``'s rows from every back-office's file, read-only; none from a file whose
        back-office has not made its tables yet."""
        rows: list[tuple[Any, ...]] = []
        for path in self.offices.values():
            if not path.exists():
                continue
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                rows += connection.execute(query).fetchall()
            except sqlite3.OperationalError:
                pass
            finally:
                connection.close()
        return rows

    def stored(self) -> list[tuple[str, str]]:
        """(request id, message id) of every application the back-offices stored."""
        return [
            (str(r), str(m))
            for r, m in self._rows("SELECT request_id, message_id FROM applications")
        ]

    def redeliveries(self) -> int:
        """Hand-offs received again under a message id already stored, and dropped."""
        return sum(int(n) for (n,) in self._rows("SELECT count(*) FROM redeliveries"))

    def pending_status_updates(self, request_ids: set[str]) -> int:
        """Status updates the back-offices planned for these requests and have not sent yet."""
        unsent = self._rows("SELECT request_id FROM status_outbox WHERE sent_at IS NULL")
        return sum(1 for (request_id,) in unsent if request_id in request_ids)

    def dead_letters(self) -> list[tuple[str, str | None]]:
        """(reason, request id) of every message in the dead-letter queue, left in place:
        read without acks, given back when the connection closes."""
        node = self.cluster.live_nodes()[0]
        connection = pika.BlockingConnection(pika.URLParameters(node.url()))
        found: list[tuple[str, str | None]] = []
        try:
            channel = connection.channel()
            while True:
                method, properties, body = channel.basic_get(
                    self.names.dead_letter_queue, auto_ack=False
                )
                if method is None:
                    break
                headers = properties.headers or {}
                reason = headers.get(REASON_HEADER)
                if reason is None:
                    deaths = headers.get("x-death") or [{}]
                    reason = f"broker.{deaths[0].get('reason', 'unknown')}"
                try:
                    request_id = json.loads(body).get("request_id")
                except (ValueError, AttributeError):
                    request_id = None
                found.append((str(reason), None if request_id is None else str(request_id)))
        finally:
            connection.close()
        return found


def await_ready(instance: Gateway, timeout_s: float = 120) -> float:
    """Until the instance's ``/ready`` says 200; the seconds it took."""
    started = time.monotonic()

    def ready() -> bool:
        if not instance.alive():
            raise RuntimeError(f"{instance.name} stopped; see {instance.log_path}")
        try:
            with urllib.request.urlopen(f"{instance.base}/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    wait_for(ready, timeout_s, f"{instance.name} ready")
    return time.monotonic() - started


def answers(instance: Gateway) -> bool:
    """Whether anything answers on the instance's port."""
    try:
        with urllib.request.urlopen(f"{instance.base}/health", timeout=1):
            return True
    except (OSError, urllib.error.URLError):
        return False


def wait_for(test: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not test():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.2)


# ---- the faults ---------------------------------------------------------------------------------


def inject(name: str, deployment: Deployment, timing: Timing, ledger: Ledger) -> float:
    """Cause the fault and undo it; the ``time.monotonic()`` at which it was undone."""
    cluster, pair = deployment.cluster, deployment.pair
    marks = ledger.timeline_s
    started = time.monotonic()

    def mark(label: str) -> None:
        marks[label] = round(time.monotonic() - started, 2)

    if name == "broker-node":
        queue = deployment.names.municipality_queue(MUNICIPALITIES[0])
        node = cluster.leader_of(queue)
        started = time.monotonic()  # asking rabbitmqctl took seconds
        ledger.notes.append(f"killed {node.name}, the leader of {queue}")
        cluster.kill_node(node)
        mark("node killed")
        deployment.pause(timing.outage_s)
        cluster.restart_node(node)
        mark("node rejoined")
    elif name == "instance-kill":
        instance = deployment.instances[0]
        instance.kill()
        mark(f"{instance.name} killed")
        # Its workers see their supervisor gone within a second and exit; until then they
        # still hold the port, and /ready would be answered by them, not the new instance.
        wait_for(lambda: not answers(instance), 30, f"{instance.name}'s workers to exit")
        mark(f"{instance.name}'s workers gone")
        instance.restart()
        await_ready(instance)
        mark(f"{instance.name} ready again")
    elif name == "rolling-restart":
        for instance in deployment.instances:
            instance.restart()  # SIGTERM, the wait for it to exit, then a new process
            mark(f"{instance.name} restarted")
            await_ready(instance)
            mark(f"{instance.name} ready")
            # nginx still counts the connections it refused while restarting, for its
            # fail_timeout: the documented procedure waits that out before the next instance.
            deployment.pause(NGINX_FAIL_TIMEOUT_S)
    elif name == "pg-failover":
        pair.kill_node("primary")
        mark("primary killed")
        deployment.pause(min(timing.outage_s, 5.0))  # the time an operator or a tool takes
        pair.promote("replica")
        mark("replica promoted")
    else:
        raise ValueError(name)
    return time.monotonic()


DESCRIPTIONS = {
    "broker-node": "kill -9 of the RabbitMQ node leading municipality 19's queue, restarted "
    "after {outage:.0f} s",
    "instance-kill": "kill -9 of gateway instance 1 of 2, started again at once",
    "rolling-restart": "rolling restart of both gateway instances (SIGTERM, start, /ready, "
    "nginx's fail_timeout)",
    "pg-failover": "kill -9 of the PostgreSQL primary, the replica promoted {promote:.0f} s later",
}


def run_fault(name: str, deployment: Deployment, timing: Timing) -> Ledger:
    description = DESCRIPTIONS[name].format(
        outage=timing.outage_s, promote=min(timing.outage_s, 5.0)
    )
    ledger = Ledger(name, description)
    print(f"fault {name}: {description}", flush=True)
    redeliveries_before = deployment.redeliveries()
    stored_before = {request_id for request_id, _ in deployment.stored()}
    load = SteadyLoad(
        deployment.nginx.base,
        applicants(300),
        municipalities=MUNICIPALITIES,
        rate=timing.rate,
        async_only=True,
    )
    load.start()
    try:
        deployment.pause(timing.warm_s)
        fault_at = time.monotonic()
        restored_at = inject(name, deployment, timing, ledger)
        deployment.pause(timing.after_s)
    finally:
        load.stop()
    stopped_at = time.monotonic()
    outcomes = load.outcomes()
    promised = {o.request_id for o in outcomes if o.request_id}
    deadline = stopped_at + timing.drain_s
    ids = {request_id for request_id, _ in deployment.stored()}
    while not promised <= ids and time.monotonic() < deadline:
        deployment.pause(0.5)
        ids = {request_id for request_id, _ in deployment.stored()}
    if promised <= ids:
        done = time.monotonic()
        ledger.drain_s = round(done - stopped_at, 1)
        ledger.timeline_s["fault undone to every accepted request stored"] = round(
            done - restored_at, 1
        )
    else:
        ledger.notes.append(f"gave up waiting for delivery after {timing.drain_s:.0f} s")
    # The decisions come ``decision_delay_s`` after each hand-off: wait until they are sent
    # and a little more for the gateway to consume them, then read the dead letters.
    settle = time.monotonic() + timing.decision_delay_s + 60
    while deployment.pending_status_updates(promised) and time.monotonic() < settle:
        deployment.pause(0.5)
    deployment.pause(3.0)
    fill(ledger, deployment, outcomes, promised, fault_at)
    ledger.stored_without_a_202 = len(
        {request_id for request_id, _ in deployment.stored()} - stored_before - promised
    )
    ledger.redeliveries_same_message_id = deployment.redeliveries() - redeliveries_before
    print(render_line(ledger), flush=True)
    return ledger


def fill(
    ledger: Ledger,
    deployment: Deployment,
    outcomes: list[Outcome],
    promised: set[str],
    fault_at: float,
) -> None:
    """The ledger's counts, from the client's outcomes and what the back-offices stored."""
    messages_by_request: dict[str, set[str]] = {}
    for request_id, message_id in deployment.stored():
        messages_by_request.setdefault(request_id, set()).add(message_id)
    stored = set(messages_by_request)
    ledger.sent = len(outcomes)
    ledger.answers = dict(sorted(Counter(o.status for o in outcomes).items()))
    ledger.accepted = len(promised)
    lost = sorted(promised - stored)
    ledger.lost, ledger.lost_request_ids = len(lost), lost[:50]
    ledger.delivered_once = sum(1 for r in promised & stored if len(messages_by_request[r]) == 1)
    ledger.duplicates_other_message_id = sum(
        1 for r in promised & stored if len(messages_by_request[r]) > 1
    )
    sent_at = {o.sent_at for o in outcomes}
    first, last = (min(sent_at), max(sent_at)) if sent_at else (0.0, 0.0)
    ledger.timeline_s["load ran for"] = round(last - first, 1)
    ledger.timeline_s["fault at (after the load began)"] = round(fault_at - first, 1)
    refused = [o for o in outcomes if o.status != "202"]
    if refused:
        ledger.refusal_window_s = round(
            max(o.ended_at for o in refused) - min(o.sent_at for o in refused), 2
        )
    ours = [(reason, rid) for reason, rid in deployment.dead_letters() if rid in promised]
    reasons = Counter(reason for reason, _ in ours)
    ledger.status_dead_letters = dict(sorted(reasons.items()))
    ledger.ordering_dead_letters = sum(
        n for reason, n in reasons.items() if reason.startswith(ORDERING_REASON)
    )
    if deployment.office_restarts:
        ledger.notes.append(
            f"a back-office died {deployment.office_restarts} time(s) so far in this run and "
            "was started again by the drill (see its log)"
        )
    for instance in deployment.instances:
        if not instance.alive():
            ledger.notes.append(f"{instance.name} was not running at the end")


# ---- the ledgers ------------------------------------------------------------------------------


def render_line(ledger: Ledger) -> str:
    return (
        f"  sent {ledger.sent}; answers {ledger.answers}; accepted {ledger.accepted}; "
        f"delivered once {ledger.delivered_once}; LOST {ledger.lost}; duplicates "
        f"{ledger.duplicates_other_message_id}; ordering dead letters "
        f"{ledger.ordering_dead_letters}; refusal window {ledger.refusal_window_s} s; "
        f"drain {ledger.drain_s} s" + "".join(f"\n  note: {n}" for n in ledger.notes)
    )


def preamble(command: str, timing: Timing, workers: bool) -> list[str]:
    return [
        f"Command: `.venv/bin/{command}` (from the repository root). "
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Set-up: a 3-node RabbitMQ cluster (quorum queues on all three), a PostgreSQL primary "
        f"with a synchronous streaming replica, {INSTANCES} gateway instances"
        + (
            f" of {WORKERS} workers each"
            if workers
            else " (one process each: `serve` has no `--workers` yet)"
        )
        + " behind nginx, each instance's relay and consumers on a different broker node, the "
        f"sandbox registries, and the back-offices of municipalities "
        f"{', '.join(MUNICIPALITIES)} (decision {timing.decision_delay_s:.0f} s after "
        "`in_review`). Load: "
        f"{timing.rate:.0f} async applications/s through nginx, each with a fresh "
        f"Idempotency-Key, {timing.warm_s:.0f} s before the fault and {timing.after_s:.0f} s "
        "after it.",
    ]


def write_ledgers(ledgers: list[Ledger], out: Path, command: str, timing: Timing,
                  workers: bool) -> str:  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for ledger in ledgers:
        document = {
            "command": command,
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "timing": asdict(timing),
            "workers_per_instance": WORKERS if workers else 1,
            "instances": INSTANCES,
            **asdict(ledger),
        }
        (out / f"{ledger.fault}.json").write_text(json.dumps(document, indent=2) + "\n")
    header = [
        "fault", "sent", "answers", "accepted", "delivered once", "lost",
        "duplicates (other message id)", "ordering dead letters", "refusal window (s)",
        "drain (s)",
    ]  # fmt: skip
    rows = [
        [
            f"`{ledger.fault}`: {ledger.description}",
            str(ledger.sent),
            ", ".join(f"{k}: {v}" for k, v in ledger.answers.items()),
            str(ledger.accepted),
            str(ledger.delivered_once),
            f"**{ledger.lost}**",
            f"**{ledger.duplicates_other_message_id}**",
            f"**{ledger.ordering_dead_letters}**",
            f"{ledger.refusal_window_s:.1f}",
            "–" if ledger.drain_s is None else f"{ledger.drain_s:.1f}",
        ]
        for ledger in ledgers
    ]
    lines = [
        "# Fail-over drill: measured",
        "",
        *preamble(command, timing, workers),
        "",
        "Lost = answered 202 but never stored by its back-office (must be 0). Duplicates = one "
        "request stored under two message ids (must be 0; a redelivery under the same message "
        "id is recognised and dropped by the back-office, and counted apart). Ordering dead "
        f"letters = status updates of these requests dead-lettered as `{ORDERING_REASON}` "
        "(must be 0). Refusal window = from the first request not answered 202 to the end of "
        "the last one. Drain = from the end of the load to every accepted request stored (the "
        "load goes on for a while after the fault is undone; the timeline also gives the time "
        "from the fault undone to every request stored).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    details = []
    for ledger in ledgers:
        extra = [
            f"redeliveries under the same message id: {ledger.redeliveries_same_message_id}",
            f"stored without a 202 seen by the client: {ledger.stored_without_a_202}",
            "status dead letters by reason: "
            + (", ".join(f"{k}: {v}" for k, v in ledger.status_dead_letters.items()) or "none"),
            "timeline (s): " + ", ".join(f"{k} {v}" for k, v in ledger.timeline_s.items()),
            *ledger.notes,
        ]
        details += [f"- `{ledger.fault}`: " + "; ".join(extra)]
    lines += ["", "Details (each ledger in full: `<fault>.json` beside this file):", *details]
    text = "\n".join(lines) + "\n"
    (out / "README.md").write_text(text)
    return text


# ---- the command --------------------------------------------------------------------------------


def drill(faults: list[str], timing: Timing, work_dir: Path) -> tuple[list[Ledger], bool]:
    """Set the deployment up in ``work_dir``, run ``faults`` in turn, tear everything down;
    the ledgers, and whether the instances ran several workers."""
    with ExitStack() as stack:
        deployment = Deployment(stack, work_dir, timing)
        return [run_fault(fault, deployment, timing) for fault in faults], deployment.workers


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.drills.run failover",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("faults", nargs="*", help=f"any of {', '.join(FAULTS)}; default: all")
    parser.add_argument("--quick", action="store_true", help="shorter load and outages")
    parser.add_argument("--rate", type=float, help="applications per second")
    parser.add_argument(
        "--out", help=f"folder of the ledgers (default {RESULTS.relative_to(ROOT)}, /quick)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    options = parser.parse_args(argv)
    if unknown := set(options.faults) - set(FAULTS):
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
    options.out = options.out or str(RESULTS / "quick" if options.quick else RESULTS)
    options.faults = [fault for fault in FAULTS if fault in (options.faults or FAULTS)]
    if options.quick:
        options.timing = Timing(3.0, 8.0, 5.0, 150.0, options.rate or 15.0, 1.0)
    else:
        options.timing = Timing(5.0, 20.0, 10.0, 180.0, options.rate or 25.0, 2.0)
    return options


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    command = " ".join(["python -m bench.drills.run failover", *argv])
    (ROOT / "var").mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="failover-", dir=ROOT / "var"))
    print(f"logs in {work_dir}", flush=True)
    try:
        ledgers, workers = drill(options.faults, options.timing, work_dir)
    finally:
        if not options.keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    text = write_ledgers(ledgers, Path(options.out), command, options.timing, workers)
    print(text)
    return 1 if any(ledger.broken for ledger in ledgers) else 0
