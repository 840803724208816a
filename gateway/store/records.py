"""What the repositories take and give: frozen values, no database handles inside.

Callers never see SQLAlchemy rows, so the API layer, the relay and the status consumer can
be read (and tested) without knowing the schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from contracts.messages import RequestStatus


class OutboxKind(StrEnum):
    """What an outbox row is, and so which worker sends it."""

    HANDOFF = "handoff"
    CALLBACK = "callback"


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request about to be stored: ``accepted`` (async) or ``completed`` (sync, answered)."""

    id: str
    client_id: str
    service: str
    municipality: str
    language: str
    payload: Mapping[str, Any]
    callback_url: str | None = None
    status: RequestStatus = RequestStatus.ACCEPTED


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: str
    client_id: str
    service: str
    municipality: str
    language: str
    status: RequestStatus
    callback_url: str | None
    payload: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One line of a request's status history."""

    request_id: str
    status: RequestStatus
    previous_status: RequestStatus | None
    source: str
    occurred_at: datetime
    recorded_at: datetime
    note: Mapping[str, Any] | None = None
    documents: Sequence[Mapping[str, Any]] = ()
    decided_by: Mapping[str, Any] | None = None
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A claimed outbox row, ready to send.

    ``destination`` is an AMQP routing key for hand-offs and a URL for callbacks; ``body``
    is the exact text to send, fixed when the request was accepted.
    """

    id: int
    kind: OutboxKind
    message_id: str
    request_id: str | None
    destination: str
    headers: Mapping[str, Any]
    body: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The first answer given to one client's ``Idempotency-Key``."""

    client_id: str
    key: str
    body_hash: str
    status_code: int
    response: Any
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """The backlog, as readiness checks and operators see it."""

    depth: int
    oldest_created_at: datetime | None
    by_kind: Mapping[str, int] = field(default_factory=dict)

    def oldest_age_s(self, now: datetime) -> float:
        if self.oldest_created_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_created_at).total_seconds())
