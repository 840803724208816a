"""A circuit breaker per registry, so a dead registry costs microseconds instead of timeouts.

States::

    closed ──(failure_threshold consecutive failures)──> open
    open ──(cool_down_s elapsed; the next caller becomes the probe)──> half_open
    half_open ──(probe succeeds)──> closed
    half_open ──(probe fails)──> open (the cool-down starts again)

While open, and while a probe is in flight, every other call fails fast with
``RegistryCircuitOpen``. "Failure" means the registry misbehaved (unavailable or bad answer);
a not-found or a rejection is a healthy registry saying no. The breaker lives on one event
loop and needs no lock: its state changes only between ``await`` points.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from adapters.errors import RegistryCircuitOpen, RegistryError

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failed attempts against one registry and fails fast when it is down."""

    def __init__(
        self,
        registry: str,
        *,
        failure_threshold: int,
        cool_down_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._threshold = failure_threshold
        self._cool_down_s = cool_down_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probe_in_flight or self._clock() - self._opened_at >= self._cool_down_s:
            return "half_open"
        return "open"

    def reset(self) -> None:
        """Close the breaker now (an operator knows the registry is back): the next call
        goes through at once instead of waiting out the cool-down, and the failure count
        starts again from zero."""
        self._record_success()

    @contextmanager
    def guard(self, operation: str) -> Iterator[None]:
        """Admit one attempt, or raise ``RegistryCircuitOpen``; record how the attempt ended.

        An attempt that ends in a ``RegistryError`` that counts against the registry is a
        failure; any other ``RegistryError`` and a normal exit are a success. An attempt that
        ends otherwise (cancelled, a bug) records nothing, but frees the probe slot so that
        the next caller can probe instead.
        """
        probing = self._admit(operation)
        try:
            yield
        except RegistryError as exc:
            if exc.counts_against_registry:
                self._record_failure()
            else:
                self._record_success()
            raise
        except BaseException:
            if probing:
                self._probe_in_flight = False
            raise
        else:
            self._record_success()

    def _admit(self, operation: str) -> bool:
        if self._opened_at is None:
            return False
        if self._probe_in_flight or self._clock() - self._opened_at < self._cool_down_s:
            raise RegistryCircuitOpen(
                self._registry, "circuit breaker is open; failing fast", operation=operation
            )
        self._probe_in_flight = True
        return True

    def _record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def _record_failure(self) -> None:
        self._failures += 1
        if self._probe_in_flight or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._probe_in_flight = False
