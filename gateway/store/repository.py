"""Repositories: requests with their history, idempotency keys, and the outbox.

Each repository works inside the transaction of the unit of work that made it and never
commits; only ``UnitOfWork.commit`` does. One implementation serves SQLite and PostgreSQL:
the SQL is SQLAlchemy Core, and the two places where the databases differ (claiming outbox
rows, locking a request for a status change) branch on the dialect.

Claiming outbox rows is a lease: a claim stamps ``claimed_by`` and ``claimed_until``; the
claimant marks rows published once they are confirmed, or releases them on failure. A
sender that dies holding claims loses them when the lease runs out, so its rows are sent by
whoever claims next. On PostgreSQL the claim selects with ``FOR UPDATE SKIP LOCKED`` so that
concurrent senders take disjoint batches without waiting on each other; SQLite serialises
writers anyway (every write transaction begins ``IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from contracts.messages import (
    HANDOFF_SCHEMA_NAME,
    HandoffMessage,
    RequestStatus,
    is_legal_transition,
)
from gateway.store.clock import utc_now
from gateway.store.errors import (
    DuplicateIdempotencyKey,
    IllegalTransition,
    StoreConflict,
    UnknownRequest,
)
from gateway.store.prepared import Prepared
from gateway.store.records import (
    IdempotencyRecord,
    NewRequest,
    OutboxKind,
    OutboxMessage,
    OutboxStats,
    RequestRecord,
    StatusChange,
)
from gateway.store.row_lock import first_row
from gateway.store.tables import idempotency_keys, outbox, request_status_history, requests

LAST_ERROR_LENGTH = 500

# Built once. A statement object memoises its cache key, so SQLAlchemy finds the compiled
# form at once; an ``insert(table)`` built per call had its key generated anew every time.
_INSERT_HISTORY = insert(request_status_history)

# What every portal request runs: compiled once per database, run on the driver's cursor
# (gateway/store/prepared.py).
_ADD_REQUEST = Prepared(
    insert(requests),
    keys=(
        "id", "client_id", "service", "municipality", "language", "status", "callback_url",
        "payload", "created_at", "updated_at",
    ),
)  # fmt: skip
_ADD_FIRST_HISTORY_LINE = Prepared(
    _INSERT_HISTORY,
    keys=("request_id", "status", "previous_status", "source", "occurred_at", "recorded_at"),
)
_SAVE_IDEMPOTENCY = Prepared(
    insert(idempotency_keys),
    keys=("client_id", "key", "body_hash", "status_code", "response", "created_at"),
)
_IDEMPOTENCY_ANSWER = Prepared(
    select(idempotency_keys).where(
        idempotency_keys.c.client_id == bindparam("client_id"),
        idempotency_keys.c.key == bindparam("key"),
    ),
    keys=("client_id", "key"),
)
_ADD_OUTBOX = Prepared(
    insert(outbox).returning(outbox.c.id),
    keys=(
        "kind", "message_id", "request_id", "destination", "headers", "body", "created_at",
        "available_at", "attempts",
    ),
)  # fmt: skip


def _request_record(row: RowMapping) -> RequestRecord:
    return RequestRecord(
        id=row["id"],
        client_id=row["client_id"],
        service=row["service"],
        municipality=row["municipality"],
        language=row["language"],
        status=RequestStatus(row["status"]),
        callback_url=row["callback_url"],
        payload=row["payload"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _status_change(row: RowMapping) -> StatusChange:
    previous = row["previous_status"]
    return StatusChange(
        request_id=row["request_id"],
        status=RequestStatus(row["status"]),
        previous_status=RequestStatus(previous) if previous else None,
        source=row["source"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        note=row["note"],
        documents=tuple(row["documents"] or ()),
        decided_by=row["decided_by"],
        update_id=row["update_id"],
    )


def _outbox_message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        kind=OutboxKind(row["kind"]),
        message_id=row["message_id"],
        request_id=row["request_id"],
        destination=row["destination"],
        headers=row["headers"],
        body=row["body"],
        attempts=row["attempts"],
        created_at=row["created_at"],
    )


class RequestRepository:
    """Requests and their status history."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, new: NewRequest, *, now: datetime | None = None) -> RequestRecord:
        """Store an accepted request and the first line of its history."""
        now = now or utc_now()
        payload = dict(new.payload)
        values = {
            "id": new.id,
            "client_id": new.client_id,
            "service": new.service,
            "municipality": new.municipality,
            "language": new.language,
            "status": new.status.value,
            "callback_url": new.callback_url,
            "payload": payload,
            "created_at": now,
            "updated_at": now,
        }
        try:
            _ADD_REQUEST.execute(self._conn, values)
        except IntegrityError as exc:
            raise StoreConflict(f"request {new.id} already exists") from exc
        _ADD_FIRST_HISTORY_LINE.execute(
            self._conn,
            {
                "request_id": new.id,
                "status": new.status.value,
                "previous_status": None,
                "source": "gateway",
                "occurred_at": now,
                "recorded_at": now,
            },
        )
        return RequestRecord(
            id=new.id,
            client_id=new.client_id,
            service=new.service,
            municipality=new.municipality,
            language=new.language,
            status=new.status,
            callback_url=new.callback_url,
            payload=payload,
            created_at=now,
            updated_at=now,
        )

    def get(self, request_id: str, *, for_update: bool = False) -> RequestRecord | None:
        """One request; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
        row = first_row(self._conn, requests, requests.c.id == request_id, for_update=for_update)
        return _request_record(row) if row else None

    def set_status(
        self,
        request_id: str,
        status: RequestStatus,
        *,
        source: str,
        note: Mapping[str, Any] | None = None,
        documents: Sequence[Mapping[str, Any]] = (),
        decided_by: Mapping[str, Any] | None = None,
        update_id: str | None = None,
        occurred_at: datetime | None = None,
        now: datetime | None = None,
    ) -> StatusChange:
        """Move a request to a new status and record why, refusing illegal moves."""
        now = now or utc_now()
        current = self.get(request_id, for_update=True)
        if current is None:
            raise UnknownRequest(request_id)
        if not is_legal_transition(current.status, status):
            raise IllegalTransition(request_id, current.status.value, status.value)
        self._conn.execute(
            update(requests)
            .where(requests.c.id == request_id)
            .values(status=status.value, updated_at=now)
        )
        change = StatusChange(
            request_id=request_id,
            status=status,
            previous_status=current.status,
            source=source,
            occurred_at=occurred_at or now,
            recorded_at=now,
            note=dict(note) if note is not None else None,
            documents=tuple(dict(document) for document in documents),
            decided_by=dict(decided_by) if decided_by is not None else None,
            update_id=update_id,
        )
        try:
            self._conn.execute(_INSERT_HISTORY, self._history_row(change))
        except IntegrityError as exc:
            raise StoreConflict(f"status update {update_id} already recorded") from exc
        return change

    def mark_handed_off(
        self, request_ids: Iterable[str], *, now: datetime | None = None
    ) -> list[str]:
        """Record ``handed_off`` for requests still ``accepted``; returns those it moved.

        A request the municipality has already moved on (a fast back-office) keeps its newer
        status: the relay's news is older than the back-office's.
        """
        ids = list(request_ids)
        if not ids:
            return []
        now = now or utc_now()
        moved = [
            row[0]
            for row in self._conn.execute(
                update(requests)
                .where(
                    requests.c.id.in_(ids),
                    requests.c.status == RequestStatus.ACCEPTED.value,
                )
                .values(status=RequestStatus.HANDED_OFF.value, updated_at=now)
                .returning(requests.c.id)
            )
        ]
        if moved:
            self._conn.execute(
                _INSERT_HISTORY,
                [
                    {
                        "request_id": request_id,
                        "status": RequestStatus.HANDED_OFF.value,
                        "previous_status": RequestStatus.ACCEPTED.value,
                        "source": "relay",
                        "update_id": None,
                        "note": None,
                        "documents": None,
                        "decided_by": None,
                        "occurred_at": now,
                        "recorded_at": now,
                    }
                    for request_id in moved
                ],
            )
        return moved

    def history(self, request_id: str) -> list[StatusChange]:
        rows = self._conn.execute(
            select(request_status_history)
            .where(request_status_history.c.request_id == request_id)
            .order_by(request_status_history.c.id)
        ).mappings()
        return [_status_change(row) for row in rows]

    def has_update(self, update_id: str) -> bool:
        """True when a status update with this id was recorded before (a redelivery)."""
        found = self._conn.execute(
            select(request_status_history.c.id).where(
                request_status_history.c.update_id == update_id
            )
        ).first()
        return found is not None

    def search(
        self,
        *,
        client_id: str | None = None,
        municipality: str | None = None,
        service: str | None = None,
        status: RequestStatus | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[RequestRecord]:
        """Requests matching every given filter, newest first."""
        conditions = []
        if client_id is not None:
            conditions.append(requests.c.client_id == client_id)
        if municipality is not None:
            conditions.append(requests.c.municipality == municipality)
        if service is not None:
            conditions.append(requests.c.service == service)
        if status is not None:
            conditions.append(requests.c.status == status.value)
        if created_from is not None:
            conditions.append(requests.c.created_at >= created_from)
        if created_before is not None:
            conditions.append(requests.c.created_at < created_before)
        rows = self._conn.execute(
            select(requests)
            .where(*conditions)
            .order_by(requests.c.created_at.desc(), requests.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
        return [_request_record(row) for row in rows]

    @staticmethod
    def _history_row(change: StatusChange) -> dict[str, Any]:
        return {
            "request_id": change.request_id,
            "status": change.status.value,
            "previous_status": change.previous_status.value if change.previous_status else None,
            "source": change.source,
            "update_id": change.update_id,
            "note": change.note,
            "documents": list(change.documents) or None,
            "decided_by": change.decided_by,
            "occurred_at": change.occurred_at,
            "recorded_at": change.recorded_at,
        }


class IdempotencyRepository:
    """The first answer to each (client, Idempotency-Key)."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, client_id: str, key: str) -> IdempotencyRecord | None:
        found = _IDEMPOTENCY_ANSWER.rows(self._conn, {"client_id": client_id, "key": key})
        if not found:
            return None
        row = found[0]
        return IdempotencyRecord(
            client_id=row["client_id"],
            key=row["key"],
            body_hash=row["body_hash"],
            status_code=row["status_code"],
            response=row["response"],
            created_at=row["created_at"],
        )

    def save(
        self,
        client_id: str,
        key: str,
        body_hash: str,
        status_code: int,
        response_json: Any,
        *,
        now: datetime | None = None,
    ) -> None:
        """Remember the answer; raises ``DuplicateIdempotencyKey`` when a racer saved first.

        After that error the transaction is spoilt: roll back, then read the stored answer.
        """
        try:
            _SAVE_IDEMPOTENCY.execute(
                self._conn,
                {
                    "client_id": client_id,
                    "key": key,
                    "body_hash": body_hash,
                    "status_code": status_code,
                    "response": response_json,
                    "created_at": now or utc_now(),
                },
            )
        except IntegrityError as exc:
            raise DuplicateIdempotencyKey(client_id, key) from exc


def _pending() -> Any:
    return and_(outbox.c.published_at.is_(None), outbox.c.failed_at.is_(None))


class OutboxRepository:
    """Messages to send after commit: add, claim a batch, mark published, release."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._skip_locked = connection.dialect.name == "postgresql"
        self._added: set[OutboxKind] = set()

    def take_added_kinds(self) -> set[OutboxKind]:
        """The kinds of rows added since the last call (the unit of work asks on commit)."""
        added, self._added = self._added, set()
        return added

    def add(
        self,
        kind: OutboxKind,
        *,
        message_id: str,
        destination: str,
        body: str,
        request_id: str | None = None,
        headers: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> int:
        now = now or utc_now()
        try:
            (added,) = _ADD_OUTBOX.rows(
                self._conn,
                {
                    "kind": kind.value,
                    "message_id": message_id,
                    "request_id": request_id,
                    "destination": destination,
                    "headers": dict(headers or {}),
                    "body": body,
                    "created_at": now,
                    "available_at": now,
                    "attempts": 0,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"outbox message {message_id} already exists") from exc
        self._added.add(kind)
        return int(added["id"])

    def add_handoff(self, message: HandoffMessage, *, now: datetime | None = None) -> int:
        """Queue a hand-off message for the relay; call in the request's own transaction."""
        return self.add(
            OutboxKind.HANDOFF,
            message_id=str(message.message_id),
            destination=message.routing_key,
            body=message.model_dump_json(),
            request_id=str(message.request_id),
            headers={"schema": HANDOFF_SCHEMA_NAME, "schema_version": message.schema_version},
            now=now,
        )

    def claim(
        self,
        kind: OutboxKind,
        *,
        owner: str,
        limit: int,
        lease_s: float,
        now: datetime | None = None,
    ) -> list[OutboxMessage]:
        """Claim up to ``limit`` unsent rows of ``kind``, oldest first, for ``lease_s`` seconds."""
        if limit <= 0:
            return []
        now = now or utc_now()
        candidates = (
            select(outbox.c.id)
            .where(
                outbox.c.kind == kind.value,
                _pending(),
                outbox.c.available_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self._skip_locked:
            candidates = candidates.with_for_update(skip_locked=True)
        rows = self._conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(candidates.scalar_subquery()))
            .values(claimed_by=owner, claimed_until=now + timedelta(seconds=lease_s))
            .returning(*outbox.c)
        ).mappings()
        return sorted((_outbox_message(row) for row in rows), key=lambda message: message.id)

    def mark_published(self, ids: Iterable[int], *, now: datetime | None = None) -> int:
        """Record that the rows were delivered (broker confirm or 2xx answer)."""
        id_list = list(ids)
        if not id_list:
            return 0
        result = self._conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(id_list), outbox.c.published_at.is_(None))
            .values(published_at=now or utc_now(), claimed_by=None, claimed_until=None)
        )
        return result.rowcount

    def release(
        self,
        ids: Iterable[int],
        *,
        error: str | None = None,
        delay_s: float = 0.0,
        now: datetime | None = None,
    ) -> int:
        """Give claimed rows back; with ``error`` the attempt counts and is recorded."""
        id_list = list(ids)
        if not id_list:
            return 0
        now = now or utc_now()
        values: dict[str, Any] = {
            "claimed_by": None,
            "claimed_until": None,
            "available_at": now + timedelta(seconds=delay_s),
        }
        if error is not None:
            values["attempts"] = outbox.c.attempts + 1
            values["last_error"] = error[:LAST_ERROR_LENGTH]
        result = self._conn.execute(
            update(outbox).where(outbox.c.id.in_(id_list), _pending()).values(values)
        )
        return result.rowcount

    def release_claims_of(self, owner: str) -> int:
        """Give back every row a sender still holds (it is stopping, or restarted)."""
        result = self._conn.execute(
            update(outbox)
            .where(outbox.c.claimed_by == owner, _pending())
            .values(claimed_by=None, claimed_until=None)
        )
        return result.rowcount

    def fail(self, ids: Iterable[int], *, error: str, now: datetime | None = None) -> int:
        """Stop trying: the rows stay for operators to inspect and replay."""
        id_list = list(ids)
        if not id_list:
            return 0
        result = self._conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(id_list), _pending())
            .values(
                failed_at=now or utc_now(),
                claimed_by=None,
                claimed_until=None,
                attempts=outbox.c.attempts + 1,
                last_error=error[:LAST_ERROR_LENGTH],
            )
        )
        return result.rowcount

    def stats(self, kind: OutboxKind | None = None) -> OutboxStats:
        """Unsent rows (of one kind, or all), and when the oldest of them was written."""
        conditions = [_pending()]
        if kind is not None:
            conditions.append(outbox.c.kind == kind.value)
        rows = self._conn.execute(
            select(outbox.c.kind, func.count(), func.min(outbox.c.created_at))
            .where(*conditions)
            .group_by(outbox.c.kind)
        ).all()
        by_kind = {kind: int(count) for kind, count, _ in rows}
        oldest = [created for _, _, created in rows if created is not None]
        return OutboxStats(
            depth=sum(by_kind.values()),
            oldest_created_at=min(oldest) if oldest else None,
            by_kind=by_kind,
        )

    def get(self, message_id: str) -> Mapping[str, Any] | None:
        """One row by message id, every column (for operators and tests)."""
        row = (
            self._conn.execute(select(outbox).where(outbox.c.message_id == message_id))
            .mappings()
            .first()
        )
        return dict(row) if row else None
