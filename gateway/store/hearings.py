"""Public hearings in the store: what municipalities published, and the comments they received.

``public_hearings`` holds one row per hearing (unique per municipality and reference): topic,
place, time, documents, the comment window and, once published, the municipality's report,
which closes it. ``hearing_comments`` holds one row per comment the gateway accepted, written
in the same transaction as the comment's request and hand-off (``gateway/hearings/comments.py``),
so the public count never runs ahead of, or behind, what reached the municipality. It keeps
the request's id and whether the comment came without a name; never what it said or who said
it (that travels to the municipality in the hand-off).

The tables sit on the store's shared metadata; migration ``0006_public_hearings`` creates them.
``HearingRepository`` works inside a unit of work (``uow.bind(HearingRepository)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
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

from contracts.hearings import HearingReport, PublicHearing
from gateway.store.clock import utc_now
from gateway.store.errors import StoreConflict
from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, json_type, metadata

public_hearings = Table(
    "public_hearings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("reference", String(60), nullable=False),
    Column("topic", json_type(), nullable=False),
    Column("description", json_type()),
    Column("place", json_type(), nullable=False),
    Column("held_at", UtcDateTime(), nullable=False),
    Column("comments_from", UtcDateTime(), nullable=False),
    Column("comments_until", UtcDateTime(), nullable=False),
    Column("documents", json_type(), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("report", json_type()),
    Column("report_documents", json_type()),
    Column("reported_at", UtcDateTime()),
    Column("comments_at_report", Integer()),
    UniqueConstraint("municipality", "reference"),
    Index(None, "held_at"),
)

hearing_comments = Table(
    "hearing_comments",
    metadata,
    Column("request_id", String(36), ForeignKey("requests.id"), primary_key=True),
    Column("hearing_id", String(36), ForeignKey("public_hearings.id"), nullable=False, index=True),
    Column("anonymous", Boolean(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class HearingRecord:
    id: str
    municipality: str
    reference: str
    topic: Mapping[str, str]
    description: Mapping[str, str] | None
    place: Mapping[str, str]
    held_at: datetime
    comments_from: datetime
    comments_until: datetime
    documents: tuple[Mapping[str, Any], ...]
    client_id: str
    published_at: datetime
    updated_at: datetime
    report: Mapping[str, str] | None
    report_documents: tuple[Mapping[str, Any], ...]
    reported_at: datetime | None
    comments_at_report: int | None

    def as_hearing(self) -> PublicHearing:
        """The hearing as the contract has it (to tell a repeated publication from another)."""
        return PublicHearing.model_validate(
            {
                "municipality": self.municipality,
                "reference": self.reference,
                "topic": self.topic,
                "description": self.description,
                "place": self.place,
                "held_at": self.held_at,
                "comments_from": self.comments_from,
                "comments_until": self.comments_until,
                "documents": self.documents,
            }
        )

    def comment_period(self, now: datetime) -> str:
        """``upcoming``, ``open`` or ``ended`` (a hearing closed by its report has ended)."""
        if self.reported_at is not None or now >= self.comments_until:
            return "ended"
        return "upcoming" if now < self.comments_from else "open"


@dataclass(frozen=True, slots=True)
class PublishedHearing:
    record: HearingRecord
    comments: int


def _record(row: RowMapping) -> HearingRecord:
    return HearingRecord(
        id=row["id"],
        municipality=row["municipality"],
        reference=row["reference"],
        topic=row["topic"],
        description=row["description"],
        place=row["place"],
        held_at=row["held_at"],
        comments_from=row["comments_from"],
        comments_until=row["comments_until"],
        documents=tuple(row["documents"] or ()),
        client_id=row["client_id"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        report=row["report"],
        report_documents=tuple(row["report_documents"] or ()),
        reported_at=row["reported_at"],
        comments_at_report=row["comments_at_report"],
    )


class HearingRepository:
    """Hearings and their comments, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(
        self,
        hearing_id: str,
        hearing: PublicHearing,
        *,
        client_id: str,
        now: datetime | None = None,
    ) -> HearingRecord:
        now = now or utc_now()
        dumped = hearing.model_dump(mode="json", exclude_none=True)
        try:
            self._conn.execute(
                insert(public_hearings),
                {
                    "id": hearing_id,
                    "municipality": hearing.municipality,
                    "reference": hearing.reference,
                    "topic": dumped["topic"],
                    "description": dumped.get("description"),
                    "place": dumped["place"],
                    "held_at": hearing.held_at,
                    "comments_from": hearing.comments_from or now,
                    "comments_until": hearing.comments_until,
                    "documents": dumped["documents"],
                    "client_id": client_id,
                    "published_at": now,
                    "updated_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"hearing {hearing.municipality}/{hearing.reference}") from exc
        added = self.get(hearing_id)
        assert added is not None
        return added

    def get(self, hearing_id: str, *, for_update: bool = False) -> HearingRecord | None:
        row = first_row(
            self._conn, public_hearings, public_hearings.c.id == hearing_id, for_update=for_update
        )
        return _record(row) if row else None

    def by_reference(
        self, municipality: str, reference: str, *, for_update: bool = False
    ) -> HearingRecord | None:
        row = first_row(
            self._conn,
            public_hearings,
            public_hearings.c.municipality == municipality,
            public_hearings.c.reference == reference,
            for_update=for_update,
        )
        return _record(row) if row else None

    def add_comment(
        self, hearing_id: str, request_id: str, *, anonymous: bool, now: datetime | None = None
    ) -> None:
        self._conn.execute(
            insert(hearing_comments),
            {
                "request_id": request_id,
                "hearing_id": hearing_id,
                "anonymous": anonymous,
                "received_at": now or utc_now(),
            },
        )

    def comment_count(self, hearing_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(hearing_comments)
                .where(hearing_comments.c.hearing_id == hearing_id)
            ).scalar_one()
        )

    def report(
        self, hearing_id: str, report: HearingReport, *, now: datetime | None = None
    ) -> HearingRecord:
        """Publish the report and close the hearing, with the number of comments it had."""
        now = now or utc_now()
        dumped = report.model_dump(mode="json", exclude_none=True)
        self._conn.execute(
            update(public_hearings)
            .where(public_hearings.c.id == hearing_id)
            .values(
                report=dumped["summary"],
                report_documents=dumped["documents"],
                reported_at=now,
                comments_at_report=self.comment_count(hearing_id),
                updated_at=now,
            )
        )
        reported = self.get(hearing_id)
        assert reported is not None
        return reported

    def published(self) -> list[PublishedHearing]:
        """Every hearing with the number of comments it received (one query)."""
        counts = (
            select(hearing_comments.c.hearing_id, func.count().label("comments"))
            .group_by(hearing_comments.c.hearing_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                public_hearings, func.coalesce(counts.c.comments, 0).label("comments")
            ).select_from(
                public_hearings.outerjoin(counts, counts.c.hearing_id == public_hearings.c.id)
            )
        ).mappings()
        return [PublishedHearing(_record(row), int(row["comments"])) for row in rows]

    def version(self, now: datetime) -> str:
        """Changes whenever a hearing, its report or its comments change, and whenever a
        comment window opens or closes (the rows say whether it is open)."""
        hearings, changed, opened, ended = self._conn.execute(
            select(
                func.count(),
                func.max(public_hearings.c.updated_at),
                func.count().filter(public_hearings.c.comments_from <= now),
                func.count().filter(public_hearings.c.comments_until <= now),
            )
        ).one()
        comments = self._conn.execute(select(func.count()).select_from(hearing_comments)).one()[0]
        return f"{hearings}:{changed}:{opened}:{ended}:{comments}"
