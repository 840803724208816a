"""The open-data feeds' tables, on the store's shared metadata.

``open_permits`` holds every construction or occupancy permit a municipality approved through
the hand-off (one row per approved request, written in the same transaction as the approval)
and nothing about the applicant beyond the kind of investor: no name, no personal number.
Category III permits are not stored here; they come from the ministry's register and are
joined in when the feed is read. Migration ``0003_open_permits`` creates the table.

``open_feed_snapshots`` keeps the last good answer of every source document: one row per
``FeedKey`` (whose middle part, ``scope``, is a municipality or a source), with the record's
JSON, its digest, when the source last confirmed it and when it last changed. A gateway
restarted while a source is down still has something true to serve. Migration
``0004_open_feed_snapshots`` creates it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from gateway.store.tables import UtcDateTime, metadata


def _json() -> Any:
    return JSON().with_variant(JSONB(), "postgresql")


open_permits = Table(
    "open_permits",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("permit_number", String(60), nullable=False, unique=True),
    Column("request_id", String(36), unique=True),
    Column("kind", String(16), nullable=False),
    Column("category", String(3)),
    Column("municipality", String(2), nullable=False),
    Column("cadastral_zone", String(6), nullable=False),
    Column("parcel_number", String(9), nullable=False),
    Column("investor_type", String(16), nullable=False),
    Column("description", Text()),
    Column("conditions", _json(), nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index(None, "municipality", "issued_at"),
)

feed_snapshots = Table(
    "open_feed_snapshots",
    metadata,
    Column("feed_key", String(80), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("scope", String(32)),
    Column("year", Integer()),
    Column("record_type", String(64), nullable=False),
    Column("digest", String(32), nullable=False),
    Column("body", Text(), nullable=False),
    Column("fetched_at", UtcDateTime(), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)
