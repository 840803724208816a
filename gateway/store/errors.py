"""What can go wrong in the store, in the store's own words.

    StoreError
    ├── UnknownRequest           no request with that id
    ├── IllegalTransition        the status change breaks contracts.messages.LEGAL_TRANSITIONS
    └── StoreConflict            a unique key already exists (a race the caller must resolve)
        └── DuplicateIdempotencyKey

Database driver exceptions other than these stay SQLAlchemy's: they mean the database is
unwell, not that the caller asked for something wrong.
"""

from __future__ import annotations


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
