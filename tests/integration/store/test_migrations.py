"""Migrations: the migrated schema is the code's schema, and migrating is safe to repeat."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.store import Store, migrate
from gateway.store.tables import metadata


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
