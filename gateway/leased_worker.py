"""A once-per-deployment duty, run only by the instance that holds its lease in the store.

``LeasedWorker`` wraps a ``Runnable`` (the feed refresher) in a thread of its own that, every
``renew_s``, claims the duty's lease (``gateway.store.leases``): on every instance at once,
exactly one claim wins. The winner starts the duty; the others keep trying, so when the
holder dies (its lease is no longer renewed) one of them takes the duty over within
``ttl_s`` plus one renewal. A clean stop gives the lease back, so takeover is then at the
next try.

Fencing: the holder counts its lease from the moment it *asked* for it, on its own monotonic
clock, so its own deadline never falls after the one the others read in the store. Before
each renewal, and whenever the duty asks (``holds``, given to a ``Fenced`` duty before it
writes), the deadline is checked: a holder that could not renew in time (its process was
paused, its database unreachable) stops its duty and skips that write, before the instance
that took over could run it too. A failed or lost renewal stops the duty at once. The check
comes before the write's transaction, not inside it: a process paused within that
transaction still commits on waking, and the new holder's next write replaces it.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import structlog
from sqlalchemy.exc import SQLAlchemyError

from gateway.store import Store
from gateway.store.clock import utc_now
from gateway.store.leases import LeaseRepository

if TYPE_CHECKING:
    from gateway.features import Runnable

log = structlog.get_logger()


@runtime_checkable
class Fenced(Protocol):
    """A duty that asks, before each write to shared state, whether its lease still holds."""

    def fence(self, holds: Callable[[], bool]) -> None: ...


def holder_id() -> str:
    """This process's name on a lease: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeasedWorker:
    """Runs ``duty`` only while this process holds the lease ``name`` (see the module)."""

    def __init__(
        self,
        name: str,
        duty: Runnable,
        store: Store,
        *,
        ttl_s: float,
        renew_s: float,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = utc_now,
    ) -> None:
        self.name = name
        self.holder = holder or holder_id()
        self._duty = duty
        self._store = store
        self._ttl_s = ttl_s
        self._renew_s = renew_s
        self._monotonic = monotonic
        self._wall = wall
        self._valid_until: float | None = None
        self._running = False
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self.term: int | None = None
        """The term of the lease while held here (for logs and tests)."""
        self.takeovers = 0
        """How many times this process won the lease and started the duty."""
        if isinstance(duty, Fenced):
            duty.fence(self.holds)

    @property
    def running(self) -> bool:
        """True while the duty runs in this process."""
        return self._running

    def holds(self) -> bool:
        """True while this process's lease has not run out on its own clock."""
        valid_until = self._valid_until
        return valid_until is not None and self._monotonic() < valid_until

    # ---- life in a thread ------------------------------------------------------------------

    def start(self) -> None:
        """Try for the lease now (so a lone instance runs its duty before it serves), then
        keep trying, or renewing, in a thread."""
        if self._thread is not None:
            raise RuntimeError(f"the leased worker {self.name} is already running")
        self._halt.clear()
        self.tick()
        self._thread = threading.Thread(target=self._run, name=f"lease-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the duty, give the lease back, end the thread."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(self._ttl_s + 15)
            self._thread = None

    def _run(self) -> None:
        while not self._halt.wait(self._renew_s):
            self.tick()
        self._stop_duty("stopping")
        self._release()

    # ---- one try ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Fence, then claim or renew the lease, and start or stop the duty to match."""
        with self._lock:
            if self._running and not self.holds():
                self._stop_duty("expired")
            asked = self._monotonic()
            try:
                with self._store.unit_of_work() as uow:
                    row = uow.bind(LeaseRepository).claim(
                        self.name, self.holder, self._wall(), self._ttl_s
                    )
                    uow.commit()
            except SQLAlchemyError as exc:
                log.warning("lease.renewal_failed", worker=self.name, error=type(exc).__name__)
                self._valid_until = None
                self._stop_duty("renewal failed")
                return
            if row is None:
                self._valid_until = None
                self.term = None
                self._stop_duty("held elsewhere")
                return
            self._valid_until = asked + self._ttl_s
            if not self._running:
                self.term = row.term
                self.takeovers += 1
                log.info("lease.won", worker=self.name, holder=self.holder, term=row.term)
                self._duty.start()
                self._running = True

    def _stop_duty(self, why: str) -> None:
        if not self._running:
            return
        self._running = False
        report = log.info if why == "stopping" else log.warning
        report("lease.duty_stopped", worker=self.name, holder=self.holder, why=why)
        self._duty.stop()

    def _release(self) -> None:
        if self._valid_until is None:
            return
        self._valid_until = None
        try:
            with self._store.unit_of_work() as uow:
                uow.bind(LeaseRepository).release(self.name, self.holder)
                uow.commit()
        except SQLAlchemyError as exc:  # it runs out by itself
            log.warning("lease.release_failed", worker=self.name, error=type(exc).__name__)
