"""What else happens when a municipality changes a request's status: handlers per service.

The status consumer records the change and then runs the handlers registered for the
request's service, then those registered for every service, inside the same transaction
(like ``Intake``'s ``on_accept`` hooks): what a handler writes commits with the change, and a
handler that raises rolls the whole update back, so the message is tried again later and no
half of it stays.

``standard_status_handlers`` is what the gateway registers: an approved construction or
occupancy permit enters the public register, a petition follows the municipality's status
(under consideration, decided), a signature the municipality rejected stops counting, and a
client that gave a callback URL gets a callback row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from contracts.messages import RequestStatus, StatusUpdate
from gateway.callbacks import queue_status_callback
from gateway.open.permits import PERMIT_SERVICES, record_approved_permit
from gateway.participation.petitions import (
    PETITION_SERVICE,
    SIGNATURE_SERVICE,
    record_petition_status,
    withdraw_rejected_signature,
)
from gateway.store import StatusChange, UnitOfWork
from gateway.store.records import RequestRecord


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """One recorded change: the request as it was, the update that moved it, the change."""

    request: RequestRecord
    update: StatusUpdate
    change: StatusChange


StatusChangeHandler = Callable[[UnitOfWork, StatusChanged], None]


@dataclass(frozen=True, slots=True)
class StatusChangeHandlers:
    """The handlers to run on a status change, by service code and for every service."""

    by_service: Mapping[str, Sequence[StatusChangeHandler]] = field(default_factory=dict)
    every_service: Sequence[StatusChangeHandler] = ()

    def run(self, uow: UnitOfWork, changed: StatusChanged) -> None:
        """Run, in ``uow``, the service's own handlers and then those of every service."""
        for handler in (*self.by_service.get(changed.request.service, ()), *self.every_service):
            handler(uow, changed)


def enter_approved_permit(uow: UnitOfWork, changed: StatusChanged) -> None:
    """An approved construction or occupancy permit enters the public register."""
    if changed.change.status is RequestStatus.APPROVED:
        record_approved_permit(uow, changed.request, changed.update)


def move_petition(uow: UnitOfWork, changed: StatusChanged) -> None:
    """A petition follows what the municipality reports on it (``gateway.participation``)."""
    record_petition_status(
        uow, changed.request.id, changed.change.status, now=changed.change.recorded_at
    )


def withdraw_signature(uow: UnitOfWork, changed: StatusChanged) -> None:
    """A signature whose request the municipality rejected no longer counts."""
    withdraw_rejected_signature(
        uow, changed.request.id, changed.change.status, now=changed.change.recorded_at
    )


def queue_callback(uow: UnitOfWork, changed: StatusChanged) -> None:
    """The client that gave a callback URL hears of the change (``gateway.callbacks``)."""
    request = changed.request
    if request.callback_url:
        queue_status_callback(
            uow,
            client_id=request.client_id,
            callback_url=request.callback_url,
            change=changed.change,
        )


def standard_status_handlers() -> StatusChangeHandlers:
    """The handlers the gateway runs on every status change it records."""
    return StatusChangeHandlers(
        by_service={
            **{service: (enter_approved_permit,) for service in PERMIT_SERVICES},
            PETITION_SERVICE: (move_petition,),
            SIGNATURE_SERVICE: (withdraw_signature,),
        },
        every_service=(queue_callback,),
    )
