"""``Store.run``: store work runs at once when it can, waits in a thread when it must.

Another process holding SQLite's write lock is caused for real here: a second connection to
the same file, from outside the store, in a ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import replace

from gateway.store import Store
from tests.integration.store.builders import new_request


def _thread_of(store: Store, request_id: str) -> str:
    with store.unit_of_work() as uow:
        uow.requests.add(replace(new_request(), id=request_id))
        uow.commit()
    return threading.current_thread().name


def _stored(store: Store, request_id: str) -> bool:
    with store.unit_of_work(read_only=True) as uow:
        return uow.requests.get(request_id) is not None


def test_sqlite_work_runs_on_the_caller_s_thread_when_nothing_else_writes(
    sqlite_url: str,
) -> None:
    store = Store.from_url(sqlite_url)
    try:
        caller = threading.current_thread().name
        ran_on = asyncio.run(store.run(_thread_of, store, "req-1", writes=True))
        assert ran_on == caller
        assert asyncio.run(store.run(_stored, store, "req-1", writes=False))
    finally:
        store.close()


def test_sqlite_work_waits_in_a_thread_while_another_process_holds_the_lock(
    sqlite_url: str,
) -> None:
    store = Store.from_url(sqlite_url)
    other = sqlite3.connect(
        sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    try:
        other.execute("BEGIN IMMEDIATE")

        async def scenario() -> tuple[str, bool, bool]:
            work = asyncio.create_task(store.run(_thread_of, store, "req-2", writes=True))
            # The loop keeps turning while the work waits for the other writer: a stalled
            # loop would never get past these yields (and the work, waiting on the lock the
            # loop is to release, would give up with "database is locked").
            for _ in range(50):
                await asyncio.sleep(0)
            waited = not work.done() and not _stored(store, "req-2")
            other.execute("COMMIT")
            ran_on = await asyncio.wait_for(work, timeout=60)
            return ran_on, waited, _stored(store, "req-2")

        ran_on, waited, stored = asyncio.run(scenario())
        assert waited, "the work waited for the other writer, and the loop ran meanwhile"
        assert ran_on != threading.current_thread().name
        assert stored
    finally:
        other.close()
        store.close()


def test_postgresql_work_always_runs_in_a_thread(postgres_url: str) -> None:
    store = Store.from_url(postgres_url)
    try:
        ran_on = asyncio.run(store.run(_thread_of, store, "req-3", writes=True))
        assert ran_on != threading.current_thread().name
        assert asyncio.run(store.run(_stored, store, "req-3", writes=False))
    finally:
        store.close()
