"""Fault drills: the broker goes away, a relay dies mid-flight, two relays share a database.

Each drill checks the promise from the municipality's side: every accepted request arrives,
and the back-office never stores one twice. All faults are real: ``rabbitmqctl stop_app``,
``SIGKILL`` of a relay process, two relays racing on one PostgreSQL.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.topology import TopologyNames
from gateway.relay import Relay
from gateway.store import Store
from sandbox.backoffice import BackOffice
from tests.fixtures.broker import BrokerControl
from tests.integration.relay.probes import drain, running, wait_until
from tests.integration.store.builders import handoff_for, new_request

# A drill waits out a broker restart and a relay's lease: more than the suite's 300 s ceiling.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _accept_many(store: Store, count: int, municipality: str = "19") -> list[str]:
    """Accept ``count`` requests in one transaction; returns their hand-off message ids."""
    message_ids = []
    with store.unit_of_work() as uow:
        for _ in range(count):
            request = new_request(municipality=municipality)
            message = handoff_for(request)
            uow.requests.add(request)
            uow.outbox.add_handoff(message)
            message_ids.append(str(message.message_id))
        uow.commit()
    return message_ids


@pytest.fixture
def amqp_url(own_amqp_url: str) -> str:
    """Each drill in a vhost of its own, not the session's: a drill's backlog is its own."""
    return own_amqp_url


class SteadyTraffic:
    """Accepts one request every ``interval_s`` in a thread, like the API under light load."""

    def __init__(self, store: Store, interval_s: float = 0.01) -> None:
        self._store = store
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="steady-traffic")
        self.request_ids: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            request = new_request(municipality="19")
            with self._store.unit_of_work() as uow:
                uow.requests.add(request)
                uow.outbox.add_handoff(handoff_for(request))
                uow.commit()
            self.request_ids.append(request.id)
            self._stop.wait(self._interval_s)


RELAY_WINDOW = 10
OFFICE_PREFETCH = 10


def test_a_broker_outage_loses_no_request_and_doubles_none(
    sqlite_url: str,
    amqp_url: str,
    topology_names: TopologyNames,
    broker_control: BrokerControl,
    tmp_path: Path,
) -> None:
    """Every accepted request arrives, and re-sends of one message id stay within what the
    outage explains.

    The back-office stores a message id once, so its applications cannot show a re-send;
    its consumer counts every delivery of a message id it already holds (``redeliveries``),
    before that dedup. An outage may explain a few: messages the broker took but whose
    confirm it never sent (at most the relay's window of unconfirmed publishes) and
    messages the back-office stored but whose ack the broker never processed (at most its
    prefetch). Anything beyond that sum is a re-send the outage does not explain: a relay
    that published every row twice would show one per accepted request, hundreds here.
    """
    store = Store.from_url(sqlite_url)
    relay = Relay(
        store,
        amqp_url,
        names=topology_names,
        municipality_codes=["19"],
        max_backoff_s=1.0,
        window=RELAY_WINDOW,
    )
    office = BackOffice(
        "19",
        amqp_url,
        tmp_path / "office.db",
        prefix=topology_names.prefix,
        decision_delay_s=60,
        prefetch=OFFICE_PREFETCH,
    )
    traffic = SteadyTraffic(store)
    try:
        with running(relay, office, traffic):
            wait_until(lambda: len(office.database.request_ids()) >= 30, what="traffic flowing")
            try:
                broker_control.stop()
                wait_until(lambda: relay.health()["broker"] == "unreachable", what="relay notices")
                during_outage = len(traffic.request_ids)
                wait_until(
                    lambda: len(traffic.request_ids) >= during_outage + 50,
                    what="the API keeps accepting",
                )
                backlog = relay.health()["outbox_depth"]
            finally:
                broker_control.start()
            wait_until(lambda: relay.health()["broker"] == "connected", what="relay reconnects")
            traffic.stop()
            accepted = list(traffic.request_ids)
            wait_until(
                lambda: len(office.database.request_ids()) >= len(accepted),
                timeout_s=120,
                what="every accepted request at the back-office",
            )
        delivered = office.database.request_ids()
        resent = office.database.redelivery_count()
        assert backlog > 0
        assert sorted(delivered) == sorted(accepted)
        assert len(accepted) > 2 * (RELAY_WINDOW + OFFICE_PREFETCH), "enough to tell apart"
        assert resent <= RELAY_WINDOW + OFFICE_PREFETCH, f"{resent} re-sends of a message id"
        assert relay.health()["outbox_depth"] == 0
    finally:
        office.database.close()
        store.close()


def _relay_process(
    sqlite_url: str, amqp_url: str, names: TopologyNames, log_file: Path
) -> subprocess.Popen[bytes]:
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.relay",
                "--database-url",
                sqlite_url,
                "--amqp-url",
                amqp_url,
                "--prefix",
                names.prefix,
                "--municipalities",
                "19",
                "--lease",
                "2",
                "--window",
                "10",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_a_relay_killed_mid_flight_is_made_good_by_the_next_one(
    sqlite_url: str,
    amqp_url: str,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
    tmp_path: Path,
) -> None:
    store = Store.from_url(sqlite_url)
    first_batch = _accept_many(store, 3000)
    log_file = tmp_path / "relay.log"

    relay = _relay_process(sqlite_url, amqp_url, topology_names, log_file)
    try:
        wait_until(
            lambda: store.outbox_stats().depth < len(first_batch), what="the relay publishing"
        )
    finally:
        relay.send_signal(signal.SIGKILL)
        relay.wait()
    unsent_at_kill = store.outbox_stats().depth
    # Committed while no relay runs: accepted, not yet published.
    second_batch = _accept_many(store, 100)

    restarted = _relay_process(sqlite_url, amqp_url, topology_names, log_file)
    try:
        wait_until(lambda: store.outbox_stats().depth == 0, what="the backlog published")
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(30)

    everything = first_batch + second_batch
    received = drain(amqp_channel, topology_names.municipality_queue("19"), expect=len(everything))
    received_ids = {json.loads(item.body)["message_id"] for item in received}
    store.close()
    assert unsent_at_kill > 0, "the kill must land while rows were still unpublished"
    assert received_ids == set(everything)
    assert restarted.returncode == 0


def test_two_relays_on_one_postgresql_never_publish_a_row_twice(
    postgres_store: Store,
    amqp_url: str,
    topology_names: TopologyNames,
    amqp_channel: BlockingChannel,
) -> None:
    relays = [
        Relay(
            postgres_store,
            amqp_url,
            names=topology_names,
            municipality_codes=["20"],
            window=100,
            batch_size=25,
        )
        for _ in range(2)
    ]

    with running(*relays):
        wait_until(
            lambda: all(relay.health()["broker"] == "connected" for relay in relays),
            what="both relays connected before the rows arrive",
        )
        message_ids = _accept_many(postgres_store, 3000, municipality="20")
        wait_until(lambda: postgres_store.outbox_stats().depth == 0, what="the outbox drained")
    received = drain(amqp_channel, topology_names.municipality_queue("20"), expect=3000)

    received_ids = [json.loads(item.body)["message_id"] for item in received]
    assert len(received_ids) == len(set(received_ids)) == 3000
    assert set(received_ids) == set(message_ids)
    assert all(relay.published_count > 0 for relay in relays), "both relays must have worked"
    assert sum(relay.published_count for relay in relays) == 3000
