"""The complaints repository on SQLite and PostgreSQL: one transaction with the outbox,
token lookups by hash, legal moves only, and the times the statistics are built from."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contracts.complaint_messages import ComplaintStatus
from gateway.complaints.desk import ComplaintDesk, token_hash
from gateway.store import IllegalTransition, OutboxKind, Store
from gateway.store.complaints import ComplaintRepository, NewComplaint
from gateway.store.tables import metadata
from tests.integration.complaints.builders import COMPLAINTS, desk_on, submission

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _complaint(**changes: object) -> NewComplaint:
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "token_sha256": token_hash(uuid.uuid4().hex),
        "client_id": "complaints-app",
        "category": "road-damage",
        "institution": "19.public-services",
        "municipality": "19",
        "language": "sq",
        "description": "Gropë.",
        "attributes": {"road_part": "carriageway"},
        "latitude": 42.6629,
        "longitude": 21.1655,
        "address": None,
        "address_id": None,
        "media_url": None,
        "anonymous": True,
        "contact": {"email": "arta@example.com"},
        "message_id": str(uuid.uuid4()),
        "deadline_at": NOW + timedelta(days=30),
    }
    values.update(changes)
    return NewComplaint(**values)  # type: ignore[arg-type]


def test_the_migrated_tables_match_their_definitions(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_a_complaint_and_its_handoff_commit_together(store: Store) -> None:
    new = _complaint()
    with store.unit_of_work() as uow:
        complaints = uow.bind(ComplaintRepository)
        complaints.add(new, now=NOW)
        uow.outbox.add(
            OutboxKind.HANDOFF, message_id=new.message_id, destination="19.complaint.x", body="{}"
        )
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        complaints = uow.bind(ComplaintRepository)
        record = complaints.get(new.id)
        assert record is not None
        assert record.status is ComplaintStatus.RECEIVED
        assert record.contact == {"email": "arta@example.com"}
        assert record.submitted_at == NOW
        assert record.handed_off_at is None
        assert [c.status for c in complaints.history(new.id)] == [ComplaintStatus.RECEIVED]
        assert uow.outbox.get(new.message_id) is not None


def test_leaving_without_commit_stores_neither(store: Store) -> None:
    new = _complaint()
    with store.unit_of_work() as uow:
        complaints = uow.bind(ComplaintRepository)
        complaints.add(new)
        uow.outbox.add(OutboxKind.HANDOFF, message_id=new.message_id, destination="k", body="{}")
    with store.unit_of_work(read_only=True) as uow:
        complaints = uow.bind(ComplaintRepository)
        assert complaints.get(new.id) is None
        assert uow.outbox.get(new.message_id) is None


def test_a_token_is_found_by_its_hash_only(store: Store) -> None:
    new = _complaint(token_sha256=token_hash("the-citizens-token"))
    with store.unit_of_work() as uow:
        complaints = uow.bind(ComplaintRepository)
        complaints.add(new)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        complaints = uow.bind(ComplaintRepository)
        assert complaints.id_for_token(token_hash("the-citizens-token")) == new.id
        assert complaints.id_for_token("the-citizens-token") is None
        assert complaints.token_matches(new.id, token_hash("the-citizens-token"))
        assert not complaints.token_matches(new.id, token_hash("another"))


def test_answers_stamp_the_answer_time_and_illegal_moves_are_refused(store: Store) -> None:
    new = _complaint()
    answered_at = NOW + timedelta(days=3)
    with store.unit_of_work() as uow:
        complaints = uow.bind(ComplaintRepository)
        complaints.add(new, now=NOW)
        complaints.set_status(new.id, ComplaintStatus.ACKNOWLEDGED, source="institution:x")
        complaints.set_status(
            new.id,
            ComplaintStatus.ANSWERED,
            source="institution:x",
            public_note={"sq": "U riparua."},
            update_id=str(uuid.uuid4()),
            occurred_at=answered_at,
        )
        uow.commit()
    with store.unit_of_work() as uow, pytest.raises(IllegalTransition):
        complaints = uow.bind(ComplaintRepository)
        complaints.set_status(new.id, ComplaintStatus.IN_PROGRESS, source="x")
    with store.unit_of_work(read_only=True) as uow:
        complaints = uow.bind(ComplaintRepository)
        record = complaints.get(new.id)
        assert record is not None
        assert record.status is ComplaintStatus.ANSWERED
        assert record.answered_at == answered_at
        assert complaints.latest_notes([new.id]) == {new.id: {"sq": "U riparua."}}
        (row,) = [r for r in complaints.stats_rows() if r.answered_at is not None]
        assert row.answered_at - row.submitted_at == timedelta(days=3)


def test_search_filters_and_orders_newest_first(store: Store) -> None:
    older, newer, elsewhere = (
        _complaint(),
        _complaint(category="street-lighting"),
        _complaint(municipality="20", institution="20.public-services"),
    )
    with store.unit_of_work() as uow:
        complaints = uow.bind(ComplaintRepository)
        complaints.add(older, now=NOW - timedelta(days=2))
        complaints.add(newer, now=NOW - timedelta(days=1))
        complaints.add(elsewhere, now=NOW)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        complaints = uow.bind(ComplaintRepository)
        in_19 = complaints.search(municipality="19")
        assert [r.id for r in in_19] == [newer.id, older.id]
        lights = complaints.search(categories=["street-lighting"])
        assert [r.id for r in lights] == [newer.id]
        recent = complaints.search(submitted_from=NOW - timedelta(hours=36))
        assert {r.id for r in recent} == {newer.id, elsewhere.id}
        closed = complaints.search(statuses=[ComplaintStatus.CLOSED])
        assert closed == []
        by_id = complaints.search(ids=[elsewhere.id], municipality="19")
        assert [r.id for r in by_id] == [elsewhere.id]


def test_open311_complaints_past_their_deadline_are_counted_for_the_metrics(store: Store) -> None:
    """The overdue gauge (/metrics) counts a complaint the desk took in and nobody answered."""
    desk = desk_on(store)
    asyncio.run(desk.submit("complaints-app", submission("road-damage")))
    deadline_days = COMPLAINTS.category("road-damage").answer_days
    later = ComplaintDesk(
        catalogue=desk.catalogue,
        boundaries=desk.boundaries,
        gazetteer=desk.gazetteer,
        store=store,
        clock=lambda: datetime.now(UTC) + timedelta(days=deadline_days + 30),
    )

    assert desk.overdue_by_category() == {"road-damage": 0}
    assert later.overdue_by_category() == {"road-damage": 1}
