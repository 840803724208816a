"""Prepared statements write and read exactly what Core does, on SQLite and on PostgreSQL.

The hot statements run on the driver's cursor; the rest of the store reads and writes the
same tables through Core. A value that came back different (a naive datetime, JSON text
instead of a dict, SQL NULL for JSON null) would break the readers without a word.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from gateway.store import Store
from gateway.store.prepared import Prepared
from gateway.store.tables import idempotency_keys, outbox

MOMENT = datetime(2026, 12, 1, 18, 30, 15, 123456, tzinfo=UTC)
ANSWER = {"request_id": "r-1", "document": {"title": "Çertifikatë", "pages": [1, 2.5, None]}}
KEYS = ("client_id", "key", "body_hash", "status_code", "response", "created_at")
SAVE = Prepared(insert(idempotency_keys), keys=KEYS)
READ = Prepared(
    select(idempotency_keys).where(
        idempotency_keys.c.client_id == bindparam("client_id"),
        idempotency_keys.c.key == bindparam("key"),
    ),
    keys=("client_id", "key"),
)
ROW = {
    "client_id": "portal",
    "key": "k-1",
    "body_hash": "h" * 64,
    "status_code": 202,
    "response": ANSWER,
    "created_at": MOMENT,
}


def test_a_row_written_prepared_reads_back_through_core(store: Store) -> None:
    with store.unit_of_work() as uow:
        SAVE.execute(uow._open(), ROW)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        row = uow._open().execute(select(idempotency_keys)).mappings().one()
    assert dict(row) == ROW
    assert row["created_at"].tzinfo is not None


def test_a_row_written_by_core_reads_back_prepared(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow._open().execute(insert(idempotency_keys), ROW)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        (row,) = READ.rows(uow._open(), {"client_id": "portal", "key": "k-1"})
        missing = READ.rows(uow._open(), {"client_id": "portal", "key": "k-2"})
    assert row == ROW
    assert missing == []


def test_a_returning_insert_gives_the_new_key(store: Store) -> None:
    add = Prepared(
        insert(outbox).returning(outbox.c.id),
        keys=("kind", "message_id", "destination", "headers", "body", "created_at",
              "available_at", "attempts"),
    )  # fmt: skip
    values = {
        "kind": "handoff",
        "destination": "19.birth-certificate",
        "headers": {"schema": "ekomunat.handoff", "schema_version": "1"},
        "body": "{}",
        "created_at": MOMENT,
        "available_at": MOMENT,
        "attempts": 0,
    }
    with store.unit_of_work() as uow:
        (first,) = add.rows(uow._open(), {**values, "message_id": "m-1"})
        (second,) = add.rows(uow._open(), {**values, "message_id": "m-2"})
        uow.commit()
    assert second["id"] > first["id"]
    with store.unit_of_work(read_only=True) as uow:
        stored = uow.outbox.get("m-2")
    assert stored is not None and stored["headers"] == values["headers"]


def test_a_duplicate_is_the_integrity_error_core_raises(store: Store) -> None:
    with store.unit_of_work() as uow:
        SAVE.execute(uow._open(), ROW)
        with pytest.raises(IntegrityError):
            SAVE.execute(uow._open(), ROW)
