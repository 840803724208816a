"""Status callbacks to the portal: signed with HMAC-SHA256, sent from the outbox with retries.

When a municipality moves a request on and the request's client registered a callback URL,
the status consumer writes a ``callback`` outbox row in the same transaction as the status
change. The callbacks go out through the same outbox machinery as the hand-offs
(``gateway.relay.HttpRelay`` over ``gateway.outbox_ledger``), on the pooled async HTTP
client of ``adapters.guarded_http``: a row is marked published on a 2xx answer; any other
answer (a redirect too: it is never followed) or a network error is retried with
exponential backoff, and after ``max_attempts`` the row is set aside as failed (it stays in
the outbox for operators). A gateway killed mid-delivery loses nothing: the row stays
claimed until its lease runs out, then it is sent again.

A callback URL is the client's choice, so before each delivery the sender checks it again
against the client's declared origins (``gateway.callback_origins``), and the connection is
made by ``adapters.guarded_http``, which refuses loopback, private and other non-global
addresses after resolving the name, unless the origin is a development one. A refused row
is failed at once: trying it again cannot make it allowed.

Delivery is at least once. Each delivery carries two headers for the receiver::

    X-Ekomunat-Delivery: <id>   the same on every attempt at one status change
    X-Ekomunat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

A receiver de-duplicates on ``X-Ekomunat-Delivery``: a callback may arrive again after a
timeout or a gateway restart (the first attempt reached the portal, its answer did not
reach the gateway), and the second arrival of an id must change nothing. The signature
lets the receiver check origin and freshness.

``verify_signature`` is the receiver's side of it (tests use it; the portal may copy it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from adapters.guarded_http import (
    DeliveryError,
    DestinationRefused,
    GuardedHttpClient,
)
from gateway.callback_origins import CallbackPolicy, CallbackRefused
from gateway.outbox_ledger import RetryPolicy, retry_delay_s
from gateway.relay import DELIVERED, DeliveryOutcome, HttpRelay, RelayEvents
from gateway.store import OutboxKind, OutboxMessage, StatusChange, Store
from gateway.store.unit_of_work import UnitOfWork

__all__ = [
    "CallbackDelivery",
    "CallbackSender",
    "callback_body",
    "queue_status_callback",
    "retry_delay_s",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Ekomunat-Signature"
DELIVERY_HEADER = "X-Ekomunat-Delivery"
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


CALLBACK_EVENTS = RelayEvents(
    delivered="callback.delivered", failed="callback.failed", loop_failed="callback.loop_failed"
)


class CallbackDelivery:
    """One callback row: admitted by the client's origins, signed, POSTed, judged.

    Error texts name the reason, never the URL (it may hold a token).
    """

    def __init__(self, secret: bytes, policy: CallbackPolicy, client: GuardedHttpClient) -> None:
        self._secret = secret
        self._policy = policy
        self._client = client

    async def deliver(self, row: OutboxMessage) -> DeliveryOutcome:
        try:
            client_id = str(row.headers.get("client_id", ""))
            target, origin = self._policy.admit(client_id, row.destination)
        except CallbackRefused as refused:
            return DeliveryOutcome(f"refused: {refused.reason}", final=True)
        body = row.body.encode("utf-8")
        headers = _callback_headers(row.headers, row.message_id)
        headers[SIGNATURE_HEADER] = sign(self._secret, body, int(time.time()))
        try:
            status = await self._client.post(
                target, body, headers, allow_non_global=origin.development
            )
        except DestinationRefused as refused:
            return DeliveryOutcome(f"refused: resolves to a {refused.reason} address", final=True)
        except DeliveryError as failure:
            return DeliveryOutcome(f"unreachable: {failure.reason}")
        return DELIVERED if 200 <= status < 300 else DeliveryOutcome(f"HTTP {status}")

    async def aclose(self) -> None:
        await self._client.aclose()


class CallbackSender(HttpRelay):
    """The outbox's HTTP relay for ``callback`` rows, built from the callback settings."""

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
        super().__init__(
            store,
            OutboxKind.CALLBACK,
            CallbackDelivery(secret, policy, GuardedHttpClient(timeout_s=timeout_s)),
            events=CALLBACK_EVENTS,
            retry=RetryPolicy(max_attempts, base_delay_s, max_delay_s),
            concurrency=batch_size,
            lease_s=lease_s,
            idle_poll_s=idle_poll_s,
            name=name or f"callbacks-{uuid.uuid4().hex[:8]}",
        )

    def health(self) -> dict[str, Any]:
        depth, oldest_age_s = self.backlog()
        return {"callback_depth": depth, "oldest_callback_age_s": oldest_age_s}


def _callback_headers(row_headers: Mapping[str, Any], message_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "ekomunat-gateway",
        "X-Ekomunat-Event": str(row_headers.get("event", EVENT_STATUS_CHANGED)),
        DELIVERY_HEADER: message_id,
    }
