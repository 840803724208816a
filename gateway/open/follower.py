"""The feeds of an instance that does not refresh them: followed from the store.

The feed refresher runs once per deployment, under a lease (``gateway.leased_worker``); the
holder keeps what it fetched in the store after every refresh. Every other instance, and one
whose refresher is off, runs a ``SnapshotFollower``: every ``period_s`` it reads one cheap row
(``SnapshotArchive.version``) and, when that moved, makes its feeds what the store keeps
(``follow_into``, which reads only the bodies it does not have). So every instance serves
the same data within a period of the holder's refresh. While the refresher runs in this
process the follower only watches: the feeds are then the store's source, not its copy.
"""

from __future__ import annotations

import threading

import structlog
from sqlalchemy.exc import SQLAlchemyError

from gateway.open.feeds import FeedStore
from gateway.open.refresher import FeedRefresher
from gateway.open.snapshots import SnapshotArchive
from gateway.store.feed_snapshots import SnapshotsVersion

log = structlog.get_logger()


class SnapshotFollower:
    """Keeps a ``FeedStore`` what the store holds, while this process does not refresh it."""

    def __init__(
        self,
        archive: SnapshotArchive,
        feeds: FeedStore,
        *,
        period_s: float,
        refresher: FeedRefresher | None = None,
    ) -> None:
        self._archive = archive
        self._feeds = feeds
        self._period_s = period_s
        self._refresher = refresher
        self._seen: SnapshotsVersion | None = None
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self.follows = 0
        """How many times the feeds were made what the store holds (for readiness, tests)."""

    @property
    def following(self) -> bool:
        """True while another process (or nobody here) refreshes the feeds."""
        return self._refresher is None or not self._refresher.running

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the feed follower is already running")
        self._halt.clear()
        self._thread = threading.Thread(target=self._run, name="open-data-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._halt.wait(self._period_s):
            try:
                self.follow_once()
            except SQLAlchemyError as exc:  # the store is unwell: serve what is held
                log.warning("open.follow.failed", error=type(exc).__name__)

    def follow_once(self) -> bool:
        """Take the store's snapshots if they moved since last time; True when content did."""
        if not self.following:
            self._seen = None
            return False
        version = self._archive.version()
        if version == self._seen:
            return False
        changed = self._archive.follow_into(self._feeds)
        self._seen = version
        self.follows += 1
        if changed:
            log.info("open.follow.changed", generation=self._feeds.generation)
        return changed
