"""The store as the rest of the gateway sees it: an engine, migrations, units of work.

SQLite (WAL) is the default and needs no set-up; PostgreSQL is used when the URL says so
(``GATEWAY_DATABASE_URL``). Both run the same migrations and the same repository code.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from gateway.store.migrations import migrate_engine
from gateway.store.records import OutboxKind, OutboxStats
from gateway.store.unit_of_work import READ_ONLY_OPTION, UnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 30_000


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


def _sqlite_engine(url: URL) -> Engine:
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead
        # of both reading, then one failing to upgrade its lock (SQLITE_BUSY mid-transaction).
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_store_engine(url: str | URL, *, pool_size: int = 10, max_overflow: int = 10) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)


class Store:
    """The durable store. Build once at start-up with ``Store.from_url`` and share it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # SQLite has one writer at a time. Writers of this process queue on a lock, where
        # they wake the moment it is free; left to SQLite's busy handler they sleep in steps
        # of up to 100 ms, which made an accept's p99 a second under load
        # (bench/gateway_load.py). Other processes still meet the busy handler.
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(
        cls, url: str | URL, *, pool_size: int = 10, max_overflow: int = 10, migrate: bool = True
    ) -> Store:
        """Connect and bring the schema to the newest migration (safe to run concurrently)."""
        engine = create_store_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        if migrate:
            migrate_engine(engine)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new transaction; ``read_only`` lets SQLite readers run beside a writer."""
        lock = None if read_only else self._write_lock
        return UnitOfWork(self._engine, read_only=read_only, write_lock=lock)

    def outbox_stats(self, kind: OutboxKind | None = None) -> OutboxStats:
        with self.unit_of_work(read_only=True) as uow:
            return uow.outbox.stats(kind)

    def close(self) -> None:
        self._engine.dispose()
