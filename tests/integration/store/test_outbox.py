"""The outbox: claims are leases, rows leave only when marked published, racers never share."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from gateway.store import OutboxKind, Store
from gateway.store.clock import utc_now


def _add_rows(store: Store, count: int, kind: OutboxKind = OutboxKind.HANDOFF) -> list[str]:
    message_ids = [str(uuid.uuid4()) for _ in range(count)]
    with store.unit_of_work() as uow:
        for message_id in message_ids:
            uow.outbox.add(kind, message_id=message_id, destination="19.civil.x", body="{}")
        uow.commit()
    return message_ids


def _claim(store: Store, owner: str, limit: int = 10, now: datetime | None = None) -> list[str]:
    with store.unit_of_work() as uow:
        claimed = uow.outbox.claim(
            OutboxKind.HANDOFF, owner=owner, limit=limit, lease_s=30, now=now
        )
        uow.commit()
    return [message.message_id for message in claimed]


def test_claims_take_the_oldest_rows_of_their_kind_first(store: Store) -> None:
    handoffs = _add_rows(store, 5)
    _add_rows(store, 3, OutboxKind.CALLBACK)

    assert _claim(store, "relay-a", limit=3) == handoffs[:3]
    assert _claim(store, "relay-b", limit=10) == handoffs[3:]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(store: Store) -> None:
    (message_id,) = _add_rows(store, 1)
    assert _claim(store, "relay-a") == [message_id]
    assert _claim(store, "relay-b") == []
    later = utc_now() + timedelta(seconds=31)
    assert _claim(store, "relay-b", now=later) == [message_id]


def test_released_rows_come_back_and_published_rows_never_do(store: Store) -> None:
    first, second = _add_rows(store, 2)
    with store.unit_of_work() as uow:
        claimed = uow.outbox.claim(OutboxKind.HANDOFF, owner="relay", limit=2, lease_s=30)
        by_message = {message.message_id: message.id for message in claimed}
        uow.outbox.mark_published([by_message[first]])
        uow.outbox.release([by_message[second]], error="channel closed")
        uow.commit()

    with store.unit_of_work() as uow:
        again = uow.outbox.claim(OutboxKind.HANDOFF, owner="relay", limit=10, lease_s=30)
        row = uow.outbox.get(second)
        uow.commit()
    assert [message.message_id for message in again] == [second]
    assert again[0].attempts == 1
    assert row is not None and row["last_error"] == "channel closed"


def test_a_release_with_delay_holds_the_row_back(store: Store) -> None:
    (message_id,) = _add_rows(store, 1)
    with store.unit_of_work() as uow:
        claimed = uow.outbox.claim(OutboxKind.HANDOFF, owner="relay", limit=1, lease_s=30)
        uow.outbox.release([claimed[0].id], error="unroutable", delay_s=60)
        uow.commit()

    assert _claim(store, "relay") == []
    assert _claim(store, "relay", now=utc_now() + timedelta(seconds=61)) == [message_id]


def test_a_stopping_sender_gives_back_all_it_holds(store: Store) -> None:
    message_ids = _add_rows(store, 4)
    _claim(store, "relay-a", limit=4)
    with store.unit_of_work() as uow:
        assert uow.outbox.release_claims_of("relay-a") == 4
        uow.commit()
    assert _claim(store, "relay-b") == message_ids


def test_failed_rows_leave_the_backlog_but_stay_for_operators(store: Store) -> None:
    (message_id,) = _add_rows(store, 1, OutboxKind.CALLBACK)
    with store.unit_of_work() as uow:
        (claimed,) = uow.outbox.claim(OutboxKind.CALLBACK, owner="cb", limit=1, lease_s=30)
        uow.outbox.fail([claimed.id], error="HTTP 410")
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        row = uow.outbox.get(message_id)
    assert store.outbox_stats().depth == 0
    assert row is not None and row["failed_at"] is not None and row["last_error"] == "HTTP 410"


def test_stats_report_depth_and_the_oldest_unsent_row(store: Store) -> None:
    before = datetime.now(UTC)
    _add_rows(store, 3)
    _add_rows(store, 2, OutboxKind.CALLBACK)

    stats = store.outbox_stats()
    assert stats.depth == 5
    assert stats.by_kind == {"handoff": 3, "callback": 2}
    assert stats.oldest_created_at is not None and stats.oldest_created_at >= before
    assert stats.oldest_age_s(stats.oldest_created_at + timedelta(seconds=7)) == 7.0


def test_concurrent_claimers_never_take_the_same_row(store: Store) -> None:
    """The race of two (here four) relays: on PostgreSQL this exercises SKIP LOCKED."""
    message_ids = _add_rows(store, 400)
    taken: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def claim_until_empty(owner: str) -> None:
        start.wait()
        mine: list[str] = []
        while batch := _claim(store, owner, limit=7):
            mine.extend(batch)
        taken[owner] = mine

    threads = [threading.Thread(target=claim_until_empty, args=(f"r{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = [message_id for batch in taken.values() for message_id in batch]
    assert sorted(everything) == sorted(message_ids)
    assert len(set(everything)) == len(everything)
