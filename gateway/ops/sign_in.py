"""Operators' sign-in to the dashboard: throttled key checks and server-side sessions.

A dashboard session is a random id (``secrets.token_urlsafe``, 256 bits) in the operator's
cookie; the store keeps only its SHA-256, the operator it belongs to and two moments, so that
every gateway instance knows it, signing out ends it everywhere, and neither a copy of the
table nor a stolen log opens one. A session ends ``idle_s`` after it was last used and
``max_s`` after it was opened, whichever comes first. "Last used" is written at most every
``touch_every_s`` (a tenth of the idle time, at most a minute), so that a dashboard polling
every two seconds does not write to the store every two seconds; a session may therefore
end up to that much earlier than ``idle_s`` says.

Throttling counts refused sign-ins in the store as well (shared by all instances, rows older
than the window pruned on each failure), under two scopes: the client's address, and the
first ``PREFIX_CHARS`` characters of the key tried (an attacker who spreads tries over many
addresses still repeats a key's known start). Past ``max_failures`` in either scope within
``window_s``, sign-in is refused, even with the right key, until the oldest counted failure
leaves the window. Scopes are stored as hashes: a mistyped real key's start is key material.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.store import Store
from gateway.store.clock import utc_now
from gateway.store.ops_sessions import OpsSessionRepository

PREFIX_CHARS = 8
TOUCH_EVERY_MAX_S = 60.0


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class OpsSignIn:
    """Sessions and sign-in throttling over the store; ``clock`` is replaceable for tests."""

    store: Store
    idle_s: float
    max_s: float
    max_failures: int
    window_s: float
    clock: Callable[[], datetime] = utc_now

    @property
    def touch_every_s(self) -> float:
        return min(TOUCH_EVERY_MAX_S, self.idle_s / 10)

    # Throttling

    def _scopes(self, address: str, key: str) -> tuple[str, str]:
        return _sha256(f"address:{address}"), _sha256(f"prefix:{key[:PREFIX_CHARS]}")

    def retry_after_s(self, address: str, key: str) -> int | None:
        """Seconds until a sign-in from ``address`` with ``key`` may be tried, or None (now)."""
        now = self.clock()
        since = now - timedelta(seconds=self.window_s)
        waits = []
        with self.store.unit_of_work(read_only=True) as uow:
            repository = uow.bind(OpsSessionRepository)
            for scope in self._scopes(address, key):
                count, oldest = repository.failures_since(scope, since)
                if count >= self.max_failures and oldest is not None:
                    left = (oldest - since).total_seconds()
                    waits.append(max(1, math.ceil(left)))
        return max(waits) if waits else None

    def failed(self, address: str, key: str) -> None:
        """Count one refused sign-in against the address and the key's prefix."""
        now = self.clock()
        with self.store.unit_of_work() as uow:
            repository = uow.bind(OpsSessionRepository)
            repository.forget_failures_before(now - timedelta(seconds=self.window_s))
            repository.record_failure(self._scopes(address, key), now=now)
            uow.commit()

    # Sessions

    def open(self, client: str) -> str:
        """A new session for ``client``; the returned id goes into the cookie, and only there."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.store.unit_of_work() as uow:
            repository = uow.bind(OpsSessionRepository)
            repository.close_ended(
                idle_before=now - timedelta(seconds=self.idle_s),
                opened_before=now - timedelta(seconds=self.max_s),
            )
            repository.open(_sha256(session_id), client, now=now)
            uow.commit()
        return session_id

    def client_of(self, session_id: str) -> str | None:
        """The operator client whose live session this is, or None (unknown, ended)."""
        id_sha256 = _sha256(session_id)
        now = self.clock()
        with self.store.unit_of_work(read_only=True) as uow:
            session = uow.bind(OpsSessionRepository).get(id_sha256)
        if session is None:
            return None
        idle = (now - session.last_used_at).total_seconds()
        age = (now - session.opened_at).total_seconds()
        if idle >= self.idle_s or age >= self.max_s:
            self.close(session_id)
            return None
        if idle >= self.touch_every_s:
            with self.store.unit_of_work() as uow:
                uow.bind(OpsSessionRepository).touch(id_sha256, now=now)
                uow.commit()
        return session.client

    def close(self, session_id: str) -> None:
        with self.store.unit_of_work() as uow:
            uow.bind(OpsSessionRepository).close(_sha256(session_id))
            uow.commit()
