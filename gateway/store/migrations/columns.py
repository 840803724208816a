"""Column types the migrations share, spelled as the migrations have always spelled them.

They mirror ``gateway/store/tables.py`` (JSONB on PostgreSQL, aware timestamps, 64-bit ids
that SQLite takes as its rowid); the migrations test compares the two.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def json_type() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
