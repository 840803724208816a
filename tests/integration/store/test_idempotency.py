"""Idempotency keys: the first answer is kept; a racing second save is refused."""

from __future__ import annotations

import pytest

from gateway.store import DuplicateIdempotencyKey, Store


def test_an_unknown_key_has_no_answer(store: Store) -> None:
    with store.unit_of_work(read_only=True) as uow:
        assert uow.idempotency.get("portal", "never-used") is None


def test_the_first_answer_is_returned_for_the_same_client_only(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.idempotency.save("portal", "k-1", "sha256:abc", 202, {"request_id": "r-1"})
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        answer = uow.idempotency.get("portal", "k-1")
        other_client = uow.idempotency.get("kiosk", "k-1")
    assert answer is not None
    assert (answer.body_hash, answer.status_code, answer.response) == (
        "sha256:abc",
        202,
        {"request_id": "r-1"},
    )
    assert other_client is None


def test_a_second_save_of_one_key_is_a_conflict_and_keeps_the_first(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.idempotency.save("portal", "k-2", "h1", 202, {"n": 1})
        uow.commit()
    with pytest.raises(DuplicateIdempotencyKey), store.unit_of_work() as uow:
        uow.idempotency.save("portal", "k-2", "h2", 202, {"n": 2})

    with store.unit_of_work(read_only=True) as uow:
        answer = uow.idempotency.get("portal", "k-2")
    assert answer is not None and answer.response == {"n": 1}
