"""What can go wrong in the store, in the store's own words.

    StoreError
    ├── UnknownRequest           no request with that id
    ├── IllegalTransition        the status change breaks contracts.messages.LEGAL_TRANSITIONS
    └── StoreConflict            a unique key already exists (a race the caller must resolve)
        └── DuplicateIdempotencyKey

Database driver exceptions other than these stay SQLAlchemy's: they mean the database is
unwell, not that the caller asked for something wrong. ``is_database_unavailable`` tells the
ones a retry a little later may cure (no server, a failover under way, a standby that takes no
writes) from a bug in a statement.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

DatabaseError = DBAPIError
"""What a database driver raises, as SQLAlchemy wraps it (for the API's exception handler)."""

_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57P")
"""PostgreSQL's connection exceptions, insufficient resources, and operator intervention
(the server shutting down, crashed, or not yet accepting connections)."""

_READ_ONLY_TRANSACTION = "25006"
"""A standby, or a primary just demoted, refusing a write."""


def is_database_unavailable(error: BaseException) -> bool:
    """The database cannot take this transaction now, and a retry later may succeed."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    if sqlstate:
        return sqlstate == _READ_ONLY_TRANSACTION or sqlstate.startswith(
            _UNAVAILABLE_SQLSTATE_CLASSES
        )
    # SQLite and a driver that failed before speaking to the server carry no SQLSTATE.
    return isinstance(error, OperationalError)


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class UnknownRequest(StoreError):
    def __init__(self, request_id: str) -> None:
        super().__init__(f"no request {request_id}")
        self.request_id = request_id


class IllegalTransition(StoreError):
    def __init__(self, request_id: str, current: str, new: str) -> None:
        super().__init__(f"request {request_id}: {current} -> {new} is not a legal transition")
        self.request_id = request_id
        self.current = current
        self.new = new


class StoreConflict(StoreError):
    """A row with the same unique key was written first; this transaction cannot go on."""


class DuplicateIdempotencyKey(StoreConflict):
    def __init__(self, client_id: str, key: str) -> None:
        super().__init__(f"idempotency key already stored for client {client_id}")
        self.client_id = client_id
        self.key = key
