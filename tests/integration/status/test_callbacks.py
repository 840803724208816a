"""Status callbacks: queued with the status change, signed, retried until the portal takes them.

The portal is played by a real HTTP server on loopback, inside the development callback
origin routing.yaml declares for the portal client, that refuses the first delivery.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, Note, StatusUpdate
from gateway.callbacks import CallbackSender, verify_signature
from gateway.status import StatusConsumer
from gateway.store import NewRequest, Store
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.callback_portal import (
    PORTAL_CLIENT,
    bind_in_development_range,
    development_callback_policy,
    serving,
)
from tests.integration.relay.probes import running, wait_until

SECRET = b"test-callback-secret"


@dataclass
class PortalInbox:
    """What the fake portal received; it answers 503 to the first ``refuse`` deliveries."""

    refuse: int = 1
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def portal(inbox: PortalInbox) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with inbox.lock:
                inbox.deliveries.append((dict(self.headers.items()), body))
                refused = len(inbox.deliveries) <= inbox.refuse
            self.send_response(503 if refused else 204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    with serving(bind_in_development_range(Handler)) as base:
        yield f"{base}/ekomunat/callbacks"


def test_a_status_change_reaches_the_portal_signed_after_a_refusal(
    store: Store, amqp_url: str, topology_names: TopologyNames, broker_users: BrokerUsers
) -> None:
    inbox = PortalInbox(refuse=1)
    consumer = StatusConsumer(store, amqp_url, names=topology_names, municipality_codes=["19"])
    sender = CallbackSender(
        store, SECRET, policy=development_callback_policy(), base_delay_s=0.1, idle_poll_s=0.05
    )

    with portal(inbox) as callback_url, running(consumer, sender):
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer connected")
        request_id = str(uuid.uuid4())
        with store.unit_of_work() as uow:
            uow.requests.add(
                NewRequest(
                    id=request_id,
                    client_id=PORTAL_CLIENT,
                    service="civil.birth-certificate",
                    municipality="19",
                    language="sq",
                    payload={},
                    callback_url=callback_url,
                )
            )
            uow.commit()
        update = StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            municipality="19",
            status="in_review",
            note=Note(language="sq", text="Kërkesa është në shqyrtim."),
            decided_by=DecidedBy(official_id="19-0042"),
            occurred_at=datetime.now(UTC),
        )
        broker_users.municipality("19").publish(
            topology_names.status_exchange,
            update.routing_key,
            update.model_dump_json().encode(),
            message_id=str(update.update_id),
        )
        wait_until(lambda: len(inbox.deliveries) >= 2, what="a retried callback")
        wait_until(lambda: store.outbox_stats().depth == 0, what="the callback marked sent")

    headers, body = inbox.deliveries[-1]
    payload = json.loads(body)
    assert payload["request_id"] == request_id
    assert payload["status"] == "in_review"
    assert payload["previous_status"] == "accepted"
    assert payload["note"] == {"language": "sq", "text": "Kërkesa është në shqyrtim."}
    assert verify_signature(SECRET, headers["X-Ekomunat-Signature"], body)
    assert not verify_signature(b"another-secret", headers["X-Ekomunat-Signature"], body)
    assert headers["X-Ekomunat-Delivery"] == inbox.deliveries[0][0]["X-Ekomunat-Delivery"]
    assert "1234567892" not in body.decode(), "the callback carries no applicant data"
