"""The status consumer: municipal status updates, checked, recorded, and passed to the portal.

Each message on ``gateway.status`` must pass, in order:

1. the sender: the AMQP ``user_id`` names a municipality's own broker user. RabbitMQ refuses a
   publish whose ``user_id`` is not the connection's user, so this is the one fact about the
   sender nobody can forge; an update without it is refused, whoever sent it;
2. the contract: a valid ``StatusUpdate`` v1 (``contracts/messages.py``);
3. the sender, the update and the routing key agree: the update names the sender's
   municipality, and the routing key starts with its code;
4. the request exists, and belongs to the sender's municipality;
5. the move is legal (``LEGAL_TRANSITIONS``).

A redelivered update (same ``update_id``) or one repeating the current status changes
nothing and is acked. Anything failing a check is dead-lettered with the reason in the
``x-ekomunat-reason`` header. A database fault is not the message's fault: the message goes
back to the queue and is tried again. When the request's client registered a callback URL,
the callback row is written in the same transaction as the status change.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from pydantic import ValidationError

from adapters.amqp import connection_parameters
from adapters.amqp.consumer import (
    ConsumerWorker,
    Delivery,
    Outcome,
    QueueConsumer,
    Verdict,
    rejected,
)
from adapters.amqp.topology import QueueType, TopologyNames, declarer
from contracts.messages import RequestStatus, StatusUpdate, is_legal_transition
from gateway.callbacks import queue_status_callback
from gateway.metrics import GatewayMetrics
from gateway.open.permits import record_approved_permit
from gateway.store import Store, StoreConflict

log = structlog.get_logger()

_COUNTED_AS = {
    Verdict.ACK: "accepted",
    Verdict.DEAD_LETTER: "dead_lettered",
    Verdict.RETRY: "retried",
}


def validation_summary(error: ValidationError) -> str:
    """Which fields failed and why, without echoing the values (they may be personal)."""
    parts = [
        f"{'.'.join(str(item) for item in detail['loc']) or '<root>'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)[:5]
    ]
    return "; ".join(parts)


class StatusConsumer(ConsumerWorker):
    """Consumes ``gateway.status`` in its own thread; one connection, owned by that thread."""

    thread_name = "status-consumer"

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        prefetch: int = 50,
        municipality_codes: Sequence[str] | None = None,
        queue_type: QueueType = "quorum",
        retry_delay_s: float = 2.0,
        max_backoff_s: float = 15.0,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._store = store
        self._names = names or TopologyNames()
        declare_topology = (
            declarer(municipality_codes, names=self._names, queue_type=queue_type)
            if municipality_codes is not None
            else None
        )

        self._consumer = QueueConsumer(
            connection_parameters(amqp_url, name="ekomunat-gateway-status"),
            self._names.status_queue,
            self._counted_handle,
            dead_letter_exchange=self._names.dead_letter_exchange,
            prefetch=prefetch,
            retry_delay_s=retry_delay_s,
            max_backoff_s=max_backoff_s,
            declare=declare_topology,
            name="status",
        )

    def run_forever(self) -> None:
        self._consumer.run()

    def _counted_handle(self, delivery: Delivery) -> Outcome:
        """``handle``, counted by verdict (a raising handler is retried by the consumer)."""
        try:
            outcome = self.handle(delivery)
        except Exception:
            self._count("retried")
            raise
        self._count(_COUNTED_AS[outcome.verdict])
        return outcome

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.status_updates.labels(outcome).inc()

    def handle(self, delivery: Delivery) -> Outcome:
        """Check one status update and record it; the verdict tells the consumer what to do."""
        sender = self._names.municipality_of_user(delivery.sender)
        if sender is None:
            return self._reject(
                delivery, "status.sender_unverified: user_id names no municipality's broker user"
            )
        try:
            update = StatusUpdate.model_validate_json(delivery.body)
        except ValidationError as exc:
            return self._reject(delivery, f"status.invalid_message: {validation_summary(exc)}")
        if update.municipality != sender:
            return self._reject(
                delivery,
                f"status.sender_mismatch: the user of {sender} speaks for {update.municipality}",
            )
        if not delivery.routed_under(sender):
            return self._reject(
                delivery, f"status.routing_key_mismatch: the user of {sender} routes elsewhere"
            )

        request_id = str(update.request_id)
        update_id = str(update.update_id)
        log_context = {"request_id": request_id, "update_id": update_id}
        with self._store.unit_of_work() as uow:
            if uow.requests.has_update(update_id):
                log.info("status.duplicate", **log_context)
                return Outcome.ack()
            request = uow.requests.get(request_id, for_update=True)
            if request is None:
                return self._reject(delivery, "status.unknown_request", **log_context)
            if request.municipality != update.municipality:
                return self._reject(
                    delivery,
                    f"status.wrong_municipality: request belongs to {request.municipality}",
                    **log_context,
                )
            new_status = update.new_status
            if request.status == new_status:
                log.info("status.unchanged", status=new_status.value, **log_context)
                return Outcome.ack()
            if not is_legal_transition(request.status, new_status):
                return self._reject(
                    delivery,
                    f"status.illegal_transition: {request.status.value} -> {new_status.value}",
                    **log_context,
                )
            try:
                change = uow.requests.set_status(
                    request_id,
                    new_status,
                    source=f"municipality:{update.municipality}",
                    note=update.note.model_dump(mode="json") if update.note else None,
                    documents=[document.model_dump(mode="json") for document in update.documents],
                    decided_by=update.decided_by.model_dump(mode="json"),
                    update_id=update_id,
                    occurred_at=update.occurred_at,
                )
                if new_status is RequestStatus.APPROVED:
                    # An approved construction or occupancy permit enters the public register.
                    record_approved_permit(uow, request, update)
                if request.callback_url:
                    queue_status_callback(
                        uow,
                        client_id=request.client_id,
                        callback_url=request.callback_url,
                        change=change,
                    )
                uow.commit()
            except StoreConflict:
                # Another gateway instance recorded this very update a moment ago.
                log.info("status.duplicate", **log_context)
                return Outcome.ack()
        log.info(
            "status.recorded",
            hop="status",
            outcome="recorded",
            service=request.service,
            status=new_status.value,
            previous=request.status.value,
            municipality=update.municipality,
            callback=bool(request.callback_url),
            **log_context,
        )
        return Outcome.ack()

    @staticmethod
    def _reject(delivery: Delivery, reason: str, **context: str) -> Outcome:
        return rejected(
            delivery, "status.rejected", reason, hop="status", outcome="dead_lettered", **context
        )
