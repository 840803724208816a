"""Status-change handlers run inside the status update's own transaction (no broker needed).

The status consumer's ``handle`` is called with a delivery as the broker would hand it over
(sent by Prishtinë's own broker user), on a real SQLite store; the consumer never connects.
What a handler writes commits with the change, and a handler that refuses takes the whole
update back with it: the request keeps its status, and no callback leaves for a change that
never happened.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.amqp.consumer import Delivery, Verdict
from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, RequestStatus, StatusUpdate
from gateway.status import StatusConsumer
from gateway.status_changes import StatusChanged, StatusChangeHandlers, queue_callback
from gateway.store import OutboxKind, Store, UnitOfWork
from tests.integration.store.builders import new_request

SERVICE = "civil.birth-certificate"
OTHER_SERVICE = "business.registration-extract"


class HandlerRefused(RuntimeError):
    """What the refusing handler raises."""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    built = Store.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        yield built
    finally:
        built.close()


def _stored_request(store: Store) -> str:
    request = dataclasses.replace(
        new_request(service=SERVICE), callback_url="https://portal.example/callbacks"
    )
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.commit()
    return request.id


def _delivery(request_id: str, status: str = "in_review") -> Delivery:
    update = StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.UUID(request_id),
        municipality="19",
        status=status,  # type: ignore[arg-type]
        decided_by=DecidedBy(official_id="19-0042", role="matičar"),
        occurred_at=datetime.now(UTC),
    )
    user = TopologyNames().municipality_user("19")
    return Delivery(
        body=update.model_dump_json().encode(),
        routing_key=update.routing_key,
        exchange="ekomunat.status",
        redelivered=False,
        message_id=str(update.update_id),
        user_id=user,
        sender=user,
    )


def _consumer(store: Store, handlers: StatusChangeHandlers) -> StatusConsumer:
    return StatusConsumer(store, "amqp://guest:guest@127.0.0.1:1/%2F", on_change=handlers)


def _status_and_callbacks(store: Store, request_id: str) -> tuple[RequestStatus, int]:
    with store.unit_of_work(read_only=True) as uow:
        request = uow.requests.get(request_id)
        assert request is not None
        return request.status, uow.outbox.stats(OutboxKind.CALLBACK).depth


def test_a_handler_registered_for_the_service_writes_in_the_updates_transaction(
    store: Store,
) -> None:
    seen: list[tuple[str, RequestStatus]] = []

    def note(uow: UnitOfWork, changed: StatusChanged) -> None:
        # Inside the transaction the change is already there, seen through the same uow.
        current = uow.requests.get(changed.request.id)
        assert current is not None
        seen.append((changed.request.service, current.status))
        queue_callback(uow, changed)

    def never(uow: UnitOfWork, changed: StatusChanged) -> None:
        raise AssertionError("a handler of another service ran")

    request_id = _stored_request(store)
    handlers = StatusChangeHandlers(by_service={SERVICE: (note,), OTHER_SERVICE: (never,)})

    outcome = _consumer(store, handlers).handle(_delivery(request_id))

    assert outcome.verdict is Verdict.ACK
    assert seen == [(SERVICE, RequestStatus.IN_REVIEW)]
    assert _status_and_callbacks(store, request_id) == (RequestStatus.IN_REVIEW, 1)


def test_a_refusing_handler_rolls_back_the_update_and_what_other_handlers_wrote(
    store: Store,
) -> None:
    def refuse(uow: UnitOfWork, changed: StatusChanged) -> None:
        raise HandlerRefused("not now")

    request_id = _stored_request(store)
    # The callback is written first, then the service's own handler refuses.
    handlers = StatusChangeHandlers(by_service={SERVICE: (queue_callback, refuse)})
    consumer = _consumer(store, handlers)
    delivery = _delivery(request_id)

    with pytest.raises(HandlerRefused):
        consumer.handle(delivery)

    assert _status_and_callbacks(store, request_id) == (RequestStatus.ACCEPTED, 0)
    with store.unit_of_work(read_only=True) as uow:
        assert uow.requests.history(request_id)[-1].status is RequestStatus.ACCEPTED
        assert not uow.requests.has_update(str(delivery.message_id))

    # Tried again once the handler agrees, the very same update is recorded, once.
    agreeing = _consumer(store, StatusChangeHandlers(by_service={SERVICE: (queue_callback,)}))
    assert agreeing.handle(delivery).verdict is Verdict.ACK
    assert _status_and_callbacks(store, request_id) == (RequestStatus.IN_REVIEW, 1)


def test_the_standard_handlers_queue_the_clients_callback(store: Store) -> None:
    request_id = _stored_request(store)
    consumer = StatusConsumer(store, "amqp://guest:guest@127.0.0.1:1/%2F")

    assert consumer.handle(_delivery(request_id)).verdict is Verdict.ACK
    assert _status_and_callbacks(store, request_id) == (RequestStatus.IN_REVIEW, 1)
