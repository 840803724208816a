"""The durable store: requests, status history, idempotency keys and the outbox.

Entry points for the composition root:

    store = Store.from_url(settings.database_url)   # migrates, pools connections
    with store.unit_of_work() as uow:               # rolls back unless committed
        ...
        uow.commit()

A feature's own tables and repository sit beside these (``gateway/store/complaints.py``,
``acts.py``, ``permits.py``...) and join the same transaction through the Store's unit of
work, never one of their own: ``uow.bind(ComplaintRepository).add(...)``.
"""

from __future__ import annotations

from gateway.store.database import Store, create_store_engine, normalise_url
from gateway.store.errors import (
    DuplicateIdempotencyKey,
    IllegalTransition,
    StoreConflict,
    StoreError,
    UnknownRequest,
)
from gateway.store.migrations import migrate_engine
from gateway.store.records import (
    IdempotencyRecord,
    NewRequest,
    OutboxKind,
    OutboxMessage,
    OutboxStats,
    RequestRecord,
    StatusChange,
)
from gateway.store.unit_of_work import UnitOfWork


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (the CLI's ``migrate`` command)."""
    engine = create_store_engine(url, pool_size=1, max_overflow=0)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()


__all__ = [
    "DuplicateIdempotencyKey",
    "IdempotencyRecord",
    "IllegalTransition",
    "NewRequest",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStats",
    "RequestRecord",
    "StatusChange",
    "Store",
    "StoreConflict",
    "StoreError",
    "UnitOfWork",
    "UnknownRequest",
    "migrate",
    "normalise_url",
]
