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
``x-ekomunat-reason`` header; a database fault puts the message back to be tried again.
Checks 1 and 2 are the consumer worker's (``adapters.amqp.worker``), as for every queue the
gateway reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Unpack

import structlog

from adapters.amqp.consumer import Delivery, Outcome
from adapters.amqp.topology import TopologyNames
from adapters.amqp.worker import ConsumerWorker, Rejections, Unverified, WorkerOptions
from contracts.act_messages import REVIEWER, ActReviewDecision, is_legal_review_transition
from gateway.store import Store, StoreConflict, UnitOfWork
from gateway.store.acts import ActRepository

log = structlog.get_logger()

_reject = Rejections("act.review", {"hop": "review", "outcome": "dead_lettered"})

DecisionRecorder = Callable[[UnitOfWork, Mapping[str, Any]], None]
"""Records a decision in its own transaction (the audit log's ``AuditTrail.act_decision``)."""


class ActReviewConsumer(ConsumerWorker[ActReviewDecision]):
    """Consumes ``gateway.act-review`` in its own thread, on its own connection."""

    def __init__(
        self,
        store: Store,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        on_decision: DecisionRecorder | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        self._store = store
        self._on_decision = on_decision
        self._names = names or TopologyNames()
        super().__init__(
            amqp_url,
            self._names.act_decision_queue,
            ActReviewDecision,
            self.record,
            senders=self._ministry,
            rejections=_reject,
            names=self._names,
            name="act-review",
            **options,
        )

    def _ministry(self, user: str | None) -> str | Unverified:
        """Only the ministry decides; another party's user is named, a stranger is not."""
        if user is not None and user == self._names.ministry_user:
            return REVIEWER
        if self._names.is_party_user(user):
            return Unverified(f"sender_not_ministry: {user}")
        return Unverified("sender_unverified: user_id is not the ministry's broker user")

    def record(self, delivery: Delivery, _ministry: str, decision: ActReviewDecision) -> Outcome:
        """Check one decision from the ministry's own user and record it."""
        if not delivery.routed_under(f"{REVIEWER}.acts.{decision.municipality}"):
            return _reject(
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
                return _reject(delivery, "act.review.unknown_act", **context)
            if act.municipality != decision.municipality:
                return _reject(
                    delivery,
                    f"act.review.wrong_municipality: the act is {act.municipality}'s",
                    **context,
                )
            if decision.revision != act.revision:
                return _reject(
                    delivery,
                    f"act.review.stale_revision: decision on revision {decision.revision}, "
                    f"the act is at revision {act.revision}",
                    **context,
                )
            if act.review_state == new_state:
                log.info("act.review.unchanged", state=new_state.value, **context)
                return Outcome.ack()
            if not is_legal_review_transition(act.review_state, new_state):
                return _reject(
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
                if self._on_decision is not None:
                    self._on_decision(
                        uow,
                        {
                            "act_id": act_id,
                            "update_id": update_id,
                            "municipality": act.municipality,
                            "revision": act.revision,
                            "previous_state": act.review_state.value,
                            "new_state": new_state.value,
                            "decided_by": f"ministry:{REVIEWER}",
                        },
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
