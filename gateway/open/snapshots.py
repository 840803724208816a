"""The feeds' last good data in the store: loaded at start, kept after every refresh.

Only what changed is written. A refresh fetches ~500 documents every 20 s and almost all of
them come back as they were; for those only the time the source confirmed them moves, and all
of those times go in one ``UPDATE`` statement per refresh, run as one batch, not one write
per document. New content is upserted whole (several gateways may share one PostgreSQL and keep the
same documents); documents the source dropped are deleted.

An instance that does not refresh the feeds (another holds the refresher's lease, or its
refresher is off) follows the kept rows (``follow_into``): it reads the rows' digests and times,
and the bodies only of the documents whose digest it does not have yet.

A row whose record no longer reads under today's contract (the contract changed since it was
kept) is skipped at load with a warning: the next refresh replaces it.
"""

from __future__ import annotations

import structlog
from pydantic import BaseModel, ValidationError
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
from gateway.store import Store
from gateway.store.feed_snapshots import (
    SnapshotRepository,
    SnapshotsVersion,
    StoredSnapshot,
    key_text,
)

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


def _loaded(stored: StoredSnapshot) -> Snapshot | None:
    """The kept row as a snapshot, or None when its record no longer reads."""
    model = RECORD_TYPES.get(stored.record_type)
    try:
        if model is None:
            raise LookupError(stored.record_type)
        record = model.model_validate_json(stored.body)
    except (LookupError, ValidationError) as exc:
        log.warning(
            "open.snapshot.unreadable", feed_key=key_text(stored.key), error=type(exc).__name__
        )
        return None
    return Snapshot(record, stored.digest, stored.fetched_at, stored.changed_at)


def _kept(changes: SnapshotChanges, snapshots: SnapshotRepository) -> None:
    snapshots.put(
        [
            StoredSnapshot(
                key=item.key,
                record_type=type(item.snapshot.record).__name__,
                digest=item.snapshot.digest,
                body=item.body,
                fetched_at=item.snapshot.fetched_at,
                changed_at=item.snapshot.changed_at,
            )
            for item in changes.changed
        ]
    )
    snapshots.confirm(changes.confirmed)
    snapshots.drop(changes.dropped)


class SnapshotArchive:
    """Loads the kept snapshots into a ``FeedStore`` and keeps what a refresh changed."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def load_into(self, feeds: FeedStore) -> int:
        with self._store.unit_of_work(read_only=True) as uow:
            stored = uow.bind(SnapshotRepository).all()
        snapshots: list[tuple[FeedKey, Snapshot]] = []
        for item in stored:
            snapshot = _loaded(item)
            if snapshot is not None:
                snapshots.append((item.key, snapshot))
        count = feeds.load(snapshots)
        log.info("open.snapshots.loaded", count=count)
        return count

    def version(self) -> SnapshotsVersion:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(SnapshotRepository).version()

    def follow_into(self, feeds: FeedStore) -> bool:
        """Make ``feeds`` what the store keeps; True when any content changed."""
        with self._store.unit_of_work(read_only=True) as uow:
            rows = uow.bind(SnapshotRepository)
            heads = rows.heads()
            unknown = [
                head.key
                for head in heads
                if (held := feeds.get(head.key)) is None or held.digest != head.digest
            ]
            fetched = rows.some(unknown)
        loaded = {item.key: snapshot for item in fetched if (snapshot := _loaded(item))}
        snapshots: dict[FeedKey, Snapshot] = {}
        for head in heads:
            held = loaded.get(head.key) or feeds.get(head.key)
            if held is not None and held.digest == head.digest:
                snapshots[head.key] = Snapshot(
                    held.record, head.digest, head.fetched_at, head.changed_at
                )
        return feeds.follow(snapshots)

    def keep(self, feeds: FeedStore) -> SnapshotChanges:
        """Write what changed since the last call; on a database fault, try again next time."""
        changes = feeds.take_changes()
        if not changes:
            return changes
        try:
            with self._store.unit_of_work() as uow:
                _kept(changes, uow.bind(SnapshotRepository))
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
