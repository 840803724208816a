"""Read-only questions operators ask the store, beyond what the repositories offer.

They read through their own read-only connections (on SQLite a reader never takes the write
lock) and never write: every change to the store goes through a unit of work elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, and_, func, or_, select

from contracts.catalogue import Catalogue, Category, Mode
from contracts.messages import RequestStatus
from gateway.metrics import Backlog
from gateway.store import OutboxKind, Store
from gateway.store.clock import utc_now
from gateway.store.tables import outbox, requests
from gateway.store.unit_of_work import READ_ONLY_OPTION

ANSWERED_STATUSES = frozenset(
    {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CLOSED, RequestStatus.COMPLETED}
)
"""A request in one of these has had its answer; the others still wait for one."""


def working_days_before(moment: datetime, days: int) -> datetime:
    """``moment`` moved back by ``days`` working days (Monday to Friday).

    Public holidays are not counted out: the deadline this gives is at most a few days early,
    which for an overdue alarm errs on the side of telling the operator sooner.
    """
    current = moment
    remaining = days
    while remaining > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def outbox_backlog(store: Store) -> dict[str, Backlog]:
    """Unsent rows and the oldest one's age, per outbox kind (hand-offs, callbacks)."""
    now = utc_now()
    backlog = {}
    for kind in OutboxKind:
        stats = store.outbox_stats(kind)
        backlog[kind.value] = Backlog(stats.depth, round(stats.oldest_age_s(now), 3))
    return backlog


def complaint_deadlines(catalogue: Catalogue) -> dict[str, int]:
    """Answer days of every async service in the catalogue's complaints category."""
    return {
        service.code: service.answer_days
        for service in catalogue.services
        if service.category is Category.COMPLAINTS and service.mode is Mode.ASYNC
    }


def overdue_counts(
    store: Store, deadlines: Mapping[str, int], *, now: datetime | None = None
) -> dict[str, int]:
    """Requests of each service still unanswered past ``answer_days`` working days.

    One statement for all services (each with its own cutoff), so a scrape reads the
    requests table once however many complaint services the catalogue has.
    """
    if not deadlines:
        return {}
    now = now or utc_now()
    waiting = [status.value for status in RequestStatus if status not in ANSWERED_STATUSES]
    late = or_(
        *(
            and_(
                requests.c.service == service,
                requests.c.created_at < working_days_before(now, days),
            )
            for service, days in sorted(deadlines.items())
        )
    )
    counts = dict.fromkeys(sorted(deadlines), 0)
    with store.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as connection:
        rows = connection.execute(
            select(requests.c.service, func.count())
            .where(requests.c.status.in_(waiting), late)
            .group_by(requests.c.service)
        ).all()
    for service, count in rows:
        counts[service] = int(count)
    return counts


def deliveries_of(store: Store, request_id: str) -> list[dict[str, Any]]:
    """The request's outbox rows (its hand-off and its callbacks), oldest first.

    Bodies are left out: a hand-off carries the applicant, and the operator needs the
    delivery's fate, not its content.
    """
    columns = [
        outbox.c.kind,
        outbox.c.message_id,
        outbox.c.destination,
        outbox.c.attempts,
        outbox.c.created_at,
        outbox.c.published_at,
        outbox.c.failed_at,
        outbox.c.last_error,
    ]
    with store.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as connection:
        rows = connection.execute(
            select(*columns).where(outbox.c.request_id == request_id).order_by(outbox.c.id)
        ).mappings()
        return [_delivery(row) for row in rows]


def _delivery(row: RowMapping) -> dict[str, Any]:
    state = "published" if row["published_at"] else "failed" if row["failed_at"] else "waiting"
    return {
        "kind": row["kind"],
        "message_id": row["message_id"],
        "destination": row["destination"],
        "state": state,
        "attempts": row["attempts"],
        "created_at": _iso(row["created_at"]),
        "published_at": _iso(row["published_at"]),
        "failed_at": _iso(row["failed_at"]),
        "last_error": row["last_error"],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
