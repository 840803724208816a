"""Requests and their status history, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from contracts.messages import RequestStatus
from gateway.store import IllegalTransition, Store, StoreConflict, UnknownRequest
from tests.integration.store.builders import new_request


def _stored(store: Store, **kwargs: str) -> str:
    request = new_request(**kwargs)
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.commit()
    return request.id


def test_a_status_change_is_recorded_with_who_and_why(store: Store) -> None:
    request_id = _stored(store)
    update_id = str(uuid.uuid4())
    with store.unit_of_work() as uow:
        uow.requests.set_status(
            request_id,
            RequestStatus.IN_REVIEW,
            source="municipality:19",
            note={"language": "sq", "text": "Kërkesa është në shqyrtim."},
            decided_by={"official_id": "19-0042"},
            update_id=update_id,
        )
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        current = uow.requests.get(request_id)
        history = uow.requests.history(request_id)
        seen = uow.requests.has_update(update_id)
    assert current is not None and current.status is RequestStatus.IN_REVIEW
    assert [change.status for change in history] == ["accepted", "in_review"]
    assert history[1].previous_status is RequestStatus.ACCEPTED
    assert history[1].note == {"language": "sq", "text": "Kërkesa është në shqyrtim."}
    assert history[1].source == "municipality:19"
    assert seen


def test_an_illegal_move_is_refused_and_changes_nothing(store: Store) -> None:
    request_id = _stored(store)
    with pytest.raises(IllegalTransition), store.unit_of_work() as uow:
        uow.requests.set_status(request_id, RequestStatus.CLOSED, source="municipality:19")

    with store.unit_of_work(read_only=True) as uow:
        assert [change.status for change in uow.requests.history(request_id)] == ["accepted"]


def test_a_status_for_an_unknown_request_is_refused(store: Store) -> None:
    with pytest.raises(UnknownRequest), store.unit_of_work() as uow:
        uow.requests.set_status(str(uuid.uuid4()), RequestStatus.IN_REVIEW, source="test")


def test_one_update_id_cannot_be_recorded_twice(store: Store) -> None:
    request_id = _stored(store)
    update_id = str(uuid.uuid4())
    with store.unit_of_work() as uow:
        uow.requests.set_status(
            request_id, RequestStatus.IN_REVIEW, source="m", update_id=update_id
        )
        uow.commit()
    with pytest.raises(StoreConflict), store.unit_of_work() as uow:
        uow.requests.set_status(request_id, RequestStatus.APPROVED, source="m", update_id=update_id)


def test_handed_off_only_moves_requests_still_accepted(store: Store) -> None:
    waiting = _stored(store)
    fast = _stored(store)
    with store.unit_of_work() as uow:
        uow.requests.set_status(fast, RequestStatus.IN_REVIEW, source="municipality:19")
        uow.commit()

    with store.unit_of_work() as uow:
        moved = uow.requests.mark_handed_off([waiting, fast])
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        waiting_now = uow.requests.get(waiting)
        fast_now = uow.requests.get(fast)
    assert moved == [waiting]
    assert waiting_now is not None and waiting_now.status is RequestStatus.HANDED_OFF
    assert fast_now is not None and fast_now.status is RequestStatus.IN_REVIEW


def test_search_filters_and_returns_newest_first(store: Store) -> None:
    first = _stored(store, municipality="19", client_id="portal")
    second = _stored(store, municipality="19", client_id="portal")
    _stored(store, municipality="20", client_id="portal")
    _stored(store, municipality="19", client_id="kiosk")

    with store.unit_of_work(read_only=True) as uow:
        found = uow.requests.search(client_id="portal", municipality="19")
        accepted = uow.requests.search(status=RequestStatus.ACCEPTED, limit=10)
        page = uow.requests.search(client_id="portal", municipality="19", limit=1, offset=1)

    assert [record.id for record in found] == [second, first]
    assert len(accepted) == 4
    assert [record.id for record in page] == [first]


def test_a_request_id_is_stored_once(store: Store) -> None:
    request = new_request()
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.commit()
    with pytest.raises(StoreConflict), store.unit_of_work() as uow:
        uow.requests.add(request)
