"""Status updates per second with one consumer, two competing, and two under single-active-consumer.

Issue 19: two instances competing for ``gateway.status`` dead-lettered a request's
"approved" when the other had not yet recorded its "in review". The fix declares the
gateway's queues with ``x-single-active-consumer``. This measures what that costs and what
the failover takes, on the real broker and PostgreSQL of this machine:

* the queue is filled first (``--requests`` requests, each "in review" then "approved",
  sent by Prishtinë's own broker user in order), then the consumers start; the clock runs
  from their start until every request is approved or dead-lettered;
* ``one``: one ``StatusConsumer`` on a queue as declared before issue 19;
* ``two competing``: two on that queue, each its own connection, as two instances ran them;
* ``one, single active`` and ``two, single active``: one and two on the queue as declared
  now (the argument's own cost, and what a second instance adds: nothing but a standby);
* failover: with two under single-active-consumer, the broker closes the active one's
  connection; the time from then until the next update sent is recorded.

    .venv/bin/python -m bench.status_ordering [--requests 1000]

Writes ``bench/results/status-ordering.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import quote

import pika
import psycopg
import structlog
from psycopg import sql

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import (
    SINGLE_ACTIVE_CONSUMER,
    Declaration,
    QueueDeclaration,
    Topology,
    TopologyNames,
    apply_commands,
    declare,
    municipal_party_commands,
)
from bench.stack import (
    BROKER,
    POSTGRES_ADMIN_URL,
    ROOT,
    PostgresSchema,
    PrivateVhost,
    rabbitmqctl,
)
from contracts.messages import DecidedBy, RequestStatus, StatusUpdate
from gateway.status import StatusConsumer
from gateway.store import NewRequest, Store

RESULTS = ROOT / "bench" / "results" / "status-ordering.md"
CODES = ["19"]
SCENARIOS = (
    ("one", 1, False),
    ("one, single active", 1, True),
    ("two competing", 2, False),
    ("two, single active", 2, True),
)
"""(name, consumers, single-active-consumer on the queue); the first is the baseline."""
ORDERING = "status.illegal_transition: handed_off -> approved"
PASSWORD = uuid.uuid4().hex

CHOICE = """
Reading the table: the single-active rows are the one-consumer row within this machine's
noise (the argument itself costs nothing measurable; the second instance adds a standby, not
speed), while two competing consumers are faster and dead-letter a third of the approvals.
The machine is shared (2 cores, other test runs): absolute rates move with its load, so read
the ratios of one run, and the ranges.
## The choice: single active consumer, and what each scheme costs

Chosen: **single-active-consumer on the quorum queues** (`x-single-active-consumer: true` on
`gateway.status`, `gateway.complaint-status`, `gateway.act-review`). Every instance
subscribes; one is delivered to. The figures above are what it costs and buys.

- **Single active consumer (chosen).** Cost: one consumer per queue does all the work, so a
  queue is consumed at one instance's speed however many run: the "two, single active" row
  is the "one" row, not the "two competing" one. Its ceiling is the store's write rate for
  one thread (one transaction per update). Assume, generously, 5,000 updates a day from each
  of the 38 municipalities: 190,000 a day, 2.2 per second on average, perhaps 20 per second
  at a peak ten times that; one consumer here takes well over that. The other instances are hot
  standbys; failover is the broker noticing the channel close (well under a second above), or, for a
  host that vanishes without closing TCP, the AMQP heartbeat (about 60 s by default). Price
  of adoption: a queue argument cannot be added to an existing queue, so a deployment needs
  `ekomunat-gateway topology migrate` once (`docs/operations.md`). Nothing changes in the
  message contracts or for the municipalities.
- **Partitioning by request id** (a consistent-hash exchange, `x-consistent-hash`, feeding N
  partition queues, each single-active). Buys up to N times the throughput with order per
  request kept. Costs: a plugin on every node (`rabbitmq_consistent_hash_exchange`); N
  queues per kind of update instead of one (3N quorum queues, each with its Raft group and
  file handles); the hash must be on the request id, so the routing key (today
  `<municipality>.<status>`, checked against the sender) would have to carry it or the
  exchange hash a header, a change for every back-office; N is fixed when declared, and
  changing it moves keys between partitions, so a request's updates can be split across an
  old and a new partition during a rebalance unless the queues are drained first; operators
  watch N queues and N active consumers. Worth it only when one consumer cannot keep up,
  which the figures above say is far off.
- **Per-request sequence numbers with a reorder window.** Competing consumers keep their
  parallelism (the "two competing" rate). Costs: a contract change (`StatusUpdate` v2 with
  a per-request `sequence`, and every municipality's back-office must number its updates
  gap-free per request, the complaint and act contracts likewise); the gateway must park an
  update that arrives early (a reorder buffer in the store, shared by all instances, since
  its predecessor may reach another instance) and release it when the gap is filled; a
  window (time or count) after which a missing predecessor is given up on and the parked
  update dead-lettered, so a lost message still costs a dead letter, only later; and the
  release path is new code that must itself be race-free across instances (row locks on the
  request). The most work, on both sides of the broker, for throughput nobody needs yet.
"""


def before_issue_19(topology: Topology) -> Topology:
    """``topology`` as it was declared before issue 19: no single-active-consumer."""

    def old(item: Declaration) -> Declaration:
        if isinstance(item, QueueDeclaration):
            kept = {k: v for k, v in item.arguments.items() if k != SINGLE_ACTIVE_CONSUMER}
            return QueueDeclaration(item.name, kept)
        return item

    parts = tuple(
        replace(part, declarations=tuple(map(old, part.declarations))) for part in topology.parts
    )
    return replace(topology, parts=parts)


def handed_off_requests(store: Store, count: int) -> list[str]:
    """``count`` requests of Prishtinë the relay has handed off, waiting for its updates."""
    ids = []
    with store.unit_of_work() as uow:
        for _ in range(count):
            request = NewRequest(
                id=str(uuid.uuid4()),
                client_id="portal",
                service="civil.birth-certificate",
                municipality="19",
                language="sq",
                payload={"applicant": {"personal_number": "1234567892"}, "form": {"copies": 1}},
            )
            uow.requests.add(request)
            uow.requests.set_status(request.id, RequestStatus.HANDED_OFF, source="relay")
            ids.append(request.id)
        uow.commit()
    return ids


def status_update(request_id: str, status: str) -> StatusUpdate:
    return StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality="19",
        status=status,  # type: ignore[arg-type]
        decided_by=DecidedBy(official_id="19-0042"),
        occurred_at=datetime.now(UTC),
    )


def publish_in_order(
    url: str, sender: str, names: TopologyNames, request_ids: Sequence[str]
) -> None:
    """Per request "in review" then "approved", as ``sender`` (Prishtinë's broker user, its
    ``user_id`` set) on one connection, confirmed: the queue holds them in that order."""
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for request_id in request_ids:
            for status in ("in_review", "approved"):
                update = status_update(request_id, status)
                channel.basic_publish(
                    names.status_exchange,
                    update.routing_key,
                    update.model_dump_json().encode(),
                    pika.BasicProperties(
                        content_type="application/json",
                        delivery_mode=pika.DeliveryMode.Persistent,
                        message_id=str(update.update_id),
                        user_id=sender,
                    ),
                )


@dataclass(frozen=True)
class Run:
    scenario: str
    consumers: int
    single_active: bool
    updates: int
    seconds: float
    ordering_dead_letters: int

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


@dataclass
class Bench:
    vhost: PrivateVhost
    schema: PostgresSchema
    store: Store
    users: list[str] = field(default_factory=list)

    def names(self) -> TopologyNames:
        """A private topology per scenario, and Prishtinë's broker user in it (the consumer
        trusts only that user's checked ``user_id``)."""
        names = TopologyNames(prefix=f"b{uuid.uuid4().hex[:8]}.")
        apply_commands(municipal_party_commands("19", PASSWORD, names=names, vhost=self.vhost.name))
        self.users.append(names.municipality_user("19"))
        return names

    def topology(self, names: TopologyNames, *, single_active: bool) -> Topology:
        topology = Topology.build(CODES, names=names)
        return topology if single_active else before_issue_19(topology)

    def requests(self, count: int) -> list[str]:
        return handed_off_requests(self.store, count)

    def publish(self, names: TopologyNames, request_ids: Sequence[str]) -> None:
        sender = names.municipality_user("19")
        url = f"amqp://{sender}:{PASSWORD}@{BROKER}/{quote(self.vhost.name, safe='')}"
        publish_in_order(url, sender, names, request_ids)

    def approved(self, request_ids: Sequence[str]) -> int:
        """One query, not one per request: the poll must not steal the consumers' CPU."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            row = connection.execute(
                sql.SQL(
                    "SELECT count(*) FROM {}.requests WHERE status = %s AND id = ANY(%s)"
                ).format(sql.Identifier(self.schema.name)),
                (RequestStatus.APPROVED.value, list(request_ids)),
            ).fetchone()
        return int(row[0]) if row else 0

    def consumers(self, names: TopologyNames, count: int) -> list[StatusConsumer]:
        # The bench declares the queue (old or new arguments); the consumers must not.
        return [
            StatusConsumer(self.store, self.vhost.url, names=names, retry_delay_s=0.2)
            for _ in range(count)
        ]

    def settle(self, names: TopologyNames, request_ids: Sequence[str], dead: list[str]) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.vhost.url)) as connection:
            channel = connection.channel()
            deadline = time.monotonic() + 600
            while self.approved(request_ids) + len(dead) < len(request_ids):
                while True:
                    method, properties, _ = channel.basic_get(
                        names.dead_letter_queue, auto_ack=True
                    )
                    if method is None:
                        break
                    dead.append(str((properties.headers or {}).get(REASON_HEADER)))
                if time.monotonic() > deadline:
                    raise RuntimeError("updates not handled within 600 s")
                time.sleep(0.2)

    def run(self, scenario: str, consumers: int, *, single_active: bool, count: int) -> Run:
        names = self.names()
        with pika.BlockingConnection(pika.URLParameters(self.vhost.url)) as connection:
            declare(connection.channel(), self.topology(names, single_active=single_active))
        request_ids = self.requests(count)
        self.publish(names, request_ids)
        running = self.consumers(names, consumers)
        dead: list[str] = []
        started = time.perf_counter()
        for consumer in running:
            consumer.start()
        try:
            self.settle(names, request_ids, dead)
            seconds = time.perf_counter() - started
        finally:
            for consumer in running:
                consumer.stop()
        return Run(
            scenario,
            consumers,
            single_active,
            2 * count,
            seconds,
            sum(1 for reason in dead if reason == ORDERING),
        )

    def failover(self, rounds: int) -> list[float]:
        """Seconds from the broker closing the active consumer's connection to the next
        update sent being recorded by the other."""
        names = self.names()
        with pika.BlockingConnection(pika.URLParameters(self.vhost.url)) as connection:
            declare(connection.channel(), self.topology(names, single_active=True))
        running = self.consumers(names, 2)
        for consumer in running:
            consumer.start()
        takeovers = []
        try:
            for _ in range(rounds):
                while not all(consumer.connected for consumer in running) or not _active(
                    self.vhost.name, names.status_queue
                ):
                    time.sleep(0.05)
                request_ids = self.requests(1)
                connection = _connection_of(
                    self.vhost.name, _active(self.vhost.name, names.status_queue)
                )
                # rabbitmqctl's own start-up takes a second or more: the clock starts once it
                # has closed the connection, and so measures the broker's handover and ours.
                rabbitmqctl("close_connection", connection, "bench: failover")
                started = time.perf_counter()
                self.publish(names, request_ids)
                while self.approved(request_ids) < 1:
                    time.sleep(0.005)
                takeovers.append(time.perf_counter() - started)
        finally:
            for consumer in running:
                consumer.stop()
        return takeovers


def _active(vhost: str, queue: str) -> str | None:
    listing = rabbitmqctl(
        "list_consumers", "-p", vhost, "--quiet", "--no-table-headers",
        "queue_name", "channel_pid", "active",
    )  # fmt: skip
    for line in listing.splitlines():
        name, channel, active = line.split("\t")
        if name == queue and active == "true":
            return channel
    return None


def _connection_of(vhost: str, channel_pid: str | None) -> str:
    listing = rabbitmqctl(
        "list_channels", "-p", vhost, "--quiet", "--no-table-headers", "pid", "connection"
    )
    for line in listing.splitlines():
        pid, connection = line.split("\t")
        if pid == channel_pid:
            return connection
    raise RuntimeError(f"no channel {channel_pid}")


def _report(runs: list[Run], takeovers: list[float], count: int, rounds: int) -> str:
    def rates(scenario: str) -> list[float]:
        return sorted(run.rate for run in runs if run.scenario == scenario)

    one = statistics.median(rates(SCENARIOS[0][0]))
    lines = [
        "# Status updates with N consumers: order and throughput (issue 19)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on this machine (2 cores, shared; load"
        f" average {os.getloadavg()[0]:.1f} at the end),",
        "real RabbitMQ 3.10 (quorum queues) and PostgreSQL. Command:",
        "",
        f"    .venv/bin/python -m bench.status_ordering --requests {count} --rounds {rounds}",
        "",
        f'{count} requests, each sent "in review" then "approved" by Prishtinë\'s own broker',
        f"user ({2 * count} updates), queued before the consumers start; the clock runs from their"
        " start",
        "until every request is approved or dead-lettered. Each consumer is a `StatusConsumer`",
        "on its own connection (prefetch 50), as one gateway instance runs it.",
        "",
        f"| scenario | consumers | single active | updates/s, median of {rounds} (range) | vs one"
        " | dead-lettered for ordering, each round |",
        "|---|---|---|---|---|---|",
    ]
    for scenario, consumers, single_active in SCENARIOS:
        measured = rates(scenario)
        dead = [run.ordering_dead_letters for run in runs if run.scenario == scenario]
        lines.append(
            f"| {scenario} | {consumers} | {'yes' if single_active else 'no'} | "
            f"{statistics.median(measured):.0f} ({measured[0]:.0f}–{measured[-1]:.0f}) | "
            f"{statistics.median(measured) / one:.2f} | "
            f"{', '.join(str(n) for n in dead)} of {count} |"
        )
    if takeovers:
        lines += [
            "",
            f"Failover ({len(takeovers)} rounds): the broker closes the active consumer's"
            " connection, an",
            "update is sent once rabbitmqctl returns; the waiting consumer records it after"
            f" {1000 * min(takeovers):.0f}–{1000 * max(takeovers):.0f} ms"
            f" (median {1000 * sorted(takeovers)[len(takeovers) // 2]:.0f} ms).",
        ]
    return "\n".join(lines) + "\n" + CHOICE


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--failovers", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    args = parser.parse_args(argv)
    # A line per update on the terminal would be the bench's main cost, not the consumers'.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    vhost = PrivateVhost().create()
    schema = PostgresSchema().create()
    store = Store.from_url(schema.url)
    bench = Bench(vhost, schema, store)
    try:
        bench.run("warm-up", 1, single_active=False, count=50)
        # Rounds interleave the scenarios, so a neighbour's load on the shared cores falls
        # on all of them alike; the report gives each one's median.
        runs = [
            bench.run(scenario, consumers, single_active=single_active, count=args.requests)
            for _ in range(args.rounds)
            for scenario, consumers, single_active in SCENARIOS
        ]
        takeovers = bench.failover(args.failovers)
    finally:
        store.close()
        for user in bench.users:
            rabbitmqctl("delete_user", user)
        schema.drop()
        vhost.delete()
    report = _report(runs, takeovers, args.requests, args.rounds)
    sys.stdout.write(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
