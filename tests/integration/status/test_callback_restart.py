"""A callback survives its sender dying or stopping mid-delivery, and counts once.

The callback is an outbox row: it leaves the outbox only when the portal answered 2xx. Here
the portal holds the first POST open (it has the body, the gateway has no answer yet) while
the sender is killed (SIGKILL, in a process of its own) or stopped. The row must still be
waiting afterwards, a new sender must deliver it, and the portal, which de-duplicates on
``X-Ekomunat-Delivery`` as ``gateway.callbacks`` asks receivers to, must act on it once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from gateway.callbacks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    CallbackSender,
    verify_signature,
)
from gateway.ops.queries import deliveries_of
from gateway.settings import REPO_ROOT
from gateway.store import Store
from tests.fixtures.callback_portal import (
    PORTAL_CLIENT,
    bind_in_development_range,
    development_callback_policy,
    serving,
)
from tests.integration.relay.probes import running, wait_until
from tests.security.test_02_callback_ssrf import queue_callback

SECRET = b"test-callback-secret"

SENDER_PROCESS = """
import sys, time
from gateway.callbacks import CallbackSender
from gateway.store import Store
from tests.fixtures.callback_portal import development_callback_policy

store = Store.from_url(sys.argv[1])
sender = CallbackSender(
    store, sys.argv[2].encode(), policy=development_callback_policy(), lease_s=1.0,
    idle_poll_s=0.05,
)
sender.start()
time.sleep(600)
"""


@dataclass
class DeduplicatingPortal:
    """Holds the first POST open until ``release``; acts once per delivery id."""

    arrivals: list[dict[str, str]] = field(default_factory=list)
    acted_on: dict[str, bytes] = field(default_factory=dict)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                with portal.lock:
                    portal.arrivals.append(headers)
                    first = len(portal.arrivals) == 1
                    delivery = headers[DELIVERY_HEADER]
                    if verify_signature(SECRET, headers[SIGNATURE_HEADER], body):
                        portal.acted_on.setdefault(delivery, body)
                if first:
                    portal.first_arrived.set()
                    portal.release.wait(30)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone; it never hears this answer

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


@contextmanager
def portal_serving(portal: DeduplicatingPortal) -> Iterator[str]:
    with serving(bind_in_development_range(portal.handler())) as base:
        try:
            yield f"{base}/ekomunat/callbacks"
        finally:
            portal.release.set()  # so that shutting the server down waits for no handler


def callback_state(store: Store, request_id: str) -> dict[str, object]:
    return next(d for d in deliveries_of(store, request_id) if d["kind"] == "callback")


def published(store: Store, request_id: str) -> bool:
    return callback_state(store, request_id)["state"] == "published"


def assert_acted_on_once(portal: DeduplicatingPortal, store: Store, request_id: str) -> None:
    assert len(portal.arrivals) == 2, "the interrupted delivery was sent again"
    row = callback_state(store, request_id)
    ids = {headers[DELIVERY_HEADER] for headers in portal.arrivals}
    assert ids == {row["message_id"]}, "both attempts carry the row's one delivery id"
    assert list(portal.acted_on) == list(ids), "the portal acted on the status change once"
    assert row["state"] == "published"


def test_a_callback_whose_sender_is_killed_mid_delivery_arrives_after_a_restart(
    store: Store, database_url: str
) -> None:
    portal = DeduplicatingPortal()
    with portal_serving(portal) as url:
        request_id = queue_callback(store, PORTAL_CLIENT, url)
        dying = subprocess.Popen(
            [sys.executable, "-c", SENDER_PROCESS, database_url, SECRET.decode()],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        try:
            assert portal.first_arrived.wait(60), "the first sender never posted"
            dying.send_signal(signal.SIGKILL)
            dying.wait(10)
        finally:
            if dying.poll() is None:
                dying.kill()
        portal.release.set()
        assert callback_state(store, request_id)["state"] == "waiting", "the row is kept"

        restarted = CallbackSender(store, SECRET, policy=development_callback_policy())
        with running(restarted):
            wait_until(lambda: published(store, request_id), what="the callback delivered")

    assert_acted_on_once(portal, store, request_id)


def test_a_sender_stopped_mid_delivery_gives_the_callback_back_for_the_next_one(
    store: Store,
) -> None:
    """The lease is long: only the stop's give-back lets the next sender have the row now."""
    portal = DeduplicatingPortal()
    with portal_serving(portal) as url:
        request_id = queue_callback(store, PORTAL_CLIENT, url)
        first = CallbackSender(
            store, SECRET, policy=development_callback_policy(), lease_s=600, idle_poll_s=0.05
        )
        first.start()
        assert portal.first_arrived.wait(60), "the first sender never posted"
        first.stop()
        portal.release.set()
        assert callback_state(store, request_id)["state"] == "waiting", "the row is kept"

        second = CallbackSender(
            store, SECRET, policy=development_callback_policy(), lease_s=600, idle_poll_s=0.05
        )
        with running(second):
            wait_until(lambda: published(store, request_id), timeout_s=20, what="delivered")

    assert_acted_on_once(portal, store, request_id)
