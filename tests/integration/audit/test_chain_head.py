"""The audit chain stays one unbroken chain when two processes append in turn, and when an
append is rolled back: no fork, no gap and no broken link, as ``audit verify`` walks it.

Kept from a try at skipping the head read on SQLite (each process remembering the head it
last wrote, checked by a conditional ``INSERT … SELECT``): that insert cost more than the
read it saved, so the store reads the head on every append; these are the ways such a
remembered head goes wrong, and any future shortcut must pass them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import SQLAlchemyError

from gateway.audit.chain import GENESIS
from gateway.store import Store
from gateway.store.audit import CHAIN_LOCK_IDLE_MS, AuditRepository


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: what two gateway processes on one file each hold."""
    first, second = Store.from_url(database_url), Store.from_url(database_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def append(store: Store, action: str, *, commit: bool = True) -> list[int]:
    with store.unit_of_work() as uow:
        seqs = uow.bind(AuditRepository).append(
            [("operator_action", {"action": action}), ("operator_action", {"action": action})],
            recorded_at=datetime.now(UTC),
        )
        if commit:
            uow.commit()
    return seqs


def assert_one_chain(store: Store, count: int) -> None:
    with store.unit_of_work(read_only=True) as uow:
        entries = list(uow.bind(AuditRepository).entries())
    assert [entry.seq for entry in entries] == list(range(1, count + 1))
    previous = GENESIS
    for entry in entries:
        assert entry.prev_hash == previous, f"entry {entry.seq} links to another entry"
        assert entry.recomputed() == entry.hash, f"entry {entry.seq} does not hash to itself"
        previous = entry.hash


def test_two_processes_appending_in_turn_keep_one_chain(two_processes):
    first, second = two_processes
    for turn in range(6):
        append(first if turn % 2 == 0 else second, f"turn {turn}")
    assert_one_chain(first, 12)


def test_an_append_rolled_back_leaves_no_gap(two_processes):
    store, _ = two_processes
    append(store, "kept")
    append(store, "rolled back", commit=False)
    assert append(store, "after") == [3, 4]
    assert_one_chain(store, 4)


def test_a_process_stopped_holding_the_chains_lock_does_not_stop_the_others(
    postgres_url: str,
) -> None:
    """An append left uncommitted, as a process stopped between taking the chain's lock and
    its commit leaves it: another process's append still goes through, once PostgreSQL has
    ended the idle holder's session, and the stopped process's commit is refused."""
    stopped_store, other_store = Store.from_url(postgres_url), Store.from_url(postgres_url)
    done: list[list[int]] = []
    try:
        append(other_store, "before")
        with stopped_store.unit_of_work() as stopped:
            stopped.bind(AuditRepository).append(
                [("operator_action", {"action": "stopped"})], recorded_at=datetime.now(UTC)
            )
            other = threading.Thread(
                target=lambda: done.append(append(other_store, "meanwhile")), daemon=True
            )
            other.start()
            other.join(timeout=CHAIN_LOCK_IDLE_MS / 1000 + 30)
            assert done == [[3, 4]], "the other process still waits for the chain's lock"
            with pytest.raises(SQLAlchemyError):
                stopped.commit()
        assert_one_chain(other_store, 4)
    finally:
        stopped_store.close()
        other_store.close()
