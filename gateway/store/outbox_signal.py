"""Word, inside one process, that a transaction has just committed outbox rows.

The relay polls the outbox, because rows also come from other processes and released rows
come due later; polling alone, though, makes a hand-off wait up to a poll interval, and
polling often costs CPU in the process that serves requests. So the store fires this signal
after every commit that added rows, and the relay in the same process wakes at once; its
poll is only the safety net (half a second) for what the signal cannot tell.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gateway.store.records import OutboxKind

Listener = Callable[[], None]


class OutboxSignal:
    """Listeners per outbox kind; ``fire`` runs on the committing thread, so they must be
    quick and thread-safe (the relay's only schedules a wake-up on its own loop)."""

    def __init__(self) -> None:
        self._listeners: dict[OutboxKind, list[Listener]] = {}
        self._lock = threading.Lock()

    def subscribe(self, kind: OutboxKind, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after each commit of ``kind`` rows; returns the unsubscribe."""
        with self._lock:
            self._listeners.setdefault(kind, []).append(listener)

        def unsubscribe() -> None:
            with self._lock:
                listeners = self._listeners.get(kind, [])
                if listener in listeners:
                    listeners.remove(listener)

        return unsubscribe

    def fire(self, kinds: set[OutboxKind]) -> None:
        for kind in kinds:
            with self._lock:
                listeners = list(self._listeners.get(kind, ()))
            for listener in listeners:
                listener()
