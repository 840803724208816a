"""The act review consumer: the ministry's decisions on municipal acts, checked and recorded.

Each message on ``gateway.act-review`` must pass, in order:

1. the sender: the AMQP ``user_id`` is the ministry's own broker user (RabbitMQ refuses a
   ``user_id`` that is not the connection's user). A decision without one is refused, and so
   is one from any other user (a municipality deciding on its own act, say);
2. the contract: a valid ``ActReviewDecision`` v1 (``contracts/act_messages.py``);
3. the routing key (``mapl.acts.<municipality>.<state>``) names the decision's municipality;
4. the act exists and belongs to the municipality the decision names;
5. the decision is about the act's current text (its ``revision``);
6. the move is legal (``REVIEW_TRANSITIONS``).

A redelivered decision (same ``update_id``) or one repeating the current state changes
nothing and is acked. Anything failing a check is dead-lettered with the reason in the
``x-ekomunat-reason`` header; a database fault puts the message back to be tried again. The
same consumer machinery as the municipal status updates (``adapters.amqp.consumer``), on its
own queue.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from pydantic import ValidationError

from adapters.amqp import connection_parameters
from adapters.amqp.consumer import ConsumerWorker, Delivery, Outcome, QueueConsumer, rejected
from adapters.amqp.topology import ActReviewNames, QueueType, TopologyNames, full_declarer
from contracts.act_messages import REVIEWER, ActReviewDecision, is_legal_review_transition
from gateway.status import validation_summary
from gateway.store import Store, StoreConflict
from gateway.store.acts import ActRepository

log = structlog.get_logger()


class ActReviewConsumer(ConsumerWorker):
    """Consumes ``gateway.act-review`` in its own thread, on its own connection."""

    thread_name = "act-review-consumer"

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
        self._acts = ActReviewNames(self._names)
        declare = (
            full_declarer(
                municipality_codes, central_institutions, names=self._names, queue_type=queue_type
            )
            if municipality_codes is not None
            else None
        )
        self._consumer = QueueConsumer(
            connection_parameters(amqp_url, name="ekomunat-gateway-act-review"),
            self._acts.decision_queue,
            self.handle,
            dead_letter_exchange=self._names.dead_letter_exchange,
            prefetch=prefetch,
            retry_delay_s=retry_delay_s,
            max_backoff_s=max_backoff_s,
            declare=declare,
            name="act-review",
        )

    def handle(self, delivery: Delivery) -> Outcome:
        """Check one decision and record it; the verdict tells the consumer what to do."""
        user = delivery.sender
        if user != self._acts.ministry_user:
            if self._acts.is_party_user(user):
                return self._reject(delivery, f"act.review.sender_not_ministry: {user}")
            return self._reject(
                delivery, "act.review.sender_unverified: user_id is not the ministry's broker user"
            )
        try:
            decision = ActReviewDecision.model_validate_json(delivery.body)
        except ValidationError as exc:
            return self._reject(delivery, f"act.review.invalid_message: {validation_summary(exc)}")
        if not delivery.routed_under(f"{REVIEWER}.acts.{decision.municipality}"):
            return self._reject(
                delivery,
                "act.review.routing_key_mismatch: the key names another municipality "
                f"than the decision's {decision.municipality}",
            )

        act_id = str(decision.act_id)
        update_id = str(decision.update_id)
        context = {"act_id": act_id, "update_id": update_id}
        new_state = decision.new_state
        with self._store.unit_of_work() as uow:
            acts = uow.bind(ActRepository)
            if acts.has_update(update_id):
                log.info("act.review.duplicate", **context)
                return Outcome.ack()
            act = acts.get(act_id, for_update=True)
            if act is None:
                return self._reject(delivery, "act.review.unknown_act", **context)
            if act.municipality != decision.municipality:
                return self._reject(
                    delivery,
                    f"act.review.wrong_municipality: the act is {act.municipality}'s",
                    **context,
                )
            if decision.revision != act.revision:
                return self._reject(
                    delivery,
                    f"act.review.stale_revision: decision on revision {decision.revision}, "
                    f"the act is at revision {act.revision}",
                    **context,
                )
            if act.review_state == new_state:
                log.info("act.review.unchanged", state=new_state.value, **context)
                return Outcome.ack()
            if not is_legal_review_transition(act.review_state, new_state):
                return self._reject(
                    delivery,
                    f"act.review.illegal_transition: {act.review_state.value} -> {new_state.value}",
                    **context,
                )
            try:
                acts.set_state(
                    act_id,
                    new_state,
                    source=f"ministry:{REVIEWER}",
                    update_id=update_id,
                    public_note=decision.public_note.model_dump(exclude_none=True)
                    if decision.public_note
                    else None,
                    documents=[document.model_dump(mode="json") for document in decision.documents],
                    decided_by=decision.decided_by.model_dump(mode="json")
                    if decision.decided_by
                    else None,
                    occurred_at=decision.occurred_at,
                )
                uow.commit()
            except StoreConflict:
                # Another gateway instance recorded this very decision a moment ago.
                log.info("act.review.duplicate", **context)
                return Outcome.ack()
        log.info(
            "act.review.recorded",
            hop="review",
            outcome="recorded",
            state=new_state.value,
            previous=act.review_state.value,
            municipality=act.municipality,
            **context,
        )
        return Outcome.ack()

    @staticmethod
    def _reject(delivery: Delivery, reason: str, **context: str) -> Outcome:
        return rejected(
            delivery,
            "act.review.rejected",
            reason,
            hop="review",
            outcome="dead_lettered",
            **context,
        )
