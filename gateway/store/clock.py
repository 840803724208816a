"""The store's one clock: aware UTC, so SQLite and PostgreSQL rows compare alike."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
