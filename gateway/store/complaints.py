"""The complaints' part of the store: two tables, their repository, and a unit of work.

``complaints`` holds one row per complaint: what was said and where, the body responsible,
the legal deadline, the hash of the citizen's follow-up token (never the token) and the
contact details, which stay here: an anonymous complainant's details are never put in a
hand-off. ``complaint_status_history`` holds every status the complaint went through, with
the institution's public note.

The tables sit on the store's shared ``metadata`` so that alembic's comparison of the
migrated database with the code sees them; migration ``0002_complaints`` creates them.

``ComplaintRepository`` works inside one of the Store's units of work
(``uow.bind(ComplaintRepository)``), so a complaint and its outbox hand-off row commit
together or not at all, and the write queues on the Store's SQLite write lock like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from contracts.complaint_messages import ComplaintStatus, is_legal_complaint_transition
from gateway.store.clock import utc_now
from gateway.store.errors import IllegalTransition, StoreConflict, StoreError
from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, metadata, outbox


def _json() -> Any:
    return JSON().with_variant(JSONB(), "postgresql")


def _big_id() -> Any:
    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    return BigInteger().with_variant(Integer(), "sqlite")


complaints = Table(
    "complaints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("client_id", String(100), nullable=False),
    Column("category", String(48), nullable=False),
    Column("institution", String(64), nullable=False),
    Column("municipality", String(2)),
    Column("language", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("description", Text()),
    Column("attributes", _json(), nullable=False),
    Column("latitude", Double()),
    Column("longitude", Double()),
    Column("address", String(500)),
    Column("address_id", String(100)),
    Column("media_url", String(2000)),
    Column("anonymous", Boolean(), nullable=False),
    Column("contact", _json()),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("deadline_at", UtcDateTime(), nullable=False),
    Column("answered_at", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Index(None, "submitted_at"),
    Index(None, "institution", "submitted_at"),
    Index(None, "category", "submitted_at"),
    Index(None, "municipality", "submitted_at"),
)

complaint_status_history = Table(
    "complaint_status_history",
    metadata,
    Column("id", _big_id(), primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("previous_status", String(16)),
    Column("source", String(100), nullable=False),
    Column("update_id", String(36), unique=True),
    Column("public_note", _json()),
    Column("handled_by", _json()),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)


class UnknownComplaint(StoreError):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint {complaint_id}")
        self.complaint_id = complaint_id


@dataclass(frozen=True, slots=True)
class NewComplaint:
    """A checked, routed complaint about to be stored with status ``received``."""

    id: str
    token_sha256: str
    client_id: str
    category: str
    institution: str
    municipality: str | None
    language: str
    description: str | None
    attributes: Mapping[str, Any]
    latitude: float | None
    longitude: float | None
    address: str | None
    address_id: str | None
    media_url: str | None
    anonymous: bool
    contact: Mapping[str, str] | None
    message_id: str
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    id: str
    client_id: str
    category: str
    institution: str
    municipality: str | None
    language: str
    status: ComplaintStatus
    description: str | None
    attributes: Mapping[str, Any]
    latitude: float | None
    longitude: float | None
    address: str | None
    address_id: str | None
    media_url: str | None
    anonymous: bool
    contact: Mapping[str, str] | None
    message_id: str
    submitted_at: datetime
    updated_at: datetime
    deadline_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    handed_off_at: datetime | None = None
    """When the broker confirmed the hand-off (read from the outbox), if it has."""

    def overdue(self, now: datetime) -> bool:
        """Past its legal deadline without an answer (a closed complaint is settled)."""
        settled = self.answered_at is not None or self.closed_at is not None
        return not settled and now > self.deadline_at


@dataclass(frozen=True, slots=True)
class ComplaintChange:
    """One line of a complaint's status history."""

    complaint_id: str
    status: ComplaintStatus
    previous_status: ComplaintStatus | None
    source: str
    occurred_at: datetime
    recorded_at: datetime
    public_note: Mapping[str, str] | None = None
    handled_by: Mapping[str, Any] | None = None
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatsRow:
    """What the open-data statistics need of one complaint, and nothing personal."""

    institution: str
    category: str
    submitted_at: datetime
    deadline_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None


def _record(row: RowMapping) -> ComplaintRecord:
    return ComplaintRecord(
        id=row["id"],
        client_id=row["client_id"],
        category=row["category"],
        institution=row["institution"],
        municipality=row["municipality"],
        language=row["language"],
        status=ComplaintStatus(row["status"]),
        description=row["description"],
        attributes=row["attributes"] or {},
        latitude=row["latitude"],
        longitude=row["longitude"],
        address=row["address"],
        address_id=row["address_id"],
        media_url=row["media_url"],
        anonymous=bool(row["anonymous"]),
        contact=row["contact"],
        message_id=row["message_id"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        deadline_at=row["deadline_at"],
        answered_at=row["answered_at"],
        closed_at=row["closed_at"],
        handed_off_at=row.get("handed_off_at"),
    )


def _change(row: RowMapping) -> ComplaintChange:
    previous = row["previous_status"]
    return ComplaintChange(
        complaint_id=row["complaint_id"],
        status=ComplaintStatus(row["status"]),
        previous_status=ComplaintStatus(previous) if previous else None,
        source=row["source"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        public_note=row["public_note"],
        handled_by=row["handled_by"],
        update_id=row["update_id"],
    )


def _with_hand_off() -> Any:
    """Complaints with the broker's confirmation time of their hand-off row, if any."""
    return select(complaints, outbox.c.published_at.label("handed_off_at")).select_from(
        complaints.outerjoin(outbox, outbox.c.message_id == complaints.c.message_id)
    )


class ComplaintRepository:
    """Complaints and their status history, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, new: NewComplaint, *, now: datetime | None = None) -> None:
        """Store a complaint as ``received``, with the first line of its history."""
        now = now or utc_now()
        try:
            self._conn.execute(
                insert(complaints).values(
                    id=new.id,
                    token_sha256=new.token_sha256,
                    client_id=new.client_id,
                    category=new.category,
                    institution=new.institution,
                    municipality=new.municipality,
                    language=new.language,
                    status=ComplaintStatus.RECEIVED.value,
                    description=new.description,
                    attributes=dict(new.attributes),
                    latitude=new.latitude,
                    longitude=new.longitude,
                    address=new.address,
                    address_id=new.address_id,
                    media_url=new.media_url,
                    anonymous=new.anonymous,
                    contact=dict(new.contact) if new.contact else None,
                    message_id=new.message_id,
                    submitted_at=now,
                    updated_at=now,
                    deadline_at=new.deadline_at,
                )
            )
        except IntegrityError as exc:
            raise StoreConflict(f"complaint {new.id} already exists") from exc
        self._conn.execute(
            insert(complaint_status_history).values(
                complaint_id=new.id,
                status=ComplaintStatus.RECEIVED.value,
                previous_status=None,
                source="gateway",
                occurred_at=now,
                recorded_at=now,
            )
        )

    def get(self, complaint_id: str, *, for_update: bool = False) -> ComplaintRecord | None:
        """One complaint; ``for_update`` locks its row until the transaction ends."""
        if for_update:
            row = first_row(
                self._conn, complaints, complaints.c.id == complaint_id, for_update=True
            )
        else:
            query = _with_hand_off().where(complaints.c.id == complaint_id)
            row = self._conn.execute(query).mappings().first()
        return _record(row) if row else None

    def id_for_token(self, token_sha256: str) -> str | None:
        found = self._conn.execute(
            select(complaints.c.id).where(complaints.c.token_sha256 == token_sha256)
        ).first()
        return str(found[0]) if found else None

    def token_matches(self, complaint_id: str, token_sha256: str) -> bool:
        found = self._conn.execute(
            select(complaints.c.id).where(
                complaints.c.id == complaint_id, complaints.c.token_sha256 == token_sha256
            )
        ).first()
        return found is not None

    def has_update(self, update_id: str) -> bool:
        """True when a status update with this id was recorded before (a redelivery)."""
        found = self._conn.execute(
            select(complaint_status_history.c.id).where(
                complaint_status_history.c.update_id == update_id
            )
        ).first()
        return found is not None

    def set_status(
        self,
        complaint_id: str,
        status: ComplaintStatus,
        *,
        source: str,
        public_note: Mapping[str, str] | None = None,
        handled_by: Mapping[str, Any] | None = None,
        update_id: str | None = None,
        occurred_at: datetime | None = None,
        now: datetime | None = None,
    ) -> ComplaintChange:
        """Move a complaint on and record why; refuses moves the contract forbids.

        The first ``answered`` stamps ``answered_at`` with the time the institution says it
        answered (``occurred_at``): the answer time, not the time the message arrived, is
        what the legal deadline is measured against.
        """
        now = now or utc_now()
        occurred = occurred_at or now
        current = self.get(complaint_id, for_update=True)
        if current is None:
            raise UnknownComplaint(complaint_id)
        if not is_legal_complaint_transition(current.status, status):
            raise IllegalTransition(complaint_id, current.status.value, status.value)
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if status is ComplaintStatus.ANSWERED and current.answered_at is None:
            values["answered_at"] = occurred
        if status is ComplaintStatus.CLOSED:
            values["closed_at"] = occurred
        self._conn.execute(update(complaints).where(complaints.c.id == complaint_id).values(values))
        change = ComplaintChange(
            complaint_id=complaint_id,
            status=status,
            previous_status=current.status,
            source=source,
            occurred_at=occurred,
            recorded_at=now,
            public_note=dict(public_note) if public_note else None,
            handled_by=dict(handled_by) if handled_by else None,
            update_id=update_id,
        )
        try:
            self._conn.execute(
                insert(complaint_status_history).values(
                    complaint_id=complaint_id,
                    status=status.value,
                    previous_status=current.status.value,
                    source=source,
                    update_id=update_id,
                    public_note=change.public_note,
                    handled_by=change.handled_by,
                    occurred_at=occurred,
                    recorded_at=now,
                )
            )
        except IntegrityError as exc:
            raise StoreConflict(f"status update {update_id} already recorded") from exc
        return change

    def history(self, complaint_id: str) -> list[ComplaintChange]:
        rows = self._conn.execute(
            select(complaint_status_history)
            .where(complaint_status_history.c.complaint_id == complaint_id)
            .order_by(complaint_status_history.c.id)
        ).mappings()
        return [_change(row) for row in rows]

    def latest_notes(self, complaint_ids: Sequence[str]) -> dict[str, Mapping[str, str]]:
        """The newest public note of each complaint that has one."""
        if not complaint_ids:
            return {}
        rows = self._conn.execute(
            select(complaint_status_history.c.complaint_id, complaint_status_history.c.public_note)
            .where(
                complaint_status_history.c.complaint_id.in_(list(complaint_ids)),
                complaint_status_history.c.public_note.is_not(None),
            )
            .order_by(complaint_status_history.c.id)
        ).all()
        notes: dict[str, Mapping[str, str]] = {}
        for complaint_id, note in rows:
            if note:
                notes[complaint_id] = note
        return notes

    def search(
        self,
        *,
        ids: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        statuses: Sequence[ComplaintStatus] | None = None,
        municipality: str | None = None,
        submitted_from: datetime | None = None,
        submitted_until: datetime | None = None,
        limit: int = 1000,
    ) -> list[ComplaintRecord]:
        """Complaints matching every given filter, newest first; ``ids`` overrides the rest."""
        query = _with_hand_off()
        if ids is not None:
            query = query.where(complaints.c.id.in_(list(ids)))
        else:
            if categories:
                query = query.where(complaints.c.category.in_(list(categories)))
            if statuses:
                query = query.where(complaints.c.status.in_([s.value for s in statuses]))
            if municipality is not None:
                query = query.where(complaints.c.municipality == municipality)
            if submitted_from is not None:
                query = query.where(complaints.c.submitted_at >= submitted_from)
            if submitted_until is not None:
                query = query.where(complaints.c.submitted_at <= submitted_until)
        query = query.order_by(complaints.c.submitted_at.desc(), complaints.c.id).limit(limit)
        return [_record(row) for row in self._conn.execute(query).mappings()]

    def stats_rows(
        self,
        *,
        submitted_from: datetime | None = None,
        submitted_until: datetime | None = None,
        municipality: str | None = None,
    ) -> list[StatsRow]:
        query = select(
            complaints.c.institution,
            complaints.c.category,
            complaints.c.submitted_at,
            complaints.c.deadline_at,
            complaints.c.answered_at,
            complaints.c.closed_at,
        )
        if submitted_from is not None:
            query = query.where(complaints.c.submitted_at >= submitted_from)
        if submitted_until is not None:
            query = query.where(complaints.c.submitted_at <= submitted_until)
        if municipality is not None:
            query = query.where(complaints.c.municipality == municipality)
        return [
            StatsRow(
                institution=row["institution"],
                category=row["category"],
                submitted_at=row["submitted_at"],
                deadline_at=row["deadline_at"],
                answered_at=row["answered_at"],
                closed_at=row["closed_at"],
            )
            for row in self._conn.execute(query).mappings()
        ]
