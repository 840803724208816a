"""Accept = commit: the request, its hand-off and its idempotency answer live or die together."""

from __future__ import annotations

import pytest

from gateway.store import OutboxKind, Store
from tests.integration.store.builders import handoff_for, new_request


def _accept(store: Store, *, commit: bool) -> str:
    request = new_request()
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(handoff_for(request))
        uow.idempotency.save("portal", f"key-{request.id}", "hash", 202, {"id": request.id})
        if commit:
            uow.commit()
    return request.id


def test_committed_accept_keeps_request_outbox_row_and_idempotency_answer(store: Store) -> None:
    request_id = _accept(store, commit=True)

    with store.unit_of_work(read_only=True) as uow:
        stored = uow.requests.get(request_id)
        answer = uow.idempotency.get("portal", f"key-{request_id}")
        stats = uow.outbox.stats()
    assert stored is not None and stored.status == "accepted"
    assert answer is not None and answer.response == {"id": request_id}
    assert stats.by_kind == {OutboxKind.HANDOFF.value: 1}


def test_leaving_without_commit_keeps_nothing(store: Store) -> None:
    request_id = _accept(store, commit=False)

    with store.unit_of_work(read_only=True) as uow:
        assert uow.requests.get(request_id) is None
        assert uow.idempotency.get("portal", f"key-{request_id}") is None
        assert uow.outbox.stats().depth == 0


def test_an_exception_inside_the_block_rolls_everything_back(store: Store) -> None:
    request = new_request()
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(handoff_for(request))
        raise RuntimeError("the registry answer failed a rule after all")

    with store.unit_of_work(read_only=True) as uow:
        assert uow.requests.get(request.id) is None
        assert uow.outbox.stats().depth == 0


def test_the_handoff_row_carries_the_published_contract(store: Store) -> None:
    request = new_request(municipality="20", service="cadastre.possession-list")
    message = handoff_for(request)
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(message)
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        row = uow.outbox.get(str(message.message_id))
    assert row is not None
    assert row["destination"] == "20.cadastre.possession-list"
    assert row["headers"] == {"schema": "ekomunat.handoff", "schema_version": "1"}
    assert type(message).model_validate_json(row["body"]) == message
