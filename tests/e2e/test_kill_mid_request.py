"""SIGKILL in the middle of the traffic loses no 202 and half-writes nothing (issue 21, item 4).

The gateway runs as operators run it, its relay on, on SQLite and on PostgreSQL. Portal
clients keep posting complaints for Prishtinë; once enough of them have been answered 202
and the relay has handed some over, with more requests still waiting for their answer, the
gateway gets SIGKILL. It is started again on the same store. A consumer in the test drains
the municipality's queue in a virtual host of the test's own and counts every delivery
before any deduplication.

What must hold afterwards: every 202 reaches the queue, always under one message id (what
the back-offices deduplicate on), so each is taken exactly once; a request whose answer
never came is either absent or stored whole and delivered; and no request is stored
without its first history line, its hand-off and its idempotency answer, or any of those
without its request. The only re-send allowed is the one ``gateway/relay.py`` documents:
a row the broker had confirmed but the dead relay had not yet marked goes again when its
lease runs out. A row already marked sent before the kill never goes twice.

``database_url`` runs the test once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPException

from tests.fixtures.crash import LEASE_S, CrashableGateway, StoreRows, wait_for
from tests.fixtures.gateway import citizen_request, http_json, portal_headers

MUNICIPALITY = "19"
CLIENTS = 4
ACCEPTED_BEFORE_KILL = 24


@dataclass
class Traffic:
    """Portal clients posting until told to stop; what each key got back."""

    people: list
    base: str
    answers: dict[str, int | None] = field(default_factory=dict)
    """Idempotency-Key -> HTTP status, or None when the connection died unanswered."""
    accepted: dict[str, str] = field(default_factory=dict)
    """Idempotency-Key -> request id of each 202."""
    in_flight: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, client: int) -> None:
        sent = 0
        while not self.stop.is_set():
            key = f"kill-{client}-{sent}-{uuid.uuid4().hex[:8]}"
            person = self.people[(client + sent * CLIENTS) % len(self.people)]
            sent += 1
            body = citizen_request(
                person, "municipal-service-complaint", {"description": f"Ankesa {key}."}
            )
            with self.lock:
                self.in_flight += 1
                self.answers[key] = None
            try:
                status, _headers, answer = http_json(
                    "POST", f"{self.base}/v1/requests", body, portal_headers("sq", key)
                )
            except (OSError, HTTPException) as died:
                with self.lock:
                    if isinstance(getattr(died, "reason", died), ConnectionRefusedError):
                        del self.answers[key]  # never reached a gateway: not in flight
                return  # otherwise the gateway died under this request: it stays unanswered
            finally:
                with self.lock:
                    self.in_flight -= 1
            with self.lock:
                self.answers[key] = status
                if status == 202:
                    self.accepted[key] = str(answer["request_id"])

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.accepted), self.in_flight


def test_sigkill_under_traffic_loses_no_202_and_half_writes_nothing(
    sandbox,
    database_url,
    store_rows,
    crash_amqp_url,
    delivery_counter_factory,
    tmp_path,
    record_property,
):
    gateway = CrashableGateway(sandbox, database_url, tmp_path, amqp_url=crash_amqp_url)
    counter = delivery_counter_factory(crash_amqp_url, f"ekomunat.{MUNICIPALITY}")
    people = [sandbox.seed.person_in(MUNICIPALITY, index) for index in range(40)]
    traffic = Traffic(people, gateway.base)
    clients = [threading.Thread(target=traffic.run, args=(n,)) for n in range(CLIENTS)]
    try:
        for client in clients:
            client.start()

        def ripe() -> bool:
            accepted, in_flight = traffic.counts()
            return accepted >= ACCEPTED_BEFORE_KILL and in_flight > 0 and bool(counter.deliveries())

        wait_for(ripe, f"{ACCEPTED_BEFORE_KILL} answers 202 and the relay at work")
        gateway.kill()
        traffic.stop.set()
        for client in clients:
            client.join(60)
        delivered_before_restart = len(counter.deliveries())
        sent_before_kill = store_rows.published_request_ids()

        gateway.restart()
        stored = set(store_rows.request_ids())
        wait_for(
            lambda: stored <= set(counter.times_delivered()),
            "every stored request delivered after the restart",
            timeout_s=LEASE_S + 90,
        )
        # Once every row is marked sent the relay has nothing left to send; the marker then
        # makes sure its last confirmed messages have reached the counter too.
        wait_for(lambda: store_rows.published_request_ids() >= stored, "every hand-off marked sent")
        counter.drain()
    finally:
        traffic.stop.set()
        gateway.stop()

    times = counter.times_delivered()
    unanswered = [key for key, status in traffic.answers.items() if status is None]
    keys = store_rows.keys()
    present = [key for key in unanswered if key in keys]
    figures = {
        "accepted_before_kill": len(traffic.accepted),
        "unanswered": len(unanswered),
        "unanswered_present": len(present),
        "unanswered_absent": len(unanswered) - len(present),
        "delivered_before_restart": delivered_before_restart,
        "deliveries": sum(times.values()),
        "sent_twice": sum(1 for count in times.values() if count > 1),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"\n{database_url.split(':')[0]} {figures}")

    assert unanswered, "the kill found no request in flight"
    assert set(traffic.answers.values()) <= {202, None}
    for key, request_id in traffic.accepted.items():
        assert keys[key].request_id == request_id
        assert times[request_id] >= 1, f"a 202 was never delivered: {request_id}"
    for key in present:
        assert times[keys[key].request_id] >= 1, "an unanswered request stored but not sent"
    assert all(len(ids) == 1 for ids in counter.message_ids().values())
    resent = {rid for rid, count in times.items() if count > 1}
    assert not resent & sent_before_kill, "a hand-off marked sent before the kill went again"
    assert set(times) == stored
    _assert_whole(store_rows, stored, keys)


def _assert_whole(rows: StoreRows, stored: set[str], keys: dict) -> None:
    """Each request has exactly one history start, one hand-off and one idempotency answer."""
    assert Counter(rows.first_history_request_ids()) == Counter(stored)
    assert Counter(rows.handoff_request_ids()) == Counter(stored)
    assert Counter(key.request_id for key in keys.values()) == Counter(stored)
