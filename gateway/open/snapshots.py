"""The feeds' last good data in the store: loaded at start, kept after every refresh.

Only what changed is written. A refresh fetches ~500 documents every 20 s and almost all of
them come back as they were; for those only the time the source confirmed them moves, and all
of those times go in one ``UPDATE`` statement per refresh, run as one batch, not one write
per document. New content is upserted whole (several gateways may share one PostgreSQL and keep the
same documents); documents the source dropped are deleted.

A row whose record no longer reads under today's contract (the contract changed since it was
kept) is skipped at load with a warning: the next refresh replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from contracts.open_records import (
    CentralPermits,
    FiscalYears,
    MunicipalBudget,
    MunicipalRevenues,
    ProcurementReleases,
    UrbanPlans,
)
from gateway.open.feeds import FeedKey, FeedStore, Snapshot, SnapshotChanges
from gateway.open.tables import feed_snapshots
from gateway.store import Store
from gateway.store.tables import UtcDateTime

log = structlog.get_logger()

RECORD_TYPES: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (
        FiscalYears,
        MunicipalBudget,
        MunicipalRevenues,
        ProcurementReleases,
        UrbanPlans,
        CentralPermits,
    )
}
"""The records a snapshot may hold, by the name stored beside its JSON."""

_CONFIRM = (
    update(feed_snapshots)
    .where(feed_snapshots.c.feed_key == bindparam("key"))
    .values(fetched_at=bindparam("confirmed_at", type_=UtcDateTime()))
)
"""Built once and run as one batch (``executemany``) per refresh: a ``CASE`` over 500 keys
cost ~60 ms of CPU to compile each time, this ~6 ms on SQLite and ~15 ms on PostgreSQL."""


def key_text(key: FeedKey) -> str:
    kind, municipality, year = key
    return f"{kind}|{municipality or ''}|{year if year is not None else ''}"


class SnapshotRepository:
    """The ``open_feed_snapshots`` rows, inside a unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._upsert = (
            postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        )

    def all(self) -> list[tuple[FeedKey, Snapshot]]:
        loaded: list[tuple[FeedKey, Snapshot]] = []
        for row in self._conn.execute(select(feed_snapshots)).mappings():
            key: FeedKey = (row["kind"], row["scope"], row["year"])
            model = RECORD_TYPES.get(row["record_type"])
            try:
                if model is None:
                    raise LookupError(row["record_type"])
                record = model.model_validate_json(row["body"])
            except (LookupError, ValidationError) as exc:
                log.warning(
                    "open.snapshot.unreadable", feed_key=row["feed_key"], error=type(exc).__name__
                )
                continue
            loaded.append(
                (key, Snapshot(record, row["digest"], row["fetched_at"], row["changed_at"]))
            )
        return loaded

    def keep(self, changes: SnapshotChanges) -> None:
        if changes.changed:
            rows = [
                {
                    "feed_key": key_text(item.key),
                    "kind": item.key[0],
                    "scope": item.key[1],
                    "year": item.key[2],
                    "record_type": type(item.snapshot.record).__name__,
                    "digest": item.snapshot.digest,
                    "body": item.body,
                    "fetched_at": item.snapshot.fetched_at,
                    "changed_at": item.snapshot.changed_at,
                }
                for item in changes.changed
            ]
            statement = self._upsert(feed_snapshots)
            replaced = {
                name: statement.excluded[name]
                for name in ("record_type", "digest", "body", "fetched_at", "changed_at")
            }
            self._conn.execute(
                statement.on_conflict_do_update(index_elements=["feed_key"], set_=replaced), rows
            )
        if changes.confirmed:
            self._confirm(changes.confirmed)
        if changes.dropped:
            self._conn.execute(
                delete(feed_snapshots).where(
                    feed_snapshots.c.feed_key.in_([key_text(key) for key in changes.dropped])
                )
            )

    def _confirm(self, confirmed: Sequence[tuple[FeedKey, datetime]]) -> None:
        self._conn.execute(
            _CONFIRM,
            [{"key": key_text(key), "confirmed_at": moment} for key, moment in confirmed],
        )


class SnapshotArchive:
    """Loads the kept snapshots into a ``FeedStore`` and keeps what a refresh changed."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def load_into(self, feeds: FeedStore) -> int:
        with self._store.unit_of_work(read_only=True) as uow:
            snapshots = uow.bind(SnapshotRepository).all()
        count = feeds.load(snapshots)
        log.info("open.snapshots.loaded", count=count)
        return count

    def keep(self, feeds: FeedStore) -> SnapshotChanges:
        """Write what changed since the last call; on a database fault, try again next time."""
        changes = feeds.take_changes()
        if not changes:
            return changes
        try:
            with self._store.unit_of_work() as uow:
                uow.bind(SnapshotRepository).keep(changes)
                uow.commit()
        except SQLAlchemyError as exc:  # the store is unwell: the feeds go on from memory
            feeds.give_back(changes)
            log.warning("open.snapshots.keep_failed", error=type(exc).__name__)
            return SnapshotChanges()
        log.info(
            "open.snapshots.kept",
            changed=len(changes.changed),
            confirmed=len(changes.confirmed),
            dropped=len(changes.dropped),
        )
        return changes
