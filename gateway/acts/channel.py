"""The legality review as the composition root builds it: desk, consumer, public feed.

``build_acts_channel`` is called once by ``gateway.bootstrap``: it builds the desk that
``/v1/acts`` uses and, when the gateway runs its broker workers, the consumer of the
ministry's decisions (started with the app's workers, never here; ``feature`` lists it).
``feed`` is the ``/v1/open/acts`` register that the open-data service serves beside the
source feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from contracts.act_messages import ACT_KINDS, ReviewState
from gateway.acts.consumer import ActReviewConsumer, DecisionRecorder
from gateway.acts.desk import ActDesk
from gateway.acts.public_view import ACT_COLUMNS, act_rows
from gateway.features import Feature, ReadinessReport, Scope, Worker
from gateway.open.query import FeedQuery
from gateway.open.service import FeedSpec, OpenData
from gateway.open.views import FeedRows
from gateway.settings import Settings
from gateway.store import Store

log = structlog.get_logger()


@dataclass
class ActsChannel:
    desk: ActDesk
    consumer: ActReviewConsumer | None = None

    def readiness(self) -> tuple[bool, str]:
        """Always ready to take acts (the outbox holds them); says how decisions flow."""
        if self.consumer is None:
            return True, "decision consumer off"
        state = "connected" if self.consumer.connected else "broker unreachable"
        return True, f"decision consumer {state}"

    def feed(self) -> FeedSpec:
        desk = self.desk

        def rows(service: OpenData, query: FeedQuery) -> FeedRows:
            return act_rows(desk.published(), service.catalogue, query)

        return FeedSpec(
            "acts",
            rows,
            columns=ACT_COLUMNS,
            choices={
                "review_state": tuple(state.value for state in ReviewState),
                "kind": ACT_KINDS,
            },
            version=desk.version,
        )

    def feature(self) -> Feature:
        async def acts_ready() -> ReadinessReport:
            return ReadinessReport("acts", *self.readiness())

        workers: tuple[Worker, ...] = ()
        if self.consumer is not None:
            # Per process: the queue gives each decision to one consumer, and the desk checks
            # each against the act's stored review state.
            workers = (Worker("act-review-consumer", Scope.PER_PROCESS, self.consumer),)
        return Feature("acts", provides=(self.desk,), workers=workers, readiness=(acts_ready,))


def build_acts_channel(
    settings: Settings,
    store: Store,
    *,
    municipality_codes: Sequence[str],
    central_institutions: Sequence[str],
    on_decision: DecisionRecorder | None = None,
) -> ActsChannel:
    channel = ActsChannel(ActDesk(store))
    if settings.status_consumer_enabled:
        channel.consumer = ActReviewConsumer(
            store,
            settings.amqp_url,
            municipality_codes=municipality_codes,
            central_institutions=central_institutions,
            on_decision=on_decision,
        )
    log.info("acts.ready", consumer=channel.consumer is not None)
    return channel
