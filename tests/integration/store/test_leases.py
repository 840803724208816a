"""The leases of once-per-deployment duties, on SQLite and on PostgreSQL: one holder at a time,
taken over once it has run out, and a holder that could not renew in time stops its duty
before writing anything.

Time is injected: each lease worker has its own monotonic clock and wall clock, moved by the
test, so "the holder was paused past its lease" is a fact the test sets, not a wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import SQLAlchemyError

from gateway.leased_worker import LeasedWorker
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.leases import LeaseRepository

TTL_S = 5.0
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Duty:
    """A duty that records when it runs, and keeps a write only while its lease holds."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0
        self.kept: list[str] = []
        self.refused: list[str] = []
        self._holds: Callable[[], bool] = lambda: True

    def fence(self, holds: Callable[[], bool]) -> None:
        self._holds = holds

    def start(self) -> None:
        self.running = True
        self.starts += 1

    def stop(self) -> None:
        self.running = False

    def write(self, what: str) -> None:
        (self.kept if self._holds() else self.refused).append(what)


class Clocks:
    """One process's clocks: a monotonic one and a wall one, moved together."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def monotonic(self) -> float:
        return self.elapsed

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.elapsed)


def _worker(store: Store, name: str, clocks: Clocks) -> tuple[LeasedWorker, Duty]:
    duty = Duty()
    worker = LeasedWorker(
        "open-data-refresher",
        duty,
        store,
        ttl_s=TTL_S,
        renew_s=1.0,
        holder=name,
        monotonic=clocks.monotonic,
        wall=clocks.wall,
    )
    return worker, duty


def test_of_two_instances_trying_at_once_exactly_one_holds_the_lease(store: Store) -> None:
    won: list[str] = []
    together = threading.Barrier(8)

    def claim(holder: str) -> None:
        together.wait()
        with store.unit_of_work() as uow:
            row = uow.bind(LeaseRepository).claim("open-data-refresher", holder, START, TTL_S)
            uow.commit()
        if row is not None:
            won.append(holder)

    threads = [threading.Thread(target=claim, args=(f"host:{n}:x",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1


def test_a_lease_is_taken_over_only_once_it_has_run_out_and_in_a_new_term(store: Store) -> None:
    first, first_duty = _worker(store, "a:1:x", Clocks())
    second_clocks = Clocks()
    second, second_duty = _worker(store, "b:2:y", second_clocks)

    first.tick()
    second.tick()
    assert (first_duty.running, second_duty.running) == (True, False)

    # The holder dies: it renews no more. Just before its lease runs out, it still holds.
    second_clocks.elapsed = TTL_S - 0.1
    second.tick()
    assert not second_duty.running

    second_clocks.elapsed = TTL_S + 0.1
    second.tick()
    assert second_duty.running
    assert second.term is not None and first.term is not None
    assert second.term == first.term + 1


def test_a_holder_that_renews_keeps_its_duty_and_a_clean_stop_hands_it_over_at_once(
    store: Store,
) -> None:
    clocks = Clocks()
    first, first_duty = _worker(store, "a:1:x", clocks)
    second, second_duty = _worker(store, "b:2:y", clocks)
    first.start()
    try:
        for step in range(1, 12):
            clocks.elapsed = step * 1.0
            first.tick()
            second.tick()
            assert (first_duty.running, second_duty.running) == (True, False)
    finally:
        first.stop()

    assert not first_duty.running
    second.tick()
    assert second_duty.running
    assert first_duty.starts == 1


def test_a_paused_holder_stops_its_duty_and_keeps_nothing_once_another_took_over(
    store: Store,
) -> None:
    paused_clocks, other_clocks = Clocks(), Clocks()
    paused, paused_duty = _worker(store, "a:1:x", paused_clocks)
    other, other_duty = _worker(store, "b:2:y", other_clocks)
    paused.tick()
    paused_duty.write("before the pause")

    # The holder is stopped (SIGSTOP) for twice its lease; the other instance takes over.
    paused_clocks.elapsed = other_clocks.elapsed = 2 * TTL_S
    other.tick()
    assert other_duty.running

    # Resumed: the paused duty's next write is refused, and its next tick stops it for good.
    paused_duty.write("after the pause")
    paused.tick()
    other.tick()

    assert paused_duty.kept == ["before the pause"]
    assert paused_duty.refused == ["after the pause"]
    assert not paused_duty.running
    assert other_duty.running


def test_a_holder_stopped_inside_its_claim_does_not_keep_the_lease_from_the_others(
    postgres_store: Store,
) -> None:
    """The holder's renewal is left open, as a SIGSTOP between its upsert and its commit
    leaves it, holding the lease's row lock: the other instance still takes the duty over
    once the lease ran out, and the stopped holder's renewal, when it wakes, has failed."""
    short_ttl_s = 1.0
    with postgres_store.unit_of_work() as uow:
        claimed = uow.bind(LeaseRepository).claim(
            "open-data-refresher", "a", datetime.now(UTC), short_ttl_s
        )
        assert claimed is not None
        uow.commit()
    duty = Duty()
    other = LeasedWorker(
        "open-data-refresher", duty, postgres_store, ttl_s=short_ttl_s, renew_s=0.4, holder="b"
    )

    def keep_trying() -> None:
        deadline = time.monotonic() + 30
        while not other.running and time.monotonic() < deadline:
            other.tick()
            time.sleep(0.2)

    with postgres_store.unit_of_work() as stopped:
        renewal = stopped.bind(LeaseRepository).claim(
            "open-data-refresher", "a", datetime.now(UTC), short_ttl_s
        )
        assert renewal is not None
        taking = threading.Thread(target=keep_trying, daemon=True)
        taking.start()
        taking.join(timeout=40)
        assert not taking.is_alive(), "the other instance still waits on the stopped claim"
        assert duty.running and other.holds()
        with pytest.raises(SQLAlchemyError):
            stopped.commit()


@pytest.mark.parametrize("renew_s", [2.6, 5.0])
def test_renewals_must_fit_at_least_twice_in_a_lease(renew_s: float) -> None:
    with pytest.raises(ValueError, match="at most half"):
        Settings(lease_ttl_s=5.0, lease_renew_s=renew_s)
