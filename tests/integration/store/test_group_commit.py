"""Group commit: many requests' rows in one transaction, each answered only after it committed.

Each test runs on SQLite and on PostgreSQL (``database_url``), except the outage, which needs a
PostgreSQL database of its own to close. A "request" here is what the intake hands the store:
its request row, its hand-off outbox row, its idempotency answer and, written last, an entry of
the audit chain.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql

from gateway.audit.verify import walk
from gateway.store import DuplicateIdempotencyKey, NewRequest, Store, StoreConflict, UnitOfWork
from gateway.store.audit import AuditRepository
from gateway.store.clock import utc_now
from gateway.store.errors import is_database_unavailable
from tests.fixtures.database import POSTGRES_ADMIN_URL
from tests.integration.store.builders import handoff_for, new_request

BATCH = 64


@pytest.fixture
def grouped(database_url: str) -> Iterator[Store]:
    built = Store.from_url(database_url, group_commit=BATCH)
    try:
        yield built
    finally:
        built.close()


def _rows(request: NewRequest, key: str | None = None) -> Callable[[UnitOfWork], str]:
    def write(uow: UnitOfWork) -> str:
        uow.requests.add(request)
        uow.outbox.add_handoff(handoff_for(request))
        uow.idempotency.save(
            request.client_id, key or request.id, "hash", 202, {"request_id": request.id}
        )
        return request.id

    return write


def _audit(request: NewRequest) -> Callable[[UnitOfWork], None]:
    def write(uow: UnitOfWork) -> None:
        body = {"request_id": request.id}
        uow.bind(AuditRepository).append([("data_usage", body)], recorded_at=utc_now())

    return write


def _stored(store: Store, request_id: str) -> bool:
    with store.unit_of_work(read_only=True) as uow:
        return uow.requests.get(request_id) is not None


def _outbox_depth(store: Store) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return uow.outbox.stats().depth


def _chain(store: Store) -> list[Any]:
    with store.unit_of_work(read_only=True) as uow:
        return list(uow.bind(AuditRepository).entries())


def test_many_concurrent_requests_are_all_committed_and_each_answered_after_its_commit(
    grouped: Store,
) -> None:
    requests = [new_request() for _ in range(150)]
    committed_when_answered: dict[str, bool] = {}

    async def one(request: NewRequest) -> str:
        answered = await grouped.commit(_rows(request), last=_audit(request))
        # Another connection must see the rows the moment the caller hears back.
        committed_when_answered[answered] = _stored(grouped, answered)
        return answered

    async def scenario() -> list[str]:
        return await asyncio.gather(*(one(request) for request in requests))

    answers = asyncio.run(scenario())

    assert answers == [request.id for request in requests]
    assert committed_when_answered == {request.id: True for request in requests}
    assert _outbox_depth(grouped) == len(requests)
    writer = grouped.group_commit
    assert writer is not None and writer.batches >= 1, "no two requests shared a transaction"
    chain = _chain(grouped)
    findings, _ = walk(chain)
    assert findings == []
    assert sorted(entry.body["request_id"] for entry in chain) == sorted(answers)


def test_a_poisoned_request_is_refused_alone_while_its_batch_mates_commit(
    grouped: Store,
) -> None:
    requests = [new_request() for _ in range(10)]
    poisoned = requests[4]

    def poison(uow: UnitOfWork) -> str:
        _rows(poisoned)(uow)  # its rows are written, then its own check fails
        raise ValueError("the hearing closed")

    taken = new_request()
    with grouped.unit_of_work() as uow:
        uow.requests.add(taken)
        uow.commit()
    # A second kind of poison: a statement the database itself refuses (the id is taken).
    clash = replace(requests[7], id=taken.id)

    async def scenario() -> list[Any]:
        calls = []
        for request in requests:
            if request is poisoned:
                calls.append(grouped.commit(poison))
            elif request is requests[7]:
                calls.append(grouped.commit(_rows(clash)))
            else:
                calls.append(grouped.commit(_rows(request), last=_audit(request)))
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(scenario())

    assert isinstance(outcomes[4], ValueError)
    assert isinstance(outcomes[7], StoreConflict)
    innocent = [r for i, r in enumerate(requests) if i not in (4, 7)]
    assert [o for i, o in enumerate(outcomes) if i not in (4, 7)] == [r.id for r in innocent]
    assert all(_stored(grouped, request.id) for request in innocent)
    assert not _stored(grouped, poisoned.id)
    assert _outbox_depth(grouped) == len(innocent)  # neither poisoned hand-off is left over
    writer = grouped.group_commit
    assert writer is not None and writer.batches >= 1
    findings, _ = walk(_chain(grouped))
    assert findings == [] and len(_chain(grouped)) == len(innocent)


def test_twins_with_one_key_in_one_batch_commit_once_and_the_second_hears_of_the_first(
    grouped: Store,
) -> None:
    key = uuid.uuid4().hex
    first, twin = new_request(), new_request()
    seen_by_twin: list[Any] = []

    async def twin_request() -> str:
        try:
            return await grouped.commit(_rows(twin, key))
        except DuplicateIdempotencyKey:
            # What the intake does next: read the stored answer, which must be there now.
            with grouped.unit_of_work(read_only=True) as uow:
                seen_by_twin.append(uow.idempotency.get(twin.client_id, key))
            return "replayed"

    async def scenario() -> list[str]:
        return await asyncio.gather(grouped.commit(_rows(first, key)), twin_request())

    assert asyncio.run(scenario()) == [first.id, "replayed"]
    assert seen_by_twin[0] is not None
    assert seen_by_twin[0].response == {"request_id": first.id}
    assert _stored(grouped, first.id) and not _stored(grouped, twin.id)
    assert _outbox_depth(grouped) == 1


def test_a_commit_the_database_refuses_is_retried_alone_for_the_batch_mates(
    sqlite_url: str,
) -> None:
    """SQLite checks a deferred foreign key at COMMIT: no savepoint can catch that one."""
    grouped = Store.from_url(sqlite_url, group_commit=BATCH)
    requests = [new_request() for _ in range(6)]
    orphan = new_request()

    def refused_at_commit(uow: UnitOfWork) -> str:
        connection = uow.bind(lambda bound: bound)
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        # A history line of a request that does not exist: legal until the commit.
        connection.exec_driver_sql(
            "INSERT INTO request_status_history (request_id, status, source, occurred_at, "
            "recorded_at) VALUES (?, 'accepted', 'gateway', ?, ?)",
            (orphan.id, utc_now().isoformat(), utc_now().isoformat()),
        )
        return orphan.id

    async def scenario() -> list[Any]:
        calls = [grouped.commit(_rows(request)) for request in requests]
        calls.insert(3, grouped.commit(refused_at_commit))
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        outcomes = asyncio.run(scenario())
        assert "FOREIGN KEY" in str(outcomes.pop(3))
        assert outcomes == [request.id for request in requests]
        assert all(_stored(grouped, request.id) for request in requests)
    finally:
        grouped.close()


ADMIN = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/postgres"


def _admin(statement: sql.Composable, *params: Any) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(statement, params or None)


@pytest.fixture
def own_database() -> Iterator[str]:
    name = f"group_{uuid.uuid4().hex[:12]}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
        _admin(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_database_lost_mid_batch_answers_nobody_and_keeps_nothing(own_database: str) -> None:
    """The third request of the batch closes the database (as a failover does) and ends the
    batch's session: every request hears the outage the API answers with 503
    ``store.unavailable``, none hears a success, and nothing of the batch is stored."""
    name = own_database.rsplit("/", 1)[1]
    grouped = Store.from_url(own_database, group_commit=BATCH)
    requests = [new_request() for _ in range(6)]

    def close_the_database(uow: UnitOfWork) -> str:
        request_id = _rows(requests[2])(uow)
        _admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        _admin(
            sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"),
            name,
        )
        return request_id

    async def scenario() -> list[Any]:
        calls = [
            grouped.commit(close_the_database if i == 2 else _rows(request))
            for i, request in enumerate(requests)
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        outcomes = asyncio.run(scenario())
        assert all(isinstance(o, Exception) and is_database_unavailable(o) for o in outcomes), [
            type(o).__name__ for o in outcomes
        ]
        _admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
        assert not any(_stored(grouped, request.id) for request in requests)
        assert _outbox_depth(grouped) == 0
    finally:
        grouped.close()


def test_twins_in_two_processes_batches_in_opposite_orders_do_not_fail_on_the_deadlock(
    postgres_url: str,
) -> None:
    """Two stores stand for two worker processes; each batch holds one key the other's next
    request needs. PostgreSQL breaks the deadlock by failing one statement: that request is
    written again alone, and each twin then hears of the one that committed first."""
    one, other = (Store.from_url(postgres_url, group_commit=BATCH) for _ in range(2))
    first_key, second_key = uuid.uuid4().hex, uuid.uuid4().hex
    saved = {name: threading.Event() for name in ("one", "other")}

    def saving(request: NewRequest, key: str, done: str, wait_for: str | None) -> Any:
        def write(uow: UnitOfWork) -> str:
            if wait_for is not None:
                assert saved[wait_for].wait(30), "the other batch never started"
            written = _rows(request, key)(uow)
            if done:
                saved[done].set()
            return written

        return write

    async def outcome(store: Store, write: Any) -> str:
        try:
            return str(await store.commit(write))
        except DuplicateIdempotencyKey:
            return "replayed"

    requests = [new_request() for _ in range(4)]

    async def scenario() -> list[str]:
        return await asyncio.gather(
            outcome(one, saving(requests[0], first_key, "one", None)),
            outcome(one, saving(requests[1], second_key, "", "other")),
            outcome(other, saving(requests[2], second_key, "other", None)),
            outcome(other, saving(requests[3], first_key, "", "one")),
        )

    try:
        outcomes = asyncio.run(scenario())
        # Per key, one twin committed and the other heard of it; which one is PostgreSQL's pick.
        for twins in ((0, 3), (1, 2)):
            answers = sorted(outcomes[i] for i in twins)
            assert answers in ([requests[i].id, "replayed"] for i in twins), outcomes
            assert [_stored(one, requests[i].id) for i in twins].count(True) == 1
        assert _outbox_depth(one) == 2
    finally:
        one.close()
        other.close()
