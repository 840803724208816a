"""A complaint from the app to the institution and back, through a real gateway process.

The gateway runs as operators run it (``ekomunat-gateway serve``) with its relay and its
consumers on, against the real RabbitMQ (a virtual host of this test's own) and a SQLite
store. The test plays the citizen's app (Open311 over HTTP) and the municipality's
complaints desk (AMQP): the complaint arrives without the anonymous citizen's details,
the municipality answers, the citizen and the public see the answer, and the open-data
statistics count it.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pika
import pytest

from contracts.complaint_messages import ComplaintHandoff, ComplaintStatusUpdate
from tests.fixtures.broker_users import e2e_party
from tests.fixtures.complaints import COMPLAINTS_APP_KEY
from tests.fixtures.gateway import GatewayProcess

EMAIL = "drita.berisha@example.com"
PHONE = "+383 45 111 222"


@pytest.fixture
def amqp_url(own_amqp_url: str) -> str:
    """Prizren's queue here is this test's alone: reading it takes no other test's hand-off."""
    return own_amqp_url


@pytest.fixture
def gateway(amqp_url: str, tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess(
        {
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_RELAY_ENABLED": "true",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "true",
            "GATEWAY_COMPLAINTS_CONSUMER_ENABLED": "true",
        },
        tmp_path / "gateway.log",
    )
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _call(url: str, *, form: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def _wait(probe, what: str, timeout_s: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_a_complaint_goes_to_its_municipality_and_its_answer_comes_back(
    gateway: GatewayProcess, amqp_url: str
) -> None:
    base = f"{gateway.base}/open311/v2"
    status, body = _call(
        f"{base}/requests.json",
        form={
            "api_key": COMPLAINTS_APP_KEY,
            "service_code": "street-lighting",
            "lat": "42.2093",
            "long": "20.7414",
            "description": "Ndriçimi në Shadërvan nuk punon prej një jave.",
            "email": EMAIL,
            "phone": PHONE,
            "anonymous": "true",
            "locale": "sq",
        },
    )
    assert status == 200, body
    token = json.loads(body)[0]["token"]
    status, body = _call(f"{base}/tokens/{token}.json")
    complaint_id = json.loads(body)[0]["service_request_id"]

    # A quorum queue that is just being created answers basic.get with a connection-level
    # INTERNAL_ERROR ("noproc"): that is "not yet", so the probe opens a new connection and
    # asks again.
    connections: list[pika.BlockingConnection] = []

    def channel() -> pika.adapters.blocking_connection.BlockingChannel:
        if not connections or connections[-1].is_closed:
            connections.append(pika.BlockingConnection(pika.URLParameters(amqp_url)))
        return connections[-1].channel()

    def handed_off() -> bytes | None:
        try:
            method, properties, delivered = channel().basic_get("ekomunat.20", auto_ack=True)
        except (pika.exceptions.ChannelClosedByBroker, pika.exceptions.ConnectionClosedByBroker):
            return None  # the queue is not declared, or not running, yet
        if method is None:
            return None
        assert properties.correlation_id == complaint_id, "the vhost is this test's alone"
        return delivered

    try:
        delivered = _wait(handed_off, "the hand-off in Prizren's queue")
        handoff = ComplaintHandoff.model_validate_json(delivered)
        assert str(handoff.complaint_id) == complaint_id
        assert handoff.institution == "20.public-services"
        assert handoff.anonymous and handoff.complainant is None
        assert EMAIL.encode() not in delivered and PHONE.encode() not in delivered

        answer = ComplaintStatusUpdate(
            update_id=uuid.uuid4(),
            complaint_id=handoff.complaint_id,
            institution=handoff.institution,
            status="answered",
            public_note={
                "sq": "Llamba u ndërrua më 24 nëntor.",
                "sr": "Sijalica je zamenjena 24. novembra.",
                "en": "The lamp was replaced on 24 November.",
            },
            occurred_at=datetime.now(UTC),
        )
        # As Prizren's own broker user: the gateway believes no other sender.
        e2e_party(amqp_url).municipality("20").publish(
            "ekomunat.complaint-status",
            answer.routing_key,
            answer.model_dump_json().encode(),
            message_id=str(answer.update_id),
        )
    finally:
        for opened in connections:
            if opened.is_open:
                opened.close()

    def answered_view() -> dict[str, object] | None:
        _, raw = _call(f"{base}/requests/{complaint_id}.json?locale=en")
        (view,) = json.loads(raw)
        return view if view["status_notes"] == "The lamp was replaced on 24 November." else None

    view = _wait(answered_view, "the answer in the public view")
    assert view["agency_responsible"] == "Prizren – Directorate of Public Services"
    assert str(view["service_notice"]).startswith("Answered on")
    assert view["description"] is None

    _, raw = _call(f"{base}/requests/{complaint_id}.json?locale=sr&token={token}")
    (own,) = json.loads(raw)
    assert own["status_notes"] == "Sijalica je zamenjena 24. novembra."
    assert own["description"] == "Ndriçimi në Shadërvan nuk punon prej një jave."

    status, csv_body = _call(f"{gateway.base}/v1/complaints/stats?format=csv&lang=en")
    assert status == 200
    lines = csv_body.decode("utf-8").splitlines()
    (row,) = [line for line in lines if line.startswith("20.public-services,")]
    assert ",street-lighting,Street light not working,1,1,0,0," in row

    log_text = gateway.log_text()
    assert "complaint.accepted" in log_text
    assert EMAIL not in log_text and PHONE not in log_text
