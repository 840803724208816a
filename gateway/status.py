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
back to the queue and is tried again. Checks 1 and 2 are the consumer worker's
(``adapters.amqp.worker``), the rest are here. What else a change sets off (an approved
permit entering the public register, a callback to the portal) is a handler registered in
``gateway.status_changes``, run in the same transaction as the change.
"""

from __future__ import annotations

from typing import Unpack

import structlog

from adapters.amqp.consumer import Delivery, Outcome, Verdict
from adapters.amqp.topology import TopologyNames
from adapters.amqp.worker import ConsumerWorker, Rejections, Unverified, WorkerOptions
from contracts.messages import StatusUpdate, is_legal_transition
from gateway.metrics import GatewayMetrics
from gateway.status_changes import StatusChanged, StatusChangeHandlers, standard_status_handlers
from gateway.store import Store, StoreConflict

log = structlog.get_logger()

_COUNTED_AS = {
    Verdict.ACK: "accepted",
    Verdict.DEAD_LETTER: "dead_lettered",
    Verdict.RETRY: "retried",
}

_reject = Rejections("status", {"hop": "status", "outcome": "dead_lettered"})


class StatusConsumer(ConsumerWorker[StatusUpdate]):
    """Consumes ``gateway.status`` in its own thread; one connection, owned by that thread.

    ``on_change`` are the handlers run with each recorded change (by default the gateway's
    standard ones: permits register, callbacks); ``options`` are every consumer's
    (``WorkerOptions``: the topology to declare, prefetch, retry pacing).
    """

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        metrics: GatewayMetrics | None = None,
        on_change: StatusChangeHandlers | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        self._metrics = metrics
        self._store = store
        self._names = names or TopologyNames()
        self._on_change = on_change if on_change is not None else standard_status_handlers()
        super().__init__(
            amqp_url,
            self._names.status_queue,
            StatusUpdate,
            self.record,
            senders=self._municipality,
            rejections=_reject,
            names=self._names,
            name="status",
            on_verdict=self._count if metrics is not None else None,
            **options,
        )

    def _municipality(self, user: str | None) -> str | Unverified:
        municipality = self._names.municipality_of_user(user)
        if municipality is None:
            return Unverified("sender_unverified: user_id names no municipality's broker user")
        return municipality

    def _count(self, verdict: Verdict) -> None:
        if self._metrics is not None:
            self._metrics.status_updates.labels(_COUNTED_AS[verdict]).inc()

    def record(self, delivery: Delivery, sender: str, update: StatusUpdate) -> Outcome:
        """Check one status update from ``sender``'s own user and record it, with its handlers."""
        if update.municipality != sender:
            return _reject(
                delivery,
                f"status.sender_mismatch: the user of {sender} speaks for {update.municipality}",
            )
        if not delivery.routed_under(sender):
            return _reject(
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
                return _reject(delivery, "status.unknown_request", **log_context)
            if request.municipality != update.municipality:
                return _reject(
                    delivery,
                    f"status.wrong_municipality: request belongs to {request.municipality}",
                    **log_context,
                )
            new_status = update.new_status
            if request.status == new_status:
                log.info("status.unchanged", status=new_status.value, **log_context)
                return Outcome.ack()
            if not is_legal_transition(request.status, new_status):
                return _reject(
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
                self._on_change.run(uow, StatusChanged(request, update, change))
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
