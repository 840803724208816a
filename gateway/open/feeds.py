"""The last good answer of every source document, with when it was fetched and last changed.

A key names one document of one source (``("budget", "19", 2025)``). The refresher puts what
it fetched; when a fetch fails the snapshot stays and the key is marked failing, so the feeds
keep serving the last good data and say how old it is. Nothing here knows HTTP; snapshots are
immutable and replaced whole, so readers (the API's event loop) never see half an update
from the refresher's thread.

The store also remembers what changed since it was last asked (``take_changes``), so that the
snapshots can be kept in the database (``gateway/open/snapshots.py``) without writing the
~500 documents of a refresh again when only their confirmation time moved. A gateway that
starts ``load``\\ s them back, and serves them with their true age while a source is down.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

FeedKey = tuple[str, str | None, int | None]
"""(document kind, municipality code or None, year or None)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    record: BaseModel
    digest: str
    fetched_at: datetime
    """The last time the source confirmed this content."""
    changed_at: datetime
    """When the gateway first saw this content (Last-Modified when the source gives none)."""


@dataclass(frozen=True, slots=True)
class Failure:
    since: datetime
    code: str


@dataclass(frozen=True, slots=True)
class ChangedSnapshot:
    key: FeedKey
    snapshot: Snapshot
    body: str
    """The record's JSON, exactly as its digest was taken of it."""


@dataclass(frozen=True, slots=True)
class SnapshotChanges:
    """What happened to the snapshots since the last ``take_changes``."""

    changed: tuple[ChangedSnapshot, ...] = ()
    """New content: to be written whole."""
    confirmed: tuple[tuple[FeedKey, datetime], ...] = ()
    """Same content, confirmed again by the source at that time: only the time moves."""
    dropped: tuple[FeedKey, ...] = ()
    """The source says these documents no longer exist."""

    def __bool__(self) -> bool:
        return bool(self.changed or self.confirmed or self.dropped)


def _canonical(record: BaseModel) -> tuple[str, str]:
    body = record.model_dump_json()
    return body, hashlib.sha256(body.encode()).hexdigest()[:32]


def digest_of(record: BaseModel) -> str:
    return _canonical(record)[1]


@dataclass
class _Pending:
    changed: dict[FeedKey, str] = field(default_factory=dict)
    confirmed: set[FeedKey] = field(default_factory=set)
    dropped: set[FeedKey] = field(default_factory=set)


class FeedStore:
    """Snapshots by key, plus which keys' last refresh failed and since when."""

    def __init__(self) -> None:
        self._snapshots: dict[FeedKey, Snapshot] = {}
        self._failures: dict[FeedKey, Failure] = {}
        self._pending = _Pending()
        self._lock = threading.Lock()
        self.generation = 0
        """Incremented on every change of content, so caches can tell they are out of date."""

    def put(self, key: FeedKey, record: BaseModel, now: datetime) -> bool:
        """Record a successful fetch; True when the content changed."""
        previous = self._snapshots.get(key)
        if previous is not None and previous.record is record:
            # The very record again (the adapter saw the same bytes): no digest to compute.
            body, digest = "", previous.digest
        else:
            body, digest = _canonical(record)
        with self._lock:
            self._failures.pop(key, None)
            previous = self._snapshots.get(key)
            if previous is not None and previous.digest == digest:
                # The record of this fetch is kept, so that the next fetch returning it
                # (a remembered answer) is known by identity, also after a restart's load.
                self._snapshots[key] = Snapshot(record, digest, now, previous.changed_at)
                if key not in self._pending.changed:
                    self._pending.confirmed.add(key)
                return False
            self._snapshots[key] = Snapshot(record, digest, now, now)
            # ``body`` is empty only when another writer moved the snapshot meanwhile.
            self._pending.changed[key] = body or _canonical(record)[0]
            self._pending.confirmed.discard(key)
            self._pending.dropped.discard(key)
            self.generation += 1
            return True

    def drop(self, key: FeedKey) -> None:
        """The source says the document no longer exists (not a failure)."""
        with self._lock:
            self._failures.pop(key, None)
            if self._snapshots.pop(key, None) is not None:
                self.generation += 1
                self._pending.changed.pop(key, None)
                self._pending.confirmed.discard(key)
                self._pending.dropped.add(key)

    def failed(self, key: FeedKey, code: str, now: datetime) -> None:
        with self._lock:
            if key not in self._failures:
                self._failures[key] = Failure(now, code)

    def load(self, snapshots: Iterable[tuple[FeedKey, Snapshot]]) -> int:
        """Put back snapshots kept from an earlier run (at start, before any refresh)."""
        count = 0
        with self._lock:
            for key, snapshot in snapshots:
                self._snapshots[key] = snapshot
                count += 1
            if count:
                self.generation += 1
        return count

    def follow(self, snapshots: dict[FeedKey, Snapshot]) -> bool:
        """Become exactly what the deployment's refresher kept (an instance that does not
        refresh); True when any content changed. Nothing is left to keep afterwards."""
        with self._lock:
            changed = snapshots.keys() != self._snapshots.keys() or any(
                self._snapshots[key].digest != snapshot.digest
                for key, snapshot in snapshots.items()
            )
            self._snapshots = dict(snapshots)
            self._failures.clear()
            self._pending = _Pending()
            if changed:
                self.generation += 1
        return changed

    def take_changes(self) -> SnapshotChanges:
        """What changed since the last call, and forget it (``give_back`` if it was not kept)."""
        with self._lock:
            pending, self._pending = self._pending, _Pending()
            changed = tuple(
                ChangedSnapshot(key, self._snapshots[key], body)
                for key, body in pending.changed.items()
                if key in self._snapshots
            )
            confirmed = tuple(
                (key, self._snapshots[key].fetched_at)
                for key in pending.confirmed
                if key in self._snapshots
            )
        return SnapshotChanges(changed, confirmed, tuple(pending.dropped))

    def give_back(self, changes: SnapshotChanges) -> None:
        """Changes that could not be kept: take them again next time, unless overtaken."""
        with self._lock:
            pending = self._pending
            for item in changes.changed:
                current = self._snapshots.get(item.key)
                same = current is not None and current.digest == item.snapshot.digest
                if same and item.key not in pending.changed:
                    pending.changed[item.key] = item.body
                    pending.confirmed.discard(item.key)
            for key, _ in changes.confirmed:
                if key in self._snapshots and key not in pending.changed:
                    pending.confirmed.add(key)
            for key in changes.dropped:
                if key not in self._snapshots:
                    pending.dropped.add(key)

    def get(self, key: FeedKey) -> Snapshot | None:
        return self._snapshots.get(key)

    def failure(self, key: FeedKey) -> Failure | None:
        return self._failures.get(key)

    def keys(self, kind: str) -> list[FeedKey]:
        return [key for key in list(self._snapshots) if key[0] == kind]

    def failing(self, keys: Iterable[FeedKey]) -> list[FeedKey]:
        return [key for key in keys if key in self._failures]
