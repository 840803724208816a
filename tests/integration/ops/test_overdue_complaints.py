"""Complaints past their legal answer time, counted on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.messages import RequestStatus
from gateway.ops.queries import outbox_backlog, overdue_counts
from gateway.store import Store
from tests.integration.store.builders import handoff_for, new_request

MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _add(
    store: Store, service: str, created: datetime, status: RequestStatus | None = None
) -> None:
    request = new_request(service=service)
    with store.unit_of_work() as uow:
        uow.requests.add(request, now=created)
        if status is not None:
            uow.requests.set_status(request.id, RequestStatus.IN_REVIEW, source="test")
            uow.requests.set_status(request.id, status, source="test")
        uow.commit()


def test_only_unanswered_complaints_past_their_working_days_are_overdue(store: Store) -> None:
    deadlines = {"municipal-service-complaint": 5, "information-access-complaint": 15}
    two_weeks_ago = MONDAY - timedelta(days=14)  # 10 working days
    _add(store, "municipal-service-complaint", two_weeks_ago)
    _add(store, "municipal-service-complaint", two_weeks_ago)
    _add(store, "municipal-service-complaint", MONDAY - timedelta(days=3))  # Friday: in time
    _add(store, "municipal-service-complaint", two_weeks_ago, RequestStatus.APPROVED)
    _add(store, "information-access-complaint", two_weeks_ago)  # 15 days: still in time
    _add(store, "birth-certificate", two_weeks_ago)  # not a complaint

    counts = overdue_counts(store, deadlines, now=MONDAY)

    assert counts == {"municipal-service-complaint": 2, "information-access-complaint": 0}


def test_the_backlog_is_reported_per_outbox_kind(store: Store) -> None:
    request = new_request(service="municipal-service-complaint")
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(handoff_for(request))
        uow.commit()

    backlog = outbox_backlog(store)

    assert backlog["handoff"].depth == 1 and backlog["handoff"].oldest_age_s >= 0
    assert backlog["callback"].depth == 0
