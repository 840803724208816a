"""The open-data feeds' part of the store: the last good answer of every source document.

``open_feed_snapshots`` holds one row per feed key (document kind, scope, year; the scope is
a municipality or a source) with the record's JSON, the name of its record type, its
digest, when the source last confirmed it and when it last changed. A gateway restarted
while a source is down still has something true to serve. What a record type means, and
which rows still read under today's contracts, is the feeds' business
(``gateway/open/snapshots.py``); here are only the rows.

The table sits on the store's shared metadata; migration ``0004_open_feed_snapshots`` creates
it. ``SnapshotRepository`` works inside a unit of work's transaction
(``uow.bind(SnapshotRepository)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from gateway.store.tables import UtcDateTime, metadata

SnapshotKey = tuple[str, str | None, int | None]
"""(document kind, municipality code or source, year or None)."""

feed_snapshots = Table(
    "open_feed_snapshots",
    metadata,
    Column("feed_key", String(80), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("scope", String(32)),
    Column("year", Integer()),
    Column("record_type", String(64), nullable=False),
    Column("digest", String(32), nullable=False),
    Column("body", Text(), nullable=False),
    Column("fetched_at", UtcDateTime(), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

_CONFIRM = (
    update(feed_snapshots)
    .where(feed_snapshots.c.feed_key == bindparam("key"))
    .values(fetched_at=bindparam("confirmed_at", type_=UtcDateTime()))
)
"""Built once and run as one batch (``executemany``) per refresh: a ``CASE`` over 500 keys
cost ~60 ms of CPU to compile each time, this ~6 ms on SQLite and ~15 ms on PostgreSQL."""

_REPLACED = ("record_type", "digest", "body", "fetched_at", "changed_at")


def key_text(key: SnapshotKey) -> str:
    """The row's primary key, spelled from the feed key."""
    kind, scope, year = key
    return f"{kind}|{scope or ''}|{year if year is not None else ''}"


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """One kept document: its record's JSON as its digest was taken of it."""

    key: SnapshotKey
    record_type: str
    digest: str
    body: str
    fetched_at: datetime
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class SnapshotHead:
    """A kept document without its body: enough to tell whether a copy of it is current."""

    key: SnapshotKey
    digest: str
    fetched_at: datetime
    changed_at: datetime


SnapshotsVersion = tuple[int, datetime | None, datetime | None]
"""(rows, latest confirmation, latest change): moves whenever the kept snapshots do."""


class SnapshotRepository:
    """The ``open_feed_snapshots`` rows, inside a unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._upsert = (
            postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        )

    def all(self) -> list[StoredSnapshot]:
        return self._stored(select(feed_snapshots))

    def _stored(self, query: Select[Any]) -> list[StoredSnapshot]:
        return [
            StoredSnapshot(
                key=(row["kind"], row["scope"], row["year"]),
                record_type=row["record_type"],
                digest=row["digest"],
                body=row["body"],
                fetched_at=row["fetched_at"],
                changed_at=row["changed_at"],
            )
            for row in self._conn.execute(query).mappings()
        ]

    def version(self) -> SnapshotsVersion:
        """One cheap row that changes whenever a refresh kept anything (a follower's poll)."""
        c = feed_snapshots.c
        row = self._conn.execute(
            select(func.count(), func.max(c.fetched_at), func.max(c.changed_at))
        ).one()
        return int(row[0]), row[1], row[2]

    def heads(self) -> list[SnapshotHead]:
        c = feed_snapshots.c
        return [
            SnapshotHead(
                (row.kind, row.scope, row.year), row.digest, row.fetched_at, row.changed_at
            )
            for row in self._conn.execute(
                select(c.kind, c.scope, c.year, c.digest, c.fetched_at, c.changed_at)
            )
        ]

    def some(self, keys: Sequence[SnapshotKey]) -> list[StoredSnapshot]:
        """The kept documents of ``keys`` (those still kept), bodies and all."""
        if not keys:
            return []
        wanted = feed_snapshots.c.feed_key.in_([key_text(key) for key in keys])
        return self._stored(select(feed_snapshots).where(wanted))

    def put(self, snapshots: Sequence[StoredSnapshot]) -> None:
        """Write new content whole: several gateways sharing one PostgreSQL keep the same keys."""
        if not snapshots:
            return
        rows = [
            {
                "feed_key": key_text(item.key),
                "kind": item.key[0],
                "scope": item.key[1],
                "year": item.key[2],
                "record_type": item.record_type,
                "digest": item.digest,
                "body": item.body,
                "fetched_at": item.fetched_at,
                "changed_at": item.changed_at,
            }
            for item in snapshots
        ]
        statement = self._upsert(feed_snapshots)
        replaced = {name: statement.excluded[name] for name in _REPLACED}
        self._conn.execute(
            statement.on_conflict_do_update(index_elements=["feed_key"], set_=replaced), rows
        )

    def confirm(self, confirmed: Sequence[tuple[SnapshotKey, datetime]]) -> None:
        """Same content again: only the time the source confirmed it moves, in one batch."""
        if not confirmed:
            return
        self._conn.execute(
            _CONFIRM,
            [{"key": key_text(key), "confirmed_at": moment} for key, moment in confirmed],
        )

    def drop(self, keys: Sequence[SnapshotKey]) -> None:
        if not keys:
            return
        self._conn.execute(
            delete(feed_snapshots).where(
                feed_snapshots.c.feed_key.in_([key_text(key) for key in keys])
            )
        )
