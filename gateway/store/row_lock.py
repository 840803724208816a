"""One row read, locked for the rest of the transaction where the database can lock rows.

A repository that is about to change a row (a status update, a review decision, a comment
counted) reads it ``for_update``: on PostgreSQL ``SELECT … FOR UPDATE`` makes a second
gateway instance wait for this transaction instead of deciding on the same old state. SQLite
needs no row lock: a write transaction there holds the database's only write lock from its
``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.engine import RowMapping


def first_row(
    connection: Connection, table: Table, *conditions: Any, for_update: bool = False
) -> RowMapping | None:
    query = select(table).where(*conditions)
    if for_update and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).mappings().first()
