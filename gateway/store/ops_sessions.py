"""Operators' dashboard sessions and failed sign-ins, in the store so every instance shares them.

``ops_sessions`` holds one row per signed-in dashboard: the SHA-256 of its session id (the id
itself lives only in the operator's cookie, so a copy of the table opens no session), the
operator client it belongs to, when it was opened and when it was last used. Signing out
deletes the row. ``ops_sign_in_failures`` holds one row per refused sign-in, under two
scopes (the client address and the key's prefix, both as hashes: a mistyped real key's
prefix is key material), so that throttling counts an attacker's tries across instances.

The tables sit on the store's shared metadata; migration ``0007_ops_sessions`` creates them.
``OpsSessionRepository`` works inside a unit of work (``uow.bind(OpsSessionRepository)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Index,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, big_id_type, metadata

ops_sessions = Table(
    "ops_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("client", String(100), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=False),
    Index(None, "opened_at"),
)

ops_sign_in_failures = Table(
    "ops_sign_in_failures",
    metadata,
    Column("id", big_id_type(), primary_key=True, autoincrement=True),
    Column("scope_sha256", String(64), nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
    Index(None, "scope_sha256", "failed_at"),
    Index(None, "failed_at"),
)


@dataclass(frozen=True, slots=True)
class OpsSession:
    client: str
    opened_at: datetime
    last_used_at: datetime


class OpsSessionRepository:
    """Sessions and failed sign-ins, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def open(self, id_sha256: str, client: str, *, now: datetime) -> None:
        self._conn.execute(
            insert(ops_sessions),
            {"id_sha256": id_sha256, "client": client, "opened_at": now, "last_used_at": now},
        )

    def get(self, id_sha256: str) -> OpsSession | None:
        row = first_row(self._conn, ops_sessions, ops_sessions.c.id_sha256 == id_sha256)
        if row is None:
            return None
        return OpsSession(row["client"], row["opened_at"], row["last_used_at"])

    def touch(self, id_sha256: str, *, now: datetime) -> None:
        self._conn.execute(
            update(ops_sessions)
            .where(ops_sessions.c.id_sha256 == id_sha256)
            .values(last_used_at=now)
        )

    def close(self, id_sha256: str) -> None:
        self._conn.execute(delete(ops_sessions).where(ops_sessions.c.id_sha256 == id_sha256))

    def close_ended(self, *, idle_before: datetime, opened_before: datetime) -> None:
        """Delete the sessions that can no longer be used (idle too long, or too old)."""
        self._conn.execute(
            delete(ops_sessions).where(
                (ops_sessions.c.last_used_at < idle_before)
                | (ops_sessions.c.opened_at < opened_before)
            )
        )

    def record_failure(self, scopes: tuple[str, ...], *, now: datetime) -> None:
        self._conn.execute(
            insert(ops_sign_in_failures),
            [{"scope_sha256": scope, "failed_at": now} for scope in scopes],
        )

    def failures_since(self, scope: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failures ``scope`` had after ``since``, and when the oldest of them was."""
        row = self._conn.execute(
            select(func.count(), func.min(ops_sign_in_failures.c.failed_at)).where(
                ops_sign_in_failures.c.scope_sha256 == scope,
                ops_sign_in_failures.c.failed_at > since,
            )
        ).one()
        return int(row[0]), row[1]

    def forget_failures_before(self, moment: datetime) -> None:
        self._conn.execute(
            delete(ops_sign_in_failures).where(ops_sign_in_failures.c.failed_at < moment)
        )
