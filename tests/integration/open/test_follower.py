"""An instance that does not refresh the feeds follows what the refresher's holder keeps:
new content, confirmations, and documents the source dropped, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.open_records import FiscalYears
from gateway.open.feeds import FeedStore
from gateway.open.follower import SnapshotFollower
from gateway.open.snapshots import SnapshotArchive
from gateway.store import Store

MOMENT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TREASURY = ("years", "treasury", None)
PROCUREMENT = ("years", "procurement", None)


def test_a_follower_serves_what_the_holder_kept_and_nothing_it_dropped(store: Store) -> None:
    archive = SnapshotArchive(store)
    holder, followed = FeedStore(), FeedStore()
    follower = SnapshotFollower(archive, followed, period_s=1.0)

    holder.put(TREASURY, FiscalYears(years=(2025, 2026)), MOMENT)
    holder.put(PROCUREMENT, FiscalYears(years=(2025,)), MOMENT)
    archive.keep(holder)
    assert follower.follow_once()
    generation = followed.generation
    assert followed.get(TREASURY).record == FiscalYears(years=(2025, 2026))

    # Confirmed again, unchanged: the age moves, the content (and its caches) do not.
    later = MOMENT + timedelta(seconds=20)
    holder.put(TREASURY, FiscalYears(years=(2025, 2026)), later)
    archive.keep(holder)
    assert not follower.follow_once()
    assert followed.get(TREASURY).fetched_at == later
    assert followed.generation == generation

    # Nothing kept since: nothing read but the one version row, nothing changes.
    assert not follower.follow_once()

    # New content and a dropped document.
    holder.put(TREASURY, FiscalYears(years=(2025, 2026, 2027)), later)
    holder.drop(PROCUREMENT)
    archive.keep(holder)
    assert follower.follow_once()
    assert followed.get(TREASURY).record == FiscalYears(years=(2025, 2026, 2027))
    assert followed.get(PROCUREMENT) is None
    assert followed.generation > generation
