"""How ready each transparency source's feeds are, for ``/ready``.

A source is ``ready`` when the feeds hold its data and its last refresh went well;
``degraded`` when they hold data but the source is failing now (the feeds serve the last good
data, and the age of what is served says how stale it is); ``not_ready`` when there is no good
data of it at all (it never answered since the store was empty), so its feeds answer
``503 open.source.unavailable``. The age is that of the oldest document served: the one the
source confirmed longest ago.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gateway.open.feeds import FeedKey, FeedStore

SOURCE_KINDS = {
    "treasury": ("budget", "revenues"),
    "procurement": ("releases",),
    "urban_planning": ("plans",),
    "ministry_permits": ("central_permits",),
}
"""The documents each source feeds (``FeedStore`` key kinds), besides its published years."""


class Readiness(StrEnum):
    READY = "ready"
    DEGRADED = "degraded"
    NOT_READY = "not_ready"


def worst(states: Iterable[Readiness]) -> Readiness:
    order = (Readiness.READY, Readiness.DEGRADED, Readiness.NOT_READY)
    return max(states, key=order.index, default=Readiness.READY)


@dataclass(frozen=True, slots=True)
class SourceReadiness:
    name: str
    status: Readiness
    detail: str
    age_s: float | None
    """Age of the oldest document served (None when nothing is)."""


def source_readiness(
    store: FeedStore, source: str, *, answered: bool, refreshed: bool, now: datetime
) -> SourceReadiness:
    """One source's state; ``answered``: it answered a fetch in this run; ``refreshed``: at
    least one refresh has finished (before that the feeds may hold half a refresh)."""
    content = [key for kind in SOURCE_KINDS.get(source, ()) for key in store.keys(kind)]
    watched: list[FeedKey] = [*content, ("years", source, None)]
    failing = store.failing(watched)
    failure = store.failure(failing[0]) if failing else None
    why = f"failing since {failure.since.isoformat()} ({failure.code})" if failure else ""
    fetched = [snapshot.fetched_at for key in content if (snapshot := store.get(key))]
    age_s = round((now - min(fetched)).total_seconds(), 1) if fetched else None
    if not refreshed:
        # Until the first refresh has finished, what the feeds hold is partial or kept from
        # an earlier run: served, but not yet confirmed.
        if age_s is None:
            detail = "no good data yet; the first refresh is under way"
            return SourceReadiness(source, Readiness.NOT_READY, detail, None)
        detail = f"the first refresh is under way; serving what is kept, {age_s} s old"
        return SourceReadiness(source, Readiness.DEGRADED, detail, age_s)
    if age_s is None:
        if answered and not failing:
            return SourceReadiness(source, Readiness.READY, "answered; publishes nothing", None)
        detail = "no good data" + (f"; {why}" if why else "")
        return SourceReadiness(source, Readiness.NOT_READY, detail, None)
    if failing:
        detail = f"serving the last good data, {age_s} s old; {why}"
        return SourceReadiness(source, Readiness.DEGRADED, detail, age_s)
    return SourceReadiness(source, Readiness.READY, f"{len(fetched)} documents", age_s)
