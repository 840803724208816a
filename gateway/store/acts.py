"""The legality review's part of the store: municipal acts and the events of their review.

``municipal_acts`` holds one row per act (unique per municipality and number): its current
text (title, adoption date, documents), how many texts it has had (``revision``), where its
review stands, and the message id of its first submission (its outbox row).
``act_review_history`` holds every event of the review: the submission, each revision, a
withdrawal (source ``municipality:<code>``) and every decision of the ministry (source
``ministry:mapl``), with the public note and documents the ministry gave.

The tables sit on the store's shared metadata; migration ``0005_municipal_acts`` creates them.
``ActRepository`` works inside a unit of work's transaction (``uow.bind(ActRepository)``), so
an act and the outbox row of its hand-off commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from contracts.act_messages import ActKind, MunicipalAct, ReviewState, is_legal_review_transition
from gateway.store.clock import utc_now
from gateway.store.errors import IllegalTransition, StoreConflict, StoreError
from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, big_id_type, json_type, metadata

municipal_acts = Table(
    "municipal_acts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("number", String(60), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", json_type(), nullable=False),
    Column("adopted_on", Date(), nullable=False),
    Column("documents", json_type(), nullable=False),
    Column("revision", Integer(), nullable=False),
    Column("review_state", String(32), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("municipality", "number"),
    Index(None, "adopted_on"),
)

act_review_history = Table(
    "act_review_history",
    metadata,
    Column("id", big_id_type(), primary_key=True, autoincrement=True),
    Column("act_id", String(36), ForeignKey("municipal_acts.id"), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("previous_state", String(32)),
    Column("revision", Integer(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("update_id", String(36), unique=True),
    Column("message_id", String(36)),
    Column("public_note", json_type()),
    Column("documents", json_type()),
    Column("decided_by", json_type()),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)


class UnknownAct(StoreError):
    def __init__(self, act_id: str) -> None:
        super().__init__(f"no act {act_id}")
        self.act_id = act_id


@dataclass(frozen=True, slots=True)
class ActRecord:
    id: str
    municipality: str
    number: str
    kind: ActKind
    """Stored only from a validated ``MunicipalAct``."""
    title: Mapping[str, str]
    adopted_on: date
    documents: tuple[Mapping[str, Any], ...]
    revision: int
    review_state: ReviewState
    client_id: str
    message_id: str
    submitted_at: datetime
    updated_at: datetime

    def as_act(self) -> MunicipalAct:
        """The act's current text, as the contract has it."""
        return MunicipalAct.model_validate(
            {
                "municipality": self.municipality,
                "kind": self.kind,
                "number": self.number,
                "title": self.title,
                "adopted_on": self.adopted_on,
                "documents": self.documents,
            }
        )


@dataclass(frozen=True, slots=True)
class ActEvent:
    """One line of an act's review history."""

    act_id: str
    state: ReviewState
    previous_state: ReviewState | None
    revision: int
    source: str
    occurred_at: datetime
    recorded_at: datetime
    update_id: str | None = None
    message_id: str | None = None
    public_note: Mapping[str, str] | None = None
    documents: tuple[Mapping[str, Any], ...] = ()
    decided_by: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PublishedAct:
    """An act with its whole review history."""

    record: ActRecord
    events: tuple[ActEvent, ...]


def _record(row: RowMapping) -> ActRecord:
    return ActRecord(
        id=row["id"],
        municipality=row["municipality"],
        number=row["number"],
        kind=row["kind"],
        title=row["title"],
        adopted_on=row["adopted_on"],
        documents=tuple(row["documents"] or ()),
        revision=row["revision"],
        review_state=ReviewState(row["review_state"]),
        client_id=row["client_id"],
        message_id=row["message_id"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
    )


def _event(row: RowMapping) -> ActEvent:
    previous = row["previous_state"]
    return ActEvent(
        act_id=row["act_id"],
        state=ReviewState(row["state"]),
        previous_state=ReviewState(previous) if previous else None,
        revision=row["revision"],
        source=row["source"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        update_id=row["update_id"],
        message_id=row["message_id"],
        public_note=row["public_note"],
        documents=tuple(row["documents"] or ()),
        decided_by=row["decided_by"],
    )


def _text_of(act: MunicipalAct) -> dict[str, Any]:
    dumped = act.model_dump(mode="json", exclude_none=True)
    return {
        "title": dumped["title"],
        "adopted_on": act.adopted_on,
        "documents": dumped["documents"],
    }


class ActRepository:
    """Acts and their review history, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(
        self,
        act_id: str,
        act: MunicipalAct,
        *,
        client_id: str,
        message_id: str,
        now: datetime | None = None,
    ) -> ActRecord:
        """Store a submitted act and the first line of its history."""
        now = now or utc_now()
        try:
            self._conn.execute(
                insert(municipal_acts),
                {
                    "id": act_id,
                    "municipality": act.municipality,
                    "number": act.number,
                    "kind": act.kind,
                    **_text_of(act),
                    "revision": 1,
                    "review_state": ReviewState.SUBMITTED.value,
                    "client_id": client_id,
                    "message_id": message_id,
                    "submitted_at": now,
                    "updated_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"act {act.municipality}/{act.number} already exists") from exc
        self._history(
            act_id,
            state=ReviewState.SUBMITTED,
            previous=None,
            revision=1,
            source=f"municipality:{act.municipality}",
            message_id=message_id,
            occurred_at=now,
            now=now,
        )
        found = self.get(act_id)
        assert found is not None
        return found

    def get(self, act_id: str, *, for_update: bool = False) -> ActRecord | None:
        """One act; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
        row = first_row(
            self._conn, municipal_acts, municipal_acts.c.id == act_id, for_update=for_update
        )
        return _record(row) if row else None

    def by_number(self, municipality: str, number: str) -> ActRecord | None:
        row = first_row(
            self._conn,
            municipal_acts,
            municipal_acts.c.municipality == municipality,
            municipal_acts.c.number == number,
        )
        return _record(row) if row else None

    def revise(
        self, act_id: str, act: MunicipalAct, *, message_id: str, now: datetime | None = None
    ) -> ActRecord:
        """Replace the act's text with a new revision; its review state stays where it is."""
        now = now or utc_now()
        current = self.get(act_id, for_update=True)
        if current is None:
            raise UnknownAct(act_id)
        revision = current.revision + 1
        self._conn.execute(
            update(municipal_acts)
            .where(municipal_acts.c.id == act_id)
            .values(**_text_of(act), revision=revision, updated_at=now)
        )
        self._history(
            act_id,
            state=current.review_state,
            previous=current.review_state,
            revision=revision,
            source=f"municipality:{current.municipality}",
            message_id=message_id,
            occurred_at=now,
            now=now,
        )
        revised = self.get(act_id)
        assert revised is not None
        return revised

    def set_state(
        self,
        act_id: str,
        state: ReviewState,
        *,
        source: str,
        update_id: str | None = None,
        message_id: str | None = None,
        public_note: Mapping[str, str] | None = None,
        documents: Sequence[Mapping[str, Any]] = (),
        decided_by: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """Move the review on and record why; refuses moves the contract forbids."""
        now = now or utc_now()
        current = self.get(act_id, for_update=True)
        if current is None:
            raise UnknownAct(act_id)
        if not is_legal_review_transition(current.review_state, state):
            raise IllegalTransition(act_id, current.review_state.value, state.value)
        self._conn.execute(
            update(municipal_acts)
            .where(municipal_acts.c.id == act_id)
            .values(review_state=state.value, updated_at=now)
        )
        self._history(
            act_id,
            state=state,
            previous=current.review_state,
            revision=current.revision,
            source=source,
            update_id=update_id,
            message_id=message_id,
            public_note=public_note,
            documents=documents,
            decided_by=decided_by,
            occurred_at=occurred_at or now,
            now=now,
        )

    def has_update(self, update_id: str) -> bool:
        """True when a decision with this id was recorded before (a redelivery)."""
        found = self._conn.execute(
            select(act_review_history.c.id).where(act_review_history.c.update_id == update_id)
        ).first()
        return found is not None

    def history(self, act_id: str) -> list[ActEvent]:
        rows = self._conn.execute(
            select(act_review_history)
            .where(act_review_history.c.act_id == act_id)
            .order_by(act_review_history.c.id)
        ).mappings()
        return [_event(row) for row in rows]

    def published(self) -> list[PublishedAct]:
        """Every act with its history, for the public register (two queries, not one per act)."""
        acts = [_record(row) for row in self._conn.execute(select(municipal_acts)).mappings()]
        events: dict[str, list[ActEvent]] = {}
        for row in self._conn.execute(
            select(act_review_history).order_by(act_review_history.c.id)
        ).mappings():
            events.setdefault(row["act_id"], []).append(_event(row))
        return [PublishedAct(record, tuple(events.get(record.id, ()))) for record in acts]

    def version(self) -> str:
        """Changes whenever any act or its review changes (the feed's cache key)."""
        count, last = self._conn.execute(
            select(func.count(), func.max(act_review_history.c.id))
        ).one()
        return f"{count}:{last}"

    def _history(
        self,
        act_id: str,
        *,
        state: ReviewState,
        previous: ReviewState | None,
        revision: int,
        source: str,
        occurred_at: datetime,
        now: datetime,
        update_id: str | None = None,
        message_id: str | None = None,
        public_note: Mapping[str, str] | None = None,
        documents: Sequence[Mapping[str, Any]] = (),
        decided_by: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            self._conn.execute(
                insert(act_review_history),
                {
                    "act_id": act_id,
                    "state": state.value,
                    "previous_state": previous.value if previous else None,
                    "revision": revision,
                    "source": source,
                    "update_id": update_id,
                    "message_id": message_id,
                    "public_note": dict(public_note) if public_note else None,
                    "documents": [dict(document) for document in documents] or None,
                    "decided_by": dict(decided_by) if decided_by else None,
                    "occurred_at": occurred_at,
                    "recorded_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"review decision {update_id} already recorded") from exc
