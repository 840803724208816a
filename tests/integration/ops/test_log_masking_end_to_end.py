"""One end-to-end run, every hop logged, no personal number in any log line.

The gateway runs as a real process (``ekomunat-gateway serve``) against the sandbox
registries; the relay, the status consumer, the callback sender and a municipal back-office
run beside it on the same store and a private RabbitMQ topology, logging through the same
production chain into their own file. Afterwards both logs are searched for every personal
number the run used: there must be none, and every hop of the routing log must be there.

The search can fail: each log is sure to be handed a personal number. The portal asks for a
status at a URL that is a personal number instead of a request id (the access line logs the
path), and the workers' chain logs one line carrying the citizen's number as a field. With
``mask_personal_numbers`` out of the chain, both numbers reach the files in clear and this
test fails (checked by hand; ``tests/unit/gateway/test_configured_log_masking.py`` runs the
same pairing on every event shape).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import structlog

from adapters.amqp.topology import TopologyNames
from gateway.callbacks import CallbackSender
from gateway.logging import configure_logging
from gateway.ops.live_log import LiveLog, attach
from gateway.relay import Relay
from gateway.routing import journey
from gateway.settings import Settings
from gateway.status import StatusConsumer
from gateway.store import Store
from sandbox.backoffice import BackOffice
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.callback_portal import (
    bind_in_development_range,
    development_callback_policy,
    serving,
)
from tests.fixtures.gateway import GatewayProcess, http_json, portal_headers, registry_environment
from tests.integration.ops.requests import body
from tests.integration.relay.probes import running, wait_until

FINAL = {"approved", "rejected", "closed"}


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """This process's log into ``path``, through the chain a running server has: masking,
    then the live-log tee (which tags the callback sender's lines as hops)."""
    original = sys.stderr
    with path.open("w", encoding="utf-8") as handle:
        sys.stderr = handle
        try:
            configure_logging(Settings(log_format="json"))
            detach = attach(LiveLog())
            yield
        finally:
            sys.stderr = original
            detach()
            configure_logging(Settings(log_format="json"))


@contextmanager
def callback_receiver() -> Iterator[tuple[str, list[bytes]]]:
    """The portal's side of status callbacks: a real HTTP server on loopback, in the portal
    client's development callback origin."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    with serving(bind_in_development_range(Receiver)) as base:
        yield f"{base}/callbacks", received


def _lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_an_end_to_end_run_logs_every_hop_and_no_personal_number(
    sandbox,  # type: ignore[no-untyped-def]
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
    tmp_path: Path,
) -> None:
    seed = sandbox.seed
    database = tmp_path / "gateway.db"
    gateway = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        },
        tmp_path / "gateway.log",
    )
    gateway.wait_ready()
    store = Store.from_url(f"sqlite:///{database}")
    worker_log = tmp_path / "workers.log"
    citizen, deceased, complainant = (
        seed.alive_parcel_owner(20),
        seed.deceased_person(6),
        seed.alive_parcel_owner(21),
    )
    stranger = seed.unknown_personal_number(3)
    url = f"{gateway.base}/v1/requests"
    try:
        with logging_to(worker_log), callback_receiver() as (callback_url, callbacks):
            workers = (
                Relay(store, amqp_url, names=topology_names, municipality_codes=["19"]),
                StatusConsumer(store, amqp_url, names=topology_names, municipality_codes=["19"]),
                CallbackSender(
                    store,
                    b"secret",
                    policy=development_callback_policy(),
                    base_delay_s=0.1,
                    idle_poll_s=0.05,
                ),
                BackOffice(
                    "19",
                    broker_users.municipality("19").url,
                    tmp_path / "office.db",
                    prefix=topology_names.prefix,
                    decision_delay_s=0.2,
                ),
            )
            with running(*workers):
                answered = http_json(
                    "POST",
                    url,
                    body(citizen, "birth-certificate", {"purpose": "employment"}),
                    portal_headers(),
                )
                refused = http_json(
                    "POST",
                    url,
                    body(deceased, "birth-certificate", {"purpose": "other"}),
                    portal_headers(),
                )
                unknown = http_json(
                    "POST",
                    url,
                    {
                        **body(citizen, "birth-certificate", {"purpose": "other"}),
                        "applicant": {
                            "personal_number": stranger,
                            "first_name": "Arta",
                            "last_name": "Krasniqi",
                        },
                    },
                    portal_headers(),
                )
                complaint = http_json(
                    "POST",
                    url,
                    {
                        **body(
                            complainant,
                            "municipal-service-complaint",
                            {"description": "No one answered the phone for a week."},
                            "19",
                        ),
                        "callback_url": callback_url,
                    },
                    portal_headers(),
                )
                assert [answered[0], refused[0], unknown[0], complaint[0]] == [200, 422, 422, 202]
                # A portal bug puts a personal number where the request id belongs.
                misread = http_json(
                    "GET", f"{gateway.base}/v1/requests/{stranger}", None, portal_headers()
                )
                assert misread[0] == 400 and stranger not in json.dumps(misread[2])
                structlog.get_logger().info("test.applicant_seen", applicant=stranger)
                complaint_id = complaint[2]["request_id"]

                def decided() -> bool:
                    status = http_json(
                        "GET", f"{gateway.base}/v1/requests/{complaint_id}", None, portal_headers()
                    )[2]["status"]
                    return status in FINAL and len(callbacks) >= 2

                wait_until(decided, what="the complaint decided and called back")
    finally:
        gateway.stop()
        store.close()

    gateway_text = (tmp_path / "gateway.log").read_text(encoding="utf-8")
    worker_text = worker_log.read_text(encoding="utf-8")
    for number in (
        citizen.personal_number,
        deceased.personal_number,
        complainant.personal_number,
        stranger,
    ):
        assert number not in gateway_text, "the gateway's log holds a personal number"
        assert number not in worker_text, "the workers' log holds a personal number"

    events = _lines(gateway_text) + _lines(worker_text)
    hops_of = {}
    for event in events:
        if "hop" in event and event.get("request_id"):
            steps = hops_of.setdefault(event["request_id"], [])
            steps.extend(hop["hop"] for hop in journey.hops_of(event))
    assert hops_of[answered[2]["request_id"]] == [
        "received",
        "validated",
        "registry_call",
        "registry_call",
        "rule",
        "answered",
    ]
    request_lines = [event for event in events if event.get("event") == journey.REQUEST_EVENT]
    assert len({event["request_id"] for event in request_lines}) == len(request_lines), (
        "one routing-log line per request"
    )
    assert not [event for event in events if event.get("event") == "route.registry_call"], (
        "the per-hop lines are DEBUG, not written at the serving level"
    )
    complaint_hops = hops_of[complaint_id]
    assert complaint_hops[:3] == ["received", "validated", "accepted"]
    assert {"published", "status", "callback"} <= set(complaint_hops)
    refusals = [e["outcome"] for e in events if e.get("hop") == "refused"]
    assert sorted(refusals) == ["applicant.not_found", "rule.failed"]
    for event in events:
        if event.get("hop") in ("received", "validated", "accepted", "answered", "refused"):
            assert {"request_id", "client", "service", "municipality", "outcome"} <= set(event)

    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "logs",
            str(tmp_path / "gateway.log"),
            "--request-id",
            complaint_id,
            "--color",
            "never",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    assert [line.split()[1] for line in shown] == ["received", "validated", "accepted"]
