"""One transaction, with the three repositories bound to it.

The accept path of an async route writes the request, its hand-off outbox row and the
idempotency answer here, and nothing is durable until ``commit()``: leaving the block
without committing (normally or by an exception) rolls everything back. That is what lets
the gateway promise that every 202 has its hand-off waiting in the outbox.

    with store.unit_of_work() as uow:
        uow.requests.add(new_request)
        uow.outbox.add_handoff(message)
        uow.idempotency.save(client_id, key, body_hash, 202, response)
        uow.commit()
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from gateway.store.outbox_signal import OutboxSignal
from gateway.store.prepared import driver_error
from gateway.store.repository import IdempotencyRepository, OutboxRepository, RequestRepository

READ_ONLY_OPTION = "ekomunat_read_only"

R = TypeVar("R")


def is_busy(error: OperationalError) -> bool:
    """SQLite could not take its lock: another connection holds the database."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(error.orig)


class UnitOfWork:
    """A context manager over one connection and one transaction; rolls back by default."""

    requests: RequestRepository
    outbox: OutboxRepository
    idempotency: IdempotencyRepository

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        write_lock: AbstractContextManager[Any] | None = None,
        busy_error: type[Exception] | None = None,
        outbox_signal: OutboxSignal | None = None,
    ) -> None:
        self._engine = engine
        self._outbox_signal = outbox_signal
        self._read_only = read_only
        self._write_lock = write_lock
        self._busy_error = busy_error
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._write_lock is not None:
            self._write_lock.__enter__()
        try:
            return self._begin()
        except BaseException:
            if self._write_lock is not None:
                self._write_lock.__exit__(None, None, None)
            raise

    def _begin(self) -> Self:
        connection = self._engine.connect()
        if self._read_only:
            connection = connection.execution_options(**{READ_ONLY_OPTION: True})
        try:
            connection.begin()
        except OperationalError as exc:
            connection.close()
            if self._busy_error is not None and is_busy(exc):
                raise self._busy_error() from exc
            raise
        self._connection = connection
        self.requests = RequestRepository(connection)
        self.outbox = OutboxRepository(connection)
        self.idempotency = IdempotencyRepository(connection)
        return self

    def bind(self, repository: Callable[[Connection], R]) -> R:
        """Another repository on this very transaction (a feature's own tables: acts,
        hearings, feed snapshots), so its rows commit with the rest or not at all."""
        return repository(self._open())

    def commit(self) -> None:
        """Make everything written so far durable; the unit of work can go on afterwards."""
        connection = self._open()
        try:
            connection.commit()
        except BaseException:
            # A refused COMMIT (SQLite's deferred foreign keys) can leave the driver's
            # transaction open while SQLAlchemy's has ended: closing the connection, not
            # returning it to the pool, is the one sure way to roll it back.
            connection.invalidate()
            raise
        added = self.outbox.take_added_kinds()
        if added and self._outbox_signal is not None:
            self._outbox_signal.fire(added)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint: leaving the block by an exception rolls back to it, and only that
        (gateway/store/group_commit.py writes each request of a batch under one).

        Sent on the driver's connection, as the hot statements are (gateway/store/prepared.py):
        SQLAlchemy's ``begin_nested`` cost two Core executions per request of a batch.
        """
        connection = self._open()
        driver = connection.connection.driver_connection
        if driver is None:  # only once closed; this one is in use
            raise RuntimeError("the unit of work's connection is closed")
        errors = connection.dialect.loaded_dbapi.Error

        def send(statement: str) -> None:
            try:
                driver.execute(statement)
            except errors as exc:
                raise driver_error(connection, statement, exc) from exc

        send("SAVEPOINT request")
        try:
            yield
        except BaseException:
            send("ROLLBACK TO SAVEPOINT request")
            send("RELEASE SAVEPOINT request")
            raise
        send("RELEASE SAVEPOINT request")

    def rollback(self) -> None:
        self._open().rollback()
        self.outbox.take_added_kinds()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection = self._open()
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
            self._connection = None
            if self._write_lock is not None:
                self._write_lock.__exit__(None, None, None)

    def _open(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside its with-block")
        return self._connection
