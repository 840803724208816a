"""The feeds' last good data outlives the gateway, and keeping it costs almost nothing.

A gateway restarted while a source is down must still serve what that source last said, with
its true age; before the snapshots were kept in the store it had nothing and answered 503. The
store is exercised on SQLite and on PostgreSQL; the sources are the real sandbox servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from contracts.catalogue import load_catalogue
from gateway.bootstrap import build_routing, policy_of
from gateway.open.channel import source_clients
from gateway.open.feeds import FeedStore
from gateway.open.refresher import FeedRefresher, SourceClient
from gateway.open.snapshots import SnapshotArchive
from gateway.settings import Settings
from gateway.store import Store
from tests.fixtures.open_data import open_gateway, source_environment
from tests.fixtures.sandbox import RunningSandbox

REVENUES = {"municipality": "32", "year": "2025"}


def _settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, relay_enabled=False, status_consumer_enabled=False)


@pytest.fixture
def sources(sandbox_reset: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    for name, value in source_environment(sandbox_reset).items():
        monkeypatch.setenv(name, value)
    return sandbox_reset


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_gateway_restarted_while_a_source_is_down_serves_the_last_data_with_its_true_age(
    sources: RunningSandbox, database_url: str
) -> None:
    with open_gateway(_settings(database_url)) as first:
        before = first.get("/v1/open/revenues", params=REVENUES)
    stopped_at = datetime.now(UTC)
    assert before.status_code == 200 and before.json()["freshness"]["stale"] is False

    sources.set_faults("treasury", down="refuse")
    with open_gateway(_settings(database_url)) as second:
        after = second.get("/v1/open/revenues", params=REVENUES)
        asked_at = datetime.now(UTC)
        plans = second.get("/v1/open/plans", params={"municipality": "32"})

    assert after.status_code == 200, after.text
    body = after.json()
    assert body["data"] == before.json()["data"]
    assert body["freshness"]["stale"] is True
    assert after.headers["x-ekomunat-stale"] == "true"
    as_of = _moment(body["freshness"]["as_of"])
    assert _moment(before.json()["freshness"]["as_of"]) <= as_of <= stopped_at
    # The age counts from the first gateway's last confirmation, not from the restart.
    assert int(after.headers["age"]) >= int((asked_at - stopped_at).total_seconds())
    assert abs(int(after.headers["age"]) - (asked_at - as_of).total_seconds()) <= 2
    assert plans.json()["freshness"]["stale"] is False


@pytest.fixture
def refresher_on(
    sources: RunningSandbox, database_url: str
) -> Iterator[tuple[FeedRefresher, Store, dict[str, SourceClient]]]:
    """A refresher of Prishtinë's documents keeping its snapshots in a fresh store."""
    settings = _settings(database_url)
    table, _registries = build_routing(settings, load_catalogue(settings.catalogue_dir))
    store = Store.from_url(database_url)
    clients = source_clients(settings, table, policy_of=policy_of)
    refresher = FeedRefresher(
        FeedStore(),
        clients,
        municipalities=("19",),
        period_s=20,
        archive=SnapshotArchive(store),
    )
    try:
        yield refresher, store, clients
    finally:
        store.close()


def test_a_refresh_that_finds_nothing_new_writes_no_document_only_one_batch_of_times(
    refresher_on: tuple[FeedRefresher, Store, dict[str, SourceClient]],
) -> None:
    refresher, store, clients = refresher_on
    statements: list[tuple[str, bool]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        if "open_feed_snapshots" in sql:
            statements.append((sql.split()[0].upper(), many))

    async def refresh_twice() -> Any:
        first = await refresher.refresh_once()
        event.listen(store.engine, "before_cursor_execute", seen)
        try:
            second = await refresher.refresh_once()
        finally:
            event.remove(store.engine, "before_cursor_execute", seen)
            for client in clients.values():
                await client.aclose()
        return first, second

    first, second = asyncio.run(refresh_twice())

    assert sum(counts["changed"] for counts in first.values()) > 10
    assert sum(counts["changed"] for counts in second.values()) == 0
    assert statements == [("UPDATE", True)], "one batched UPDATE of the times, nothing else"
    reloaded = FeedStore()
    SnapshotArchive(store).load_into(reloaded)
    key = ("revenues", "19", 2025)
    assert reloaded.get(key) is not None
    assert reloaded.get(key).fetched_at > reloaded.get(key).changed_at
