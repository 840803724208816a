"""The open-data permits register's part of the store: one table and its repository.

``open_permits`` holds every construction or occupancy permit a municipality approved through
the hand-off (one row per approved request, written in the same transaction as the approval)
and nothing about the applicant beyond the kind of investor: no name, no personal number.
Category III permits are not stored here; they come from the ministry's register and are
joined in when the feed is read (``gateway/open/permits.py`` decides what enters).

The table sits on the store's shared metadata; migration ``0003_open_permits`` creates it.
``PermitRepository`` works inside a unit of work's transaction (``uow.bind(PermitRepository)``),
so a permit enters the register with the approval that issued it or not at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text, func, insert, select

from gateway.store.clock import utc_now
from gateway.store.tables import UtcDateTime, json_type, metadata

open_permits = Table(
    "open_permits",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("permit_number", String(60), nullable=False, unique=True),
    Column("request_id", String(36), unique=True),
    Column("kind", String(16), nullable=False),
    Column("category", String(3)),
    Column("municipality", String(2), nullable=False),
    Column("cadastral_zone", String(6), nullable=False),
    Column("parcel_number", String(9), nullable=False),
    Column("investor_type", String(16), nullable=False),
    Column("description", Text()),
    Column("conditions", json_type(), nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index(None, "municipality", "issued_at"),
)


@dataclass(frozen=True)
class MunicipalPermit:
    """A permit as the public may see it."""

    permit_number: str
    kind: str
    category: str | None
    municipality: str
    cadastral_zone: str
    parcel_number: str
    investor_type: str
    description: str | None
    applied_at: datetime
    issued_at: datetime
    source: str


class PermitRepository:
    """The register's rows, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def recorded_for(self, request_id: str) -> bool:
        """The request's permit is in the register already."""
        query = select(open_permits.c.id).where(open_permits.c.request_id == request_id)
        return self._conn.execute(query).first() is not None

    def number_taken(self, permit_number: str) -> bool:
        query = select(open_permits.c.id).where(open_permits.c.permit_number == permit_number)
        return self._conn.execute(query).first() is not None

    def category_of(self, permit_number: str) -> str | None:
        """The category of a registered permit (an occupancy certificate takes its permit's)."""
        query = select(open_permits.c.category).where(open_permits.c.permit_number == permit_number)
        return self._conn.execute(query).scalar()

    def add(self, permit: MunicipalPermit, *, request_id: str, now: datetime | None = None) -> None:
        """Enter a permit. Municipal permits publish no conditions (issue 16, item 4a)."""
        self._conn.execute(
            insert(open_permits),
            {
                **asdict(permit),
                "request_id": request_id,
                "conditions": [],
                "recorded_at": now or utc_now(),
            },
        )

    def version(self) -> str:
        """Changes whenever a permit enters, so a page cache can tell it is out of date."""
        count, last = self._conn.execute(select(func.count(), func.max(open_permits.c.id))).one()
        return f"{count}:{last}"

    def all(self) -> list[MunicipalPermit]:
        names = [field.name for field in fields(MunicipalPermit)]
        return [
            MunicipalPermit(**{name: row[name] for name in names})
            for row in self._conn.execute(select(open_permits)).mappings()
        ]
