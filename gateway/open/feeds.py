"""The last good answer of every source document, with when it was fetched and last changed.

A key names one document of one source (``("budget", "19", 2025)``). The refresher puts what
it fetched; when a fetch fails the snapshot stays and the key is marked failing, so the feeds
keep serving the last good data and say how old it is. Nothing here knows HTTP; snapshots are
immutable and replaced whole, so readers (the API's event loop) never see half an update
from the refresher's thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
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


def digest_of(record: BaseModel) -> str:
    return hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:32]


class FeedStore:
    """Snapshots by key, plus which keys' last refresh failed and since when."""

    def __init__(self) -> None:
        self._snapshots: dict[FeedKey, Snapshot] = {}
        self._failures: dict[FeedKey, Failure] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """Incremented on every change of content, so caches can tell they are out of date."""

    def put(self, key: FeedKey, record: BaseModel, now: datetime) -> bool:
        """Record a successful fetch; True when the content changed."""
        previous = self._snapshots.get(key)
        if previous is not None and previous.record is record:
            # The very record again (the adapter saw the same bytes): no digest to compute.
            with self._lock:
                self._failures.pop(key, None)
                self._snapshots[key] = Snapshot(record, previous.digest, now, previous.changed_at)
            return False
        digest = digest_of(record)
        with self._lock:
            self._failures.pop(key, None)
            previous = self._snapshots.get(key)
            if previous is not None and previous.digest == digest:
                self._snapshots[key] = Snapshot(previous.record, digest, now, previous.changed_at)
                return False
            self._snapshots[key] = Snapshot(record, digest, now, now)
            self.generation += 1
            return True

    def drop(self, key: FeedKey) -> None:
        """The source says the document no longer exists (not a failure)."""
        with self._lock:
            self._failures.pop(key, None)
            if self._snapshots.pop(key, None) is not None:
                self.generation += 1

    def failed(self, key: FeedKey, code: str, now: datetime) -> None:
        with self._lock:
            if key not in self._failures:
                self._failures[key] = Failure(now, code)

    def get(self, key: FeedKey) -> Snapshot | None:
        return self._snapshots.get(key)

    def failure(self, key: FeedKey) -> Failure | None:
        return self._failures.get(key)

    def keys(self, kind: str) -> list[FeedKey]:
        return [key for key in list(self._snapshots) if key[0] == kind]

    def failing(self, keys: Iterable[FeedKey]) -> list[FeedKey]:
        return [key for key in keys if key in self._failures]
