"""The store as the rest of the gateway sees it: an engine, migrations, units of work.

SQLite (WAL) is the default and needs no set-up; PostgreSQL is used when the URL says so
(``GATEWAY_DATABASE_URL``). Both run the same migrations and the same repository code.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from gateway.store.group_commit import GroupCommit
from gateway.store.migrations import migrate_engine
from gateway.store.outbox_signal import OutboxSignal
from gateway.store.records import OutboxKind, OutboxStats
from gateway.store.unit_of_work import READ_ONLY_OPTION, UnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRESQL_GROUP_WRITERS = 4
"""Group-commit batches in flight at once on PostgreSQL (gateway/store/group_commit.py): one
writer alone cut accepts at 64 connections by a quarter against a transaction per request
(bench/results/optimisation.md); SQLite has one writer at a time whatever this says."""
T = TypeVar("T")


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


ENGINE_OPTIONS: dict[str, Any] = {
    # JSON columns (payloads, answers, headers) are written on every accept: orjson encodes
    # them several times faster than the json module, into the same JSON text.
    "json_serializer": _json_text,
    "json_deserializer": orjson.loads,
    # Every unit of work ends its own transaction (commit, or rollback in __exit__), so the
    # pool's extra rollback on each check-in is a wasted statement per transaction.
    "pool_reset_on_return": None,
}


def normalise_url(url: str | URL) -> URL:
    """Pick the drivers we ship: psycopg 3 for PostgreSQL, the standard sqlite3 module."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in {None, "", ":memory:"}:
            raise ValueError(
                "the store needs a SQLite file; an in-memory database is per connection"
            )
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def _use_wal(cursor: Any, attempts: int = 100) -> None:
    """Switch a new file to WAL; the mode then stays with the file.

    The switch needs the file to itself, and SQLite refuses it at once (no busy wait: the
    connection would be promoting a read lock) while another process's first connection is
    migrating the same new file. That one switched already, so look, and wait a moment.
    """
    for _ in range(attempts):
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def _sqlite_engine(url: URL, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
        **ENGINE_OPTIONS,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Last: the pragmas above may wait for a migrating process whatever this engine is for.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead
        # of both reading, then one failing to upgrade its lock (SQLITE_BUSY mid-transaction).
        # Sent on the driver's connection: through exec_driver_sql it cost ~40 µs more, twice
        # per portal request. Its error is raised as Core would have raised it.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    return engine


def create_store_engine(url: str | URL, *, pool_size: int = 10, max_overflow: int = 10) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        **ENGINE_OPTIONS,
    )


class _InlineRun:
    """Marks a ``Store.run`` on the event loop's thread: its first unit of work must not wait."""

    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False


_inline_run: ContextVar[_InlineRun | None] = ContextVar("store_inline_run", default=None)


class StoreBusy(Exception):
    """Another process holds SQLite's write lock; the work has not started."""


class Store:
    """The durable store. Build once at start-up with ``Store.from_url`` and share it."""

    def __init__(
        self, engine: Engine, *, no_wait_engine: Engine | None = None, group_commit: int = 1
    ) -> None:
        self._engine = engine
        self._no_wait_engine = no_wait_engine
        self._group = None
        if group_commit > 1:
            writers = 1 if engine.dialect.name == "sqlite" else POSTGRESQL_GROUP_WRITERS
            self._group = GroupCommit(self, max_batch=group_commit, writers=writers)
        self.outbox_signal = OutboxSignal()
        """Fired after each commit that added outbox rows (``gateway.store.outbox_signal``)."""
        # SQLite has one writer at a time. Writers of this process queue on a lock, where
        # they wake the moment it is free; left to SQLite's busy handler they sleep in steps
        # of up to 100 ms, which made an accept's p99 a second under load
        # (bench/gateway_load.py). Other processes still meet the busy handler.
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        migrate: bool = True,
        group_commit: int = 1,
    ) -> Store:
        """Connect and bring the schema to the newest migration (safe to run concurrently).

        ``group_commit``: the most requests ``commit`` writes in one transaction (1: each alone).
        """
        engine = create_store_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        if migrate:
            migrate_engine(engine)
        no_wait = None
        if engine.dialect.name == "sqlite":
            no_wait = _sqlite_engine(normalise_url(url), busy_timeout_ms=0)
        return cls(engine, no_wait_engine=no_wait, group_commit=group_commit)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new transaction; ``read_only`` lets SQLite readers run beside a writer."""
        lock = None if read_only else self._write_lock
        engine, busy_error = self._engine, None
        inline = _inline_run.get()
        if inline is not None and not inline.started:
            # The first transaction of an inline run may fail (StoreBusy) before it has done
            # anything, and the whole run then moves to a thread; later ones wait as usual.
            inline.started = True
            if self._no_wait_engine is not None:
                engine, busy_error = self._no_wait_engine, StoreBusy
        return UnitOfWork(
            engine,
            read_only=read_only,
            write_lock=lock,
            busy_error=busy_error,
            outbox_signal=self.outbox_signal,
        )

    async def run(self, work: Callable[..., T], *args: Any, writes: bool) -> T:
        """Run ``work``, a function that opens units of work, without stalling the event loop.

        Handing each request's store work to a thread cost two thread hops per request, about
        a tenth of a sync request's CPU (bench/results/optimisation.md). PostgreSQL work
        always goes to a thread: every statement is a network round trip. SQLite work runs
        at once on the calling thread when nothing in this process is writing (``writes``)
        and no other process holds the file's write lock: its first transaction is begun
        with a busy timeout of zero, so it either starts at once or fails before doing
        anything, and then the whole of ``work`` runs in a thread, where it may wait.
        """
        if self._no_wait_engine is None:
            return await asyncio.to_thread(work, *args)
        lock = self._write_lock
        if writes and (lock is None or not lock.acquire(blocking=False)):
            return await asyncio.to_thread(work, *args)
        token = _inline_run.set(_InlineRun())
        try:
            return work(*args)
        except StoreBusy:
            pass
        finally:
            _inline_run.reset(token)
            if writes and lock is not None:
                lock.release()
        return await asyncio.to_thread(work, *args)

    @property
    def group_commit(self) -> GroupCommit | None:
        """The writer that batches ``commit``s (None: group commit is off)."""
        return self._group

    async def commit(
        self, write: Callable[[UnitOfWork], T], *, last: Callable[[UnitOfWork], Any] | None = None
    ) -> T:
        """Write a request's rows (``write``, then ``last``) in a transaction; return once it
        committed. With group commit on, the transaction may hold other requests' rows too
        (gateway/store/group_commit.py); ``last`` is written after all of theirs."""
        if self._group is not None:
            return await self._group.commit(write, last=last)
        return await self.run(self._commit_alone, write, last, writes=True)

    def _commit_alone(
        self, write: Callable[[UnitOfWork], T], last: Callable[[UnitOfWork], Any] | None
    ) -> T:
        with self.unit_of_work() as uow:
            value = write(uow)
            if last is not None:
                last(uow)
            uow.commit()
        return value

    def outbox_stats(self, kind: OutboxKind | None = None) -> OutboxStats:
        with self.unit_of_work(read_only=True) as uow:
            return uow.outbox.stats(kind)

    def close(self) -> None:
        self._engine.dispose()
        if self._no_wait_engine is not None:
            self._no_wait_engine.dispose()
