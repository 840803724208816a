"""The store's tables, as SQLAlchemy Core metadata shared by SQLite and PostgreSQL.

Four tables: ``requests`` (one row per accepted request, its current status),
``request_status_history`` (every status it went through, who set it, why),
``idempotency_keys`` (the first answer to each client's ``Idempotency-Key``) and ``outbox``
(messages written in the same transaction as the request and sent afterwards: hand-offs to
RabbitMQ by the relay, callbacks to the portal by the callback sender).

Each feature's own tables sit on this same metadata, beside their repository, in the store:
``complaints.py``, ``permits.py`` and ``feed_snapshots.py`` (open data), ``acts.py``,
``hearings.py``, ``ops_sessions.py``, and the leases of the once-per-deployment duties,
``leases.py``. A feature reaches them through the Store's unit of
work, ``uow.bind(TheRepository)``, so its rows commit with the rest and its writes queue on
the same SQLite write lock.

The migrations in ``migrations/versions`` create all these tables; a test compares the
migrated database with this metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases.

    PostgreSQL keeps ``timestamptz``. SQLite has no time zones: values are stored as naive
    UTC text, which still sorts and compares correctly because every value is UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store takes aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, the text SQLAlchemy's DATETIME would store, written in one step.

        Its own processor fills a format from a dict of seven fields after the decorator's
        conversion, ~4 µs a value on this project's machine; every request writes several
        (bench/results/audit-cost.md). ``isoformat(" ", "microseconds")`` of the naive UTC
        value gives the same characters (``tests/unit/store``), so rows written either way
        compare and sort as one.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("the store takes aware datetimes only")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json() -> Any:
    return JSON().with_variant(JSONB(), "postgresql")


def _big_id() -> Any:
    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    return BigInteger().with_variant(Integer(), "sqlite")


def json_type() -> Any:
    """JSON on SQLite, JSONB on PostgreSQL: for the features' own tables too."""
    return _json()


def big_id_type() -> Any:
    """An auto-incrementing 64-bit id that SQLite accepts as its rowid."""
    return _big_id()


requests = Table(
    "requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", String(100), nullable=False),
    Column("service", String(64), nullable=False),
    Column("municipality", String(2), nullable=False),
    Column("language", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("callback_url", String(2000)),
    Column("payload", _json(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "client_id", "created_at"),
    Index(None, "municipality", "status"),
)

request_status_history = Table(
    "request_status_history",
    metadata,
    Column("id", _big_id(), primary_key=True, autoincrement=True),
    Column("request_id", String(36), ForeignKey("requests.id"), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("previous_status", String(32)),
    Column("source", String(64), nullable=False),
    Column("update_id", String(36), unique=True),
    Column("note", _json()),
    Column("documents", _json()),
    Column("decided_by", _json()),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client_id", String(100), nullable=False),
    Column("key", String(255), nullable=False),
    Column("body_hash", String(128), nullable=False),
    Column("status_code", Integer(), nullable=False),
    Column("response", _json(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("client_id", "key"),
)

PENDING_OUTBOX = text("published_at IS NULL AND failed_at IS NULL")

outbox = Table(
    "outbox",
    metadata,
    Column("id", _big_id(), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("request_id", String(36), index=True),
    Column("destination", String(2000), nullable=False),
    Column("headers", _json(), nullable=False),
    Column("body", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default=text("0")),
    Column("claimed_by", String(100)),
    Column("claimed_until", UtcDateTime()),
    Column("published_at", UtcDateTime()),
    Column("failed_at", UtcDateTime()),
    Column("last_error", String(500)),
    # Only unsent rows are ever scanned; the index stays as small as the backlog.
    Index(
        "ix_outbox_pending",
        "kind",
        "id",
        sqlite_where=PENDING_OUTBOX,
        postgresql_where=PENDING_OUTBOX,
    ),
)

# The audit log (gateway/audit/): an append-only hash chain and the signed checkpoints of its
# head. A data-usage record (one per registry call about a person) is its own entry in the
# chain, and the same row is the citizen's index: ``person_key`` and ``disclosed_from``
# repeat what the entry's hashed body says (``audit verify`` checks that they do), so the
# citizen's query finds a person's records without a second table to write on every request.
# ``seq`` is assigned by the writer under the chain's lock, so two writers can never both
# take the same place (gateway/store/audit.py).

PERSONAL_ENTRY = text("person_key IS NOT NULL")

audit_log = Table(
    "audit_log",
    metadata,
    # INTEGER on SQLite: the rowid itself, no second B-tree to write on every append.
    Column("seq", _big_id(), primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("body", _json(), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Set on data-usage entries only: the citizen's lookup key, and when a restricted
    # record becomes visible to them.
    Column("person_key", String(64)),
    Column("disclosed_from", UtcDateTime()),
    # Only entries about a person are indexed: operators' actions and acts' decisions
    # add nothing to it.
    Index(
        None,
        "person_key",
        "seq",
        sqlite_where=PERSONAL_ENTRY,
        postgresql_where=PERSONAL_ENTRY,
    ),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("count", _big_id(), primary_key=True, autoincrement=False),
    Column("head_hash", String(64), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    Column("signature", String(128), nullable=False),
)
