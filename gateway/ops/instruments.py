"""Fitting a bootstrapped gateway with what operators need: state metrics and the dead-letter desk.

Called once by ``bootstrap`` after the parts exist. Nothing here connects: the state metrics
read their sources when scraped, and the dead-letter desk opens its broker connection on
first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gateway.metrics import StateCollector, StateSources
from gateway.ops.dead_letters import DeadLetterDesk
from gateway.ops.queries import complaint_deadlines, outbox_backlog, overdue_counts

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway


def _overdue(gateway: Gateway, deadlines: Mapping[str, int]) -> dict[str, int]:
    """Complaint services of the catalogue by service code, Open311 complaints as
    ``open311.<category>``: both are complaints a citizen is waiting on past the deadline."""
    counts = overdue_counts(gateway.store, deadlines)
    if gateway.complaints is not None:
        for category, late in gateway.complaints.overdue_by_category().items():
            counts[f"open311.{category}"] = late
    return counts


def equip(gateway: Gateway) -> None:
    """Register the scrape-time metrics and build the dead-letter desk; add their closers."""
    deadlines = complaint_deadlines(gateway.catalogue)
    store = gateway.store
    if gateway.dead_letters is None:
        gateway.dead_letters = DeadLetterDesk(gateway.settings.amqp_url, metrics=gateway.metrics)

    def dead_letters() -> int | None:
        desk = gateway.dead_letters
        return desk.depth_hint() if desk is not None else None

    gateway.state_sources = StateSources(
        breakers=lambda: {name: r.breaker_state() for name, r in gateway.registries.items()},
        outbox=lambda: outbox_backlog(store),
        dead_letters=dead_letters,
        complaints_overdue=lambda: _overdue(gateway, deadlines),
    )
    gateway.metrics.registry.register(StateCollector(gateway.state_sources))

    async def close_dead_letters() -> None:
        if gateway.dead_letters is not None:
            await asyncio.to_thread(gateway.dead_letters.close)

    gateway.closers.append(close_dead_letters)
