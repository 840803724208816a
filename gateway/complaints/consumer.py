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
machinery (``adapters.amqp.consumer``) puts the message back and tries again. The same
machinery as the application status consumer, on its own queue.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from pydantic import ValidationError

from adapters.amqp import connection_parameters
from adapters.amqp.consumer import ConsumerWorker, Delivery, Outcome, QueueConsumer, rejected
from adapters.amqp.topology import ComplaintNames, QueueType, TopologyNames, complaint_declarer
from contracts.complaint_messages import (
    ComplaintStatusUpdate,
    is_legal_complaint_transition,
    routing_prefix_of,
)
from gateway.status import validation_summary
from gateway.store import Store, StoreConflict
from gateway.store.complaints import ComplaintUnitOfWork

log = structlog.get_logger()


class ComplaintStatusConsumer(ConsumerWorker):
    """Consumes ``gateway.complaint-status`` in its own thread, on its own connection."""

    thread_name = "complaint-status-consumer"

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        municipality_codes: Sequence[str] | None = None,
        central_institutions: Sequence[str] = (),
        queue_type: QueueType = "quorum",
        prefetch: int = 50,
        retry_delay_s: float = 2.0,
        max_backoff_s: float = 15.0,
    ) -> None:
        self._store = store
        self._names = names or TopologyNames()
        self._complaint_names = ComplaintNames(self._names)
        declare = (
            complaint_declarer(
                municipality_codes,
                central_institutions,
                names=self._names,
                queue_type=queue_type,
            )
            if municipality_codes is not None
            else None
        )
        self._consumer = QueueConsumer(
            connection_parameters(amqp_url, name="ekomunat-gateway-complaints"),
            self._complaint_names.status_queue,
            self.handle,
            dead_letter_exchange=self._names.dead_letter_exchange,
            prefetch=prefetch,
            retry_delay_s=retry_delay_s,
            max_backoff_s=max_backoff_s,
            declare=declare,
            name="complaint-status",
        )

    def handle(self, delivery: Delivery) -> Outcome:
        """Check one status update and record it; the verdict tells the consumer what to do."""
        speaker = self._complaint_names.routing_prefix_of_user(delivery.sender)
        if speaker is None:
            return self._reject(
                delivery,
                "complaint.status.sender_unverified: user_id names no institution's broker user",
            )
        try:
            update = ComplaintStatusUpdate.model_validate_json(delivery.body)
        except ValidationError as exc:
            return self._reject(
                delivery, f"complaint.status.invalid_message: {validation_summary(exc)}"
            )
        if speaker != routing_prefix_of(update.institution):
            return self._reject(
                delivery,
                f"complaint.status.sender_mismatch: the user of {speaker} speaks for "
                f"{update.institution}",
            )
        if not delivery.routed_under(speaker):
            return self._reject(
                delivery,
                f"complaint.status.routing_key_mismatch: the user of {speaker} routes elsewhere",
            )

        complaint_id = str(update.complaint_id)
        update_id = str(update.update_id)
        context = {"complaint": complaint_id, "update_id": update_id}
        with ComplaintUnitOfWork(self._store.engine) as uow:
            if uow.complaints.has_update(update_id):
                log.info("complaint.status.duplicate", **context)
                return Outcome.ack()
            complaint = uow.complaints.get(complaint_id, for_update=True)
            if complaint is None:
                return self._reject(delivery, "complaint.status.unknown_complaint", **context)
            if complaint.institution != update.institution:
                return self._reject(
                    delivery,
                    f"complaint.status.not_responsible: {complaint.institution} must answer",
                    **context,
                )
            new_status = update.new_status
            if complaint.status == new_status:
                log.info("complaint.status.unchanged", status=new_status.value, **context)
                return Outcome.ack()
            if not is_legal_complaint_transition(complaint.status, new_status):
                return self._reject(
                    delivery,
                    "complaint.status.illegal_transition: "
                    f"{complaint.status.value} -> {new_status.value}",
                    **context,
                )
            try:
                uow.complaints.set_status(
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

    @staticmethod
    def _reject(delivery: Delivery, reason: str, **context: str) -> Outcome:
        return rejected(delivery, "complaint.status.rejected", reason, **context)
