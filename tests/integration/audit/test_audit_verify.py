"""``ekomunat-gateway audit verify`` against a tampered log, in SQLite and in PostgreSQL.

The log is written by the real writer (``AuditTrail`` on a migrated store), checkpointed by
the real signer, then tampered with in SQL as someone with the database would: a field
changed, an entry deleted, two swapped, one inserted with a correctly computed hash. The
real CLI runs in a subprocess and must name the entry each time, and exit non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gateway.audit.chain import entry_hash
from gateway.audit.checkpoints import CheckpointSigner, write_checkpoint
from gateway.audit.lookup import PersonKeys
from gateway.audit.trail import AuditTrail
from gateway.settings import DEVELOPMENT_AUDIT_SIGNING_KEY
from gateway.store import Store
from gateway.store.audit import AuditRepository, UsageEntry

ENTRIES = 8
FIRST_CITIZEN = "(SELECT person_key FROM audit_log WHERE seq = 1)"
"""The lookup key of the person the first entry (a data-usage record) is about."""


class Ticking:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def logged(database_url: str) -> Iterator[tuple[str, Store]]:
    """A store whose log holds usage records and operators' actions, checkpointed."""
    store = Store.from_url(database_url)
    clock = Ticking()
    keys = PersonKeys(b"test-lookup-key")
    trail = AuditTrail(store, keys, clients={}, clock=clock)
    for index in range(ENTRIES // 2):
        with store.unit_of_work() as uow:
            uow.bind(AuditRepository).add_usage(
                [
                    UsageEntry(
                        person_key=keys.of(f"12345678{index:02d}"),
                        request_id=f"00000000-0000-0000-0000-0000000000{index:02d}",
                        client_id="e-kosova-portal",
                        municipality="19",
                        service="birth-certificate",
                        reads=[
                            {
                                "registry": "civil",
                                "operation": "GetPerson",
                                "fields": ["first_name", "last_name"],
                                "legal_basis": "Law No. 04/L-003 on Civil Status",
                                "purpose": "Issue the birth certificate from the record.",
                            }
                        ],
                    )
                ],
                recorded_at=clock(),
            )
            uow.commit()
        trail.operator_action_now("breaker.reset", "operations-desk", registry="civil")
    write_checkpoint(store, CheckpointSigner(DEVELOPMENT_AUDIT_SIGNING_KEY), clock)
    try:
        yield database_url, store
    finally:
        store.close()


def verify(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GATEWAY_LOG_FILE": ""},
    )


def tamper(store: Store, *statements: str) -> None:
    with store.unit_of_work() as uow:
        connection = uow.bind(lambda c: c)
        for statement in statements:
            connection.execute(text(statement))
        uow.commit()


def test_an_untouched_log_verifies(logged):
    url, _store = logged

    result = verify(url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{ENTRIES} entries, 1 checkpoints" in result.stdout


def test_a_changed_field_is_named(logged):
    url, store = logged
    tamper(store, "UPDATE audit_log SET kind = 'operator_actionx' WHERE seq = 4")

    result = verify(url)

    assert result.returncode == 1
    assert "entry 4 was changed" in result.stdout


def test_a_deleted_entry_is_named(logged):
    url, store = logged
    tamper(store, "DELETE FROM audit_log WHERE seq = 4")

    result = verify(url)

    assert result.returncode == 1
    assert "entry 4 was deleted" in result.stdout


def test_the_deleted_last_entry_is_named_by_the_checkpoint(logged):
    url, store = logged
    tamper(store, f"DELETE FROM audit_log WHERE seq = {ENTRIES}")

    result = verify(url)

    assert result.returncode == 1
    assert f"entries {ENTRIES}-{ENTRIES} were deleted" in result.stdout


def test_two_swapped_entries_are_named(logged):
    url, store = logged
    tamper(
        store,
        "UPDATE audit_log SET seq = -3 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = -3",
    )

    result = verify(url)

    assert result.returncode == 1
    assert "entry 3 was reordered" in result.stdout


def test_an_inserted_entry_is_named_even_with_a_valid_hash(logged):
    url, store = logged
    with store.unit_of_work(read_only=True) as uow:
        before = next(e for e in uow.bind(AuditRepository).entries() if e.seq == 4)
    body = {"action": "breaker.reset", "operator": "intruder", "registry": "civil"}
    forged = entry_hash(before.hash, "operator_action", before.recorded_at, body)
    shift = ["UPDATE audit_log SET seq = -seq WHERE seq > 4"]
    shift += [f"UPDATE audit_log SET seq = {s + 1} WHERE seq = {-s}" for s in range(5, ENTRIES + 1)]
    tamper(
        store,
        *shift,
        "INSERT INTO audit_log (seq, kind, recorded_at, body, prev_hash, hash) VALUES "
        f"(5, 'operator_action', '{before.recorded_at.replace(tzinfo=None).isoformat(sep=' ')}', "
        f'\'{{"action": "breaker.reset", "operator": "intruder", "registry": "civil"}}\','
        f" '{before.hash}', '{forged}')",
    )

    result = verify(url)

    assert result.returncode == 1
    assert "entry 5 was inserted" in result.stdout


def test_a_read_moved_to_another_citizen_is_named(logged):
    url, store = logged
    tamper(
        store,
        f"UPDATE audit_log SET person_key = {FIRST_CITIZEN} WHERE seq = 3",
    )

    result = verify(url)

    assert result.returncode == 1
    assert "the data-usage record of entry 3 differs from the log" in result.stdout


def test_an_operator_action_shown_in_a_citizen_view_is_named(logged):
    url, store = logged
    tamper(
        store,
        f"UPDATE audit_log SET person_key = {FIRST_CITIZEN} WHERE seq = 2",
    )

    result = verify(url)

    assert result.returncode == 1
    assert "entry 2 is not a data-usage record but is indexed as one" in result.stdout


def test_a_read_hidden_from_the_citizen_is_named(logged):
    url, store = logged
    tamper(store, "UPDATE audit_log SET person_key = NULL WHERE seq = 3")

    result = verify(url)

    assert result.returncode == 1
    assert "the data-usage record of entry 3 is missing" in result.stdout
