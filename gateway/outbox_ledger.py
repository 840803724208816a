"""One relay's hold on one kind of outbox row: claim under a lease, settle, give back.

Every relay of the outbox (hand-offs to RabbitMQ, callbacks over HTTP) keeps its books the
same way, so each promise holds for both:

* a row is claimed for ``lease_s`` seconds and sent; only a delivery the other side took
  (a broker confirm, a 2xx answer) marks it published;
* anything else releases it, counting the attempt when it failed, for a later try;
* a relay that stops gives its claims back at once; one that dies holds them until the
  lease runs out, and then any relay takes them. So a row may go out twice, never zero
  times: receivers de-duplicate on its ``message_id``.

``RetryPolicy`` is the backoff of a relay whose other side answers per row (HTTP); the AMQP
relay releases at once (the broker is gone) or after a fixed pause (no queue yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gateway.store import OutboxKind, OutboxMessage, Store
from gateway.store.clock import utc_now
from gateway.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a row is tried, and how long to wait between tries."""

    max_attempts: int = 8
    base_delay_s: float = 2.0
    max_delay_s: float = 600.0

    def delay_after(self, attempts: int) -> float:
        return retry_delay_s(attempts, base_s=self.base_delay_s, cap_s=self.max_delay_s)

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def retry_delay_s(attempts: int, *, base_s: float, cap_s: float) -> float:
    """Exponential backoff after the ``attempts``-th failure: base, 2·base, 4·base … cap."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


class OutboxLedger:
    """Claims and settles rows of one ``kind`` for one relay named ``owner``."""

    def __init__(self, store: Store, kind: OutboxKind, *, owner: str, lease_s: float) -> None:
        self._store = store
        self.kind = kind
        self.owner = owner
        self._lease_s = lease_s

    def claim(self, limit: int) -> list[OutboxMessage]:
        with self._store.unit_of_work() as uow:
            rows = uow.outbox.claim(self.kind, owner=self.owner, limit=limit, lease_s=self._lease_s)
            uow.commit()
        return rows

    def published(
        self, ids: Sequence[int], *, also: Callable[[UnitOfWork], object] | None = None
    ) -> None:
        """Mark the rows delivered; ``also`` records what follows in the same transaction."""
        with self._store.unit_of_work() as uow:
            uow.outbox.mark_published(ids)
            if also is not None:
                also(uow)
            uow.commit()

    def release(self, ids: Iterable[int], *, error: str, delay_s: float = 0.0) -> None:
        """A failed attempt: counted, recorded, and the rows due again after ``delay_s``."""
        with self._store.unit_of_work() as uow:
            uow.outbox.release(ids, error=error, delay_s=delay_s)
            uow.commit()

    def fail(self, ids: Iterable[int], *, error: str) -> None:
        """Stop trying: the rows stay for operators to inspect."""
        with self._store.unit_of_work() as uow:
            uow.outbox.fail(ids, error=error)
            uow.commit()

    def give_back(self) -> int:
        """Release every claim this relay still holds, without counting an attempt."""
        with self._store.unit_of_work() as uow:
            released = uow.outbox.release_claims_of(self.owner)
            uow.commit()
        return released

    def backlog(self) -> tuple[int, float]:
        """(rows not yet delivered, age in seconds of the oldest), for ``/ready``."""
        stats = self._store.outbox_stats(self.kind)
        return stats.depth, round(stats.oldest_age_s(utc_now()), 3)
