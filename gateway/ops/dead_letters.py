"""The dead-letter queue as operators see it: what is there, why, and sending it back.

The AMQP work (one connection in one worker thread, ``basic.get`` without acks, the
confirmed republish) is ``adapters.amqp.dead_letter_queue``. What the desk adds is what an
operator may see and what is counted: previews and reasons with personal numbers masked
(hand-off messages carry the applicant), a metric and a log line per replay.
"""

from __future__ import annotations

import dataclasses
import functools

import structlog

from adapters.amqp.dead_letter_queue import (
    MAX_REPLAY,
    PREVIEW_CHARS,
    REPLAY_HEADER,
    DeadLetter,
    DeadLetterQueue,
    DeadLettersUnavailable,
    ReplayReport,
    replay_properties,
)
from adapters.amqp.dead_letter_queue import describe as describe_letter
from adapters.amqp.topology import TopologyNames
from gateway.logging import mask_text
from gateway.metrics import GatewayMetrics

__all__ = [
    "MAX_REPLAY",
    "PREVIEW_CHARS",
    "REPLAY_HEADER",
    "DeadLetter",
    "DeadLetterDesk",
    "DeadLettersUnavailable",
    "ReplayReport",
    "describe",
    "replay_properties",
]

log = structlog.get_logger()


def masked(letter: DeadLetter) -> DeadLetter:
    """The letter as an operator may read it: no personal number in its reason or preview."""
    return dataclasses.replace(
        letter, reason=mask_text(letter.reason), preview=mask_text(letter.preview)
    )


describe = functools.partial(describe_letter, mask=mask_text)
"""Where a dead letter came from and why, with personal numbers masked."""


class DeadLetterDesk(DeadLetterQueue):
    """The dead-letter queue for the ops API: masks what it shows, counts and logs replays."""

    def __init__(
        self,
        amqp_url: str,
        *,
        names: TopologyNames | None = None,
        metrics: GatewayMetrics | None = None,
        timeout_s: float = 15.0,
    ) -> None:
        super().__init__(amqp_url, names=names, timeout_s=timeout_s)
        self._metrics = metrics

    async def list(self, limit: int = 100) -> list[DeadLetter]:
        return [masked(letter) for letter in await self.peek(limit)]

    def replayed(self, letter: DeadLetter, problem: str | None) -> None:
        if self._metrics is not None:
            self._metrics.replays.labels("failed" if problem else "replayed").inc()
        if problem is None:
            log.info(
                "ops.dead_letter.replayed",
                message_id=letter.message_id,
                request_id=letter.request_id,
                exchange=letter.exchange,
                routing_key=letter.routing_key,
                reason=mask_text(letter.reason),
            )
        else:
            log.warning(
                "ops.dead_letter.replay_failed",
                message_id=letter.message_id,
                request_id=letter.request_id,
                error=problem,
            )
