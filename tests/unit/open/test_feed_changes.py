"""What the feed store tells the snapshot archive to write: new content whole, a confirmation
as a time only, a dropped document as a deletion, and nothing at all twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.open_records import FiscalYears
from gateway.open.feeds import FeedStore

START = datetime(2026, 11, 1, tzinfo=UTC)
TREASURY = ("years", "treasury", None)
PROCUREMENT = ("years", "procurement", None)


def test_new_content_is_written_whole_and_a_confirmation_only_moves_the_time() -> None:
    store = FeedStore()
    store.put(TREASURY, FiscalYears(years=(2025,)), START)
    first = store.take_changes()
    assert [item.key for item in first.changed] == [TREASURY]
    assert first.changed[0].body == '{"years":[2025]}'

    store.put(TREASURY, FiscalYears(years=(2025,)), START + timedelta(seconds=20))
    second = store.take_changes()
    assert second.changed == ()
    assert second.confirmed == ((TREASURY, START + timedelta(seconds=20)),)
    assert not store.take_changes(), "what was taken is not taken again"


def test_content_that_changes_again_before_it_is_written_is_written_once_as_it_is_now() -> None:
    store = FeedStore()
    store.put(TREASURY, FiscalYears(years=(2025,)), START)
    store.put(TREASURY, FiscalYears(years=(2025, 2026)), START + timedelta(seconds=1))
    store.put(TREASURY, FiscalYears(years=(2025, 2026)), START + timedelta(seconds=2))
    changes = store.take_changes()
    assert changes.confirmed == ()
    (item,) = changes.changed
    assert item.body == '{"years":[2025,2026]}'
    assert item.snapshot.fetched_at == START + timedelta(seconds=2)


def test_a_dropped_document_is_deleted_and_changes_given_back_are_taken_again() -> None:
    store = FeedStore()
    store.put(TREASURY, FiscalYears(years=(2025,)), START)
    store.put(PROCUREMENT, FiscalYears(years=(2025,)), START)
    store.take_changes()
    store.drop(PROCUREMENT)
    store.put(TREASURY, FiscalYears(years=(2025,)), START + timedelta(seconds=20))
    failed_write = store.take_changes()
    assert failed_write.dropped == (PROCUREMENT,)

    store.give_back(failed_write)
    retried = store.take_changes()
    assert retried.dropped == (PROCUREMENT,)
    assert retried.confirmed == ((TREASURY, START + timedelta(seconds=20)),)


def test_loaded_snapshots_are_served_but_not_written_back() -> None:
    source = FeedStore()
    source.put(TREASURY, FiscalYears(years=(2025,)), START)
    loaded = FeedStore()
    assert loaded.load([(TREASURY, source.get(TREASURY))]) == 1  # type: ignore[list-item]
    assert loaded.get(TREASURY) == source.get(TREASURY)
    assert loaded.generation == 1
    assert not loaded.take_changes()
    assert not loaded.put(TREASURY, FiscalYears(years=(2025,)), START + timedelta(seconds=5))
