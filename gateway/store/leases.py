"""Leases on the duties that run once per deployment, in the store every instance shares.

``worker_leases`` holds one row per leased duty (the worker's name): who holds it (a holder
id, ``host:pid:random``), until when, and its term (raised each time the lease changes
hands, so two holders of one duty never share a term). A lease is a row with an expiry, not
a PostgreSQL advisory lock: an advisory lock lives as long as one connection, so it would
tie the duty to a pooled connection's life, and SQLite (the single-host development store)
has none; the row runs the same code on both.

Taking and renewing are one statement: an upsert that only overwrites the row when it is
already this holder's or has expired, followed by a read of who holds it now, in the same
transaction. Concurrent claimants serialise on the row (PostgreSQL's ``ON CONFLICT`` takes
the row lock; SQLite has one writer), so exactly one wins. Expiry is judged on the claimant's
clock: the hosts of one deployment keep time with NTP, and their skew must stay well below
the lease's time to live.

A holder stopped inside its claim's transaction (a paused VM, a SIGSTOP, a stall between the
upsert and the commit) would keep the row locked, and every other claimant would wait on
that lock for as long as it stays stopped: the lease could never be taken over. On
PostgreSQL the claim therefore sets ``idle_in_transaction_session_timeout`` for its own
transaction to half the lease's time to live: a claim left open that long has its session
ended by the server, the lock goes with it, and the woken holder finds its renewal failed.

The table sits on the store's shared metadata; migration ``0008_worker_leases`` creates it.
``LeaseRepository`` works inside a unit of work (``uow.bind(LeaseRepository)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Connection, String, Table, case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from gateway.store.tables import UtcDateTime, metadata

worker_leases = Table(
    "worker_leases",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("term", BigInteger(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("renewed_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class LeaseRow:
    name: str
    holder: str
    term: int
    expires_at: datetime


class LeaseRepository:
    """The ``worker_leases`` rows, inside a unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._upsert = (
            postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        )

    def claim(self, name: str, holder: str, now: datetime, ttl_s: float) -> LeaseRow | None:
        """Take the lease, or renew it if ``holder`` has it; the row when held, else None."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql(
                "SET LOCAL idle_in_transaction_session_timeout = "
                f"{max(1, int(ttl_s * 500))}"  # ms: half the time to live
            )
        statement = self._upsert(worker_leases).values(
            name=name,
            holder=holder,
            term=1,
            expires_at=now + timedelta(seconds=ttl_s),
            renewed_at=now,
        )
        current = worker_leases.c
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={
                "holder": statement.excluded.holder,
                "expires_at": statement.excluded.expires_at,
                "renewed_at": statement.excluded.renewed_at,
                "term": case((current.holder == holder, current.term), else_=current.term + 1),
            },
            where=or_(current.holder == holder, current.expires_at <= now),
        )
        self._conn.execute(statement)
        row = self.get(name)
        return row if row is not None and row.holder == holder else None

    def release(self, name: str, holder: str) -> None:
        """Give the lease up (a clean stop), so another instance takes it at its next try."""
        self._conn.execute(
            delete(worker_leases).where(
                worker_leases.c.name == name, worker_leases.c.holder == holder
            )
        )

    def get(self, name: str) -> LeaseRow | None:
        row = (
            self._conn.execute(select(worker_leases).where(worker_leases.c.name == name))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return LeaseRow(row["name"], row["holder"], row["term"], row["expires_at"])
