"""Migrations: the migrated schema is the code's schema, and migrating is safe to repeat."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from gateway.store import Store, migrate
from gateway.store.database import create_store_engine
from gateway.store.feed_snapshots import SnapshotRepository, StoredSnapshot, feed_snapshots
from gateway.store.permits import MunicipalPermit, PermitRepository, open_permits
from gateway.store.tables import metadata

MOMENT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_the_migrated_database_matches_the_table_definitions(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrating_again_changes_nothing(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    store = Store.from_url(database_url)
    try:
        with store.unit_of_work(read_only=True) as uow:
            assert uow.outbox.stats().depth == 0
    finally:
        store.close()


def test_two_processes_starting_at_once_both_get_a_working_store(database_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def start_up() -> None:
        start.wait()
        try:
            Store.from_url(database_url).close()
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=start_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_fresh_database_gets_the_open_data_tables_from_the_migrations(database_url: str) -> None:
    migrate(database_url)
    engine = create_store_engine(database_url)
    try:
        found = inspect(engine)
        for table in (open_permits, feed_snapshots):
            columns = {column["name"] for column in found.get_columns(table.name)}
            assert columns == set(table.columns.keys()), table.name
    finally:
        engine.dispose()

    store = Store.from_url(database_url, migrate=False)
    permit = MunicipalPermit(
        permit_number="19-LN-2026-0001",
        kind="construction",
        category="I",
        municipality="19",
        cadastral_zone="71914",
        parcel_number="01234-0",
        investor_type="natural_person",
        description="residential",
        applied_at=MOMENT,
        issued_at=MOMENT,
        source="municipality:19",
    )
    snapshot = StoredSnapshot(
        ("revenues", "19", 2025), "MunicipalRevenues", "d" * 32, "{}", MOMENT, MOMENT
    )
    try:
        with store.unit_of_work() as uow:
            uow.bind(PermitRepository).add(permit, request_id="req-1", now=MOMENT)
            uow.bind(SnapshotRepository).put([snapshot])
            uow.commit()
        with store.unit_of_work(read_only=True) as uow:
            assert uow.bind(PermitRepository).all() == [permit]
            assert uow.bind(PermitRepository).recorded_for("req-1")
            assert uow.bind(SnapshotRepository).all() == [snapshot]
    finally:
        store.close()
