"""The complaint status consumer: institutions' answers, checked and recorded.

Each message on ``gateway.complaint-status`` must pass, in order:

1. the sender: the AMQP ``user_id`` names a municipality's or a central institution's own
   broker user (RabbitMQ refuses a ``user_id`` that is not the connection's user); an update
   without one is refused, whoever sent it;
2. the contract: a valid ``ComplaintStatusUpdate`` v1 (``contracts/complaint_messages.py``);
3. the sender, the update and the routing key agree: the institution the update names is the
   sender or one of its departments, and the routing key starts with the sender's prefix
   (``19.`` or ``central.keds.``);
4. the complaint exists, and the institution named is the one responsible for it;
5. the move is legal (``LEGAL_COMPLAINT_TRANSITIONS``).

A redelivered update (same ``update_id``) or one repeating the current status changes
nothing and is acked. Anything failing a check is dead-lettered with the reason in the
``x-ekomunat-reason`` header. A database fault is not the message's fault: the consumer
machinery (``adapters.amqp.consumer``) puts the message back and tries again. Checks 1 and 2
are the consumer worker's (``adapters.amqp.worker``), as for every queue the gateway reads.
"""

from __future__ import annotations

from typing import Unpack

import structlog

from adapters.amqp.consumer import Delivery, Outcome
from adapters.amqp.topology import TopologyNames
from adapters.amqp.worker import ConsumerWorker, Rejections, Unverified, WorkerOptions
from contracts.complaint_messages import (
    ComplaintStatusUpdate,
    is_legal_complaint_transition,
    routing_prefix_of,
)
from gateway.store import Store, StoreConflict
from gateway.store.complaints import ComplaintRepository

log = structlog.get_logger()

_reject = Rejections("complaint.status")


class ComplaintStatusConsumer(ConsumerWorker[ComplaintStatusUpdate]):
    """Consumes ``gateway.complaint-status`` in its own thread, on its own connection."""

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        self._store = store
        self._names = names or TopologyNames()
        super().__init__(
            amqp_url,
            self._names.complaint_status_queue,
            ComplaintStatusUpdate,
            self.record,
            senders=self._institution,
            rejections=_reject,
            names=self._names,
            name="complaint-status",
            **options,
        )

    def _institution(self, user: str | None) -> str | Unverified:
        speaker = self._names.routing_prefix_of_user(user)
        if speaker is None:
            return Unverified("sender_unverified: user_id names no institution's broker user")
        return speaker

    def record(self, delivery: Delivery, speaker: str, update: ComplaintStatusUpdate) -> Outcome:
        """Check one answer from ``speaker``'s own user (``19``, ``central.keds``), record it."""
        if speaker != routing_prefix_of(update.institution):
            return _reject(
                delivery,
                f"complaint.status.sender_mismatch: the user of {speaker} speaks for "
                f"{update.institution}",
            )
        if not delivery.routed_under(speaker):
            return _reject(
                delivery,
                f"complaint.status.routing_key_mismatch: the user of {speaker} routes elsewhere",
            )

        complaint_id = str(update.complaint_id)
        update_id = str(update.update_id)
        context = {"complaint": complaint_id, "update_id": update_id}
        with self._store.unit_of_work() as uow:
            complaints = uow.bind(ComplaintRepository)
            if complaints.has_update(update_id):
                log.info("complaint.status.duplicate", **context)
                return Outcome.ack()
            complaint = complaints.get(complaint_id, for_update=True)
            if complaint is None:
                return _reject(delivery, "complaint.status.unknown_complaint", **context)
            if complaint.institution != update.institution:
                return _reject(
                    delivery,
                    f"complaint.status.not_responsible: {complaint.institution} must answer",
                    **context,
                )
            new_status = update.new_status
            if complaint.status == new_status:
                log.info("complaint.status.unchanged", status=new_status.value, **context)
                return Outcome.ack()
            if not is_legal_complaint_transition(complaint.status, new_status):
                return _reject(
                    delivery,
                    "complaint.status.illegal_transition: "
                    f"{complaint.status.value} -> {new_status.value}",
                    **context,
                )
            try:
                complaints.set_status(
                    complaint_id,
                    new_status,
                    source=f"institution:{update.institution}",
                    public_note=update.public_note.model_dump(exclude_none=True)
                    if update.public_note
                    else None,
                    handled_by=update.handled_by.model_dump(mode="json")
                    if update.handled_by
                    else None,
                    update_id=update_id,
                    occurred_at=update.occurred_at,
                )
                uow.commit()
            except StoreConflict:
                # Another gateway instance recorded this very update a moment ago.
                log.info("complaint.status.duplicate", **context)
                return Outcome.ack()
        log.info(
            "complaint.status.recorded",
            status=new_status.value,
            previous=complaint.status.value,
            institution=update.institution,
            **context,
        )
        return Outcome.ack()
