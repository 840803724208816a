"""Complaint writes queue on the Store's SQLite write lock, like every other write.

Writers of one process queue on that lock, where they wake the moment it is free; left to
SQLite's busy handler they sleep in steps of up to 100 ms, which once made an accept's p99 a
second. The complaints desk used to open its own unit of work on ``store.engine`` and so
went around the lock. To see which of the two a writer meets, the store here runs with
SQLite's busy timeout at zero: a writer that meets SQLite's lock instead of the Store's
fails at once with "database is locked", where a queued one waits its turn and succeeds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from gateway.store import Store, migrate
from gateway.store.complaints import ComplaintRepository
from gateway.store.database import create_store_engine
from tests.integration.complaints.builders import desk_on, submission
from tests.integration.store.builders import new_request

HOLD_S = 1.0
"""How long the first complaint keeps its transaction open for the second writer to arrive."""


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    """A store whose writers can only wait for one another on the Store's own lock."""
    migrate(sqlite_url)
    engine = create_store_engine(sqlite_url)

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        # Runs after the store's own connect hook, which set a busy timeout of 30 s.
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    built = Store(engine)
    try:
        yield built
    finally:
        built.close()


def _while_a_complaint_is_being_written(store: Store, second: Callable[[], object]) -> list[str]:
    """Submit a complaint; while its transaction is open, run ``second`` in another thread.

    Returns who committed, in order ("complaint", "second"); raises what either raised.
    """
    desk = desk_on(store)
    inside, second_done = threading.Event(), threading.Event()
    writer_of_the_complaint: list[int] = []
    commits: list[str] = []
    errors: list[BaseException] = []

    def hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO complaints") and not inside.is_set():
            writer_of_the_complaint.append(threading.get_ident())
            inside.set()
            second_done.wait(timeout=HOLD_S)

    def committed(_conn: Any) -> None:
        first = threading.get_ident() in writer_of_the_complaint[:1]
        commits.append("complaint" if first else "second")

    def first_writer() -> None:
        try:
            asyncio.run(desk.submit("complaints-app", submission()))
        except BaseException as exc:  # reported below
            errors.append(exc)

    def second_writer() -> None:
        try:
            second()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            second_done.set()

    event.listen(store.engine, "after_cursor_execute", hold)
    event.listen(store.engine, "commit", committed)
    try:
        first = threading.Thread(target=first_writer)
        first.start()
        assert inside.wait(timeout=30), "the first complaint never reached its insert"
        other = threading.Thread(target=second_writer)
        other.start()
        first.join(timeout=60)
        other.join(timeout=60)
    finally:
        event.remove(store.engine, "after_cursor_execute", hold)
        event.remove(store.engine, "commit", committed)
    if errors:
        raise errors[0]
    return commits


def test_two_complaints_submitted_at_once_queue_on_the_store_s_write_lock(store: Store) -> None:
    desk = desk_on(store)
    order = _while_a_complaint_is_being_written(
        store, lambda: asyncio.run(desk.submit("complaints-app", submission("street-lighting")))
    )

    assert order == ["complaint", "second"], "the second waited for the first to commit"
    with store.unit_of_work(read_only=True) as uow:
        categories = {record.category for record in uow.bind(ComplaintRepository).search()}
    assert categories == {"road-damage", "street-lighting"}


def test_an_accept_waits_on_the_same_lock_as_a_complaint_being_written(store: Store) -> None:
    request = new_request()

    def accept() -> None:
        with store.unit_of_work() as uow:
            uow.requests.add(request)
            uow.commit()

    order = _while_a_complaint_is_being_written(store, accept)

    assert order == ["complaint", "second"], "the accept waited for the complaint to commit"
    with store.unit_of_work(read_only=True) as uow:
        assert uow.requests.get(request.id) is not None
