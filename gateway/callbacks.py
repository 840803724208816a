"""Status callbacks to the portal: signed with HMAC-SHA256, sent from the outbox with retries.

When a municipality moves a request on and the request's client registered a callback URL,
the status consumer writes a ``callback`` outbox row in the same transaction as the status
change. The ``CallbackSender`` thread POSTs those rows and marks them published on a 2xx
answer; any other answer (a redirect too: it is never followed) or a network error is
retried with exponential backoff, and after ``max_attempts`` the row is set aside as failed
(it stays in the outbox for operators).

A callback URL is the client's choice, so before each delivery the sender checks it again
against the client's declared origins (``gateway.callback_origins``), and the connection is
made by ``adapters.guarded_http``, which refuses loopback, private and other non-global
addresses after resolving the name, unless the origin is a development one. A refused row
is failed at once: trying it again cannot make it allowed.

The signature header lets the receiver check origin and freshness::

    X-Ekomunat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

``verify_signature`` is the receiver's side of it (tests use it; the portal may copy it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog

from adapters.guarded_http import DeliveryError, DestinationRefused, post
from gateway.callback_origins import CallbackPolicy, CallbackRefused
from gateway.store import OutboxKind, OutboxMessage, StatusChange, Store
from gateway.store.clock import utc_now
from gateway.store.unit_of_work import UnitOfWork

log = structlog.get_logger()

SIGNATURE_HEADER = "X-Ekomunat-Signature"
EVENT_STATUS_CHANGED = "request.status_changed"
CALLBACK_NAMESPACE = uuid.UUID("5d3f0f9e-8a4b-4c1e-9a57-0c6e4b1b7a10")


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: bytes, header: str, body: bytes, *, now: float | None = None, tolerance_s: int = 300
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance_s`` old."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        expected = sign(secret, body, timestamp)
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(expected, header)


def callback_body(change: StatusChange) -> str:
    """What the portal receives: the change, never the applicant's data."""
    return json.dumps(
        {
            "event": EVENT_STATUS_CHANGED,
            "request_id": change.request_id,
            "status": change.status.value,
            "previous_status": change.previous_status.value if change.previous_status else None,
            "note": change.note,
            "documents": list(change.documents),
            "occurred_at": change.occurred_at.isoformat(),
            "update_id": change.update_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def queue_status_callback(
    uow: UnitOfWork, *, client_id: str, callback_url: str, change: StatusChange
) -> int:
    """Write the callback row in the caller's transaction (the status change's own).

    The row's message id is derived from the status update, so replaying an update can
    never queue its callback twice.
    """
    seed = change.update_id or f"{change.request_id}:{change.status.value}"
    return uow.outbox.add(
        OutboxKind.CALLBACK,
        message_id=str(uuid.uuid5(CALLBACK_NAMESPACE, seed)),
        destination=callback_url,
        body=callback_body(change),
        request_id=change.request_id,
        headers={"client_id": client_id, "event": EVENT_STATUS_CHANGED},
    )


def retry_delay_s(attempts: int, *, base_s: float, cap_s: float) -> float:
    """Exponential backoff after the ``attempts``-th failure: base, 2·base, 4·base … cap."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


class CallbackSender:
    """Delivers ``callback`` outbox rows over HTTP in its own thread."""

    def __init__(
        self,
        store: Store,
        secret: bytes,
        *,
        policy: CallbackPolicy,
        batch_size: int = 20,
        lease_s: float = 120.0,
        timeout_s: float = 5.0,
        max_attempts: int = 8,
        base_delay_s: float = 2.0,
        max_delay_s: float = 600.0,
        idle_poll_s: float = 0.5,
        name: str | None = None,
    ) -> None:
        self._store = store
        self._secret = secret
        self._policy = policy
        self._batch_size = batch_size
        self._lease_s = lease_s
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._idle_poll_s = idle_poll_s
        self.name = name or f"callbacks-{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the callback sender is already running")
        self._thread = threading.Thread(target=self.run_forever, name="callbacks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.send_due()
            except Exception:
                log.exception("callback.loop_failed")
                sent = 0
            if sent < self._batch_size:
                self._stop.wait(self._idle_poll_s)
        with self._store.unit_of_work() as uow:
            uow.outbox.release_claims_of(self.name)
            uow.commit()

    def health(self) -> dict[str, Any]:
        stats = self._store.outbox_stats(OutboxKind.CALLBACK)
        return {
            "callback_depth": stats.depth,
            "oldest_callback_age_s": round(stats.oldest_age_s(utc_now()), 3),
        }

    def send_due(self) -> int:
        """Send one batch of due callbacks; returns how many rows it handled."""
        with self._store.unit_of_work() as uow:
            rows = uow.outbox.claim(
                OutboxKind.CALLBACK, owner=self.name, limit=self._batch_size, lease_s=self._lease_s
            )
            uow.commit()
        for row in rows:
            self._deliver(row)
        return len(rows)

    def _deliver(self, row: OutboxMessage) -> None:
        error, refused = self._post(row)
        gave_up = refused or row.attempts + 1 >= self._max_attempts
        with self._store.unit_of_work() as uow:
            if error is None:
                uow.outbox.mark_published([row.id])
            elif gave_up:
                uow.outbox.fail([row.id], error=error)
            else:
                delay = retry_delay_s(
                    row.attempts + 1, base_s=self._base_delay_s, cap_s=self._max_delay_s
                )
                uow.outbox.release([row.id], error=error, delay_s=delay)
            uow.commit()
        if error is None:
            log.info("callback.delivered", request_id=row.request_id, attempts=row.attempts + 1)
        else:
            log.warning(
                "callback.failed",
                request_id=row.request_id,
                attempts=row.attempts + 1,
                error=error,
                gave_up=gave_up,
            )

    def _post(self, row: OutboxMessage) -> tuple[str | None, bool]:
        """(why it failed or ``None``, whether it was refused and must not be tried again).

        The error text names the reason, never the URL.
        """
        try:
            client = str(row.headers.get("client_id", ""))
            target, origin = self._policy.admit(client, row.destination)
        except CallbackRefused as refused:
            return f"refused: {refused.reason}", True
        body = row.body.encode("utf-8")
        headers = _callback_headers(row.headers, row.message_id)
        headers[SIGNATURE_HEADER] = sign(self._secret, body, int(time.time()))
        try:
            status = post(
                target,
                body,
                headers,
                timeout_s=self._timeout_s,
                allow_non_global=origin.development,
            )
        except DestinationRefused as refused:
            return f"refused: resolves to a {refused.reason} address", True
        except DeliveryError as failure:
            return f"unreachable: {failure.reason}", False
        return (None, False) if 200 <= status < 300 else (f"HTTP {status}", False)


def _callback_headers(row_headers: Mapping[str, Any], message_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "ekomunat-gateway",
        "X-Ekomunat-Event": str(row_headers.get("event", EVENT_STATUS_CHANGED)),
        "X-Ekomunat-Delivery": message_id,
    }
