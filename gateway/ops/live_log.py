"""The live routing log: the last few thousand log events, kept in memory for the dashboard.

A tee in front of structlog's renderer copies every finished event into a bounded ring
buffer. The copy is taken after ``mask_personal_numbers`` has run, so the buffer holds
exactly what the log file holds, never a personal number in clear. Publishing is an append
under a lock: a slow or stuck browser never slows logging, it only falls behind and is told
so (``gap``) when the ring has moved past it.

Logging is configured per process, so one live log is attached at a time: the running
gateway attaches its own at start and detaches it at shutdown.

With several instances (``gateway.ops.shared_ops``) the ring holds every instance's lines:
each local event is stamped with this ``instance`` and handed to the forwarder (which must
not block), and the other instances' lines are put in with ``receive``, already stamped.
A ``gap`` entry (``{"instance": ..., "gap": n}``) says another instance dropped ``n`` lines
before they reached this one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import structlog

from gateway.logging import mask_personal_numbers
from gateway.metrics import GatewayMetrics

DEFAULT_CAPACITY = 5000
ROUTING_LOG_KEY = "hop"
"""Events of the routing log carry a ``hop`` field. A portal request's one line
(``route.request``, ``gateway.routing.journey``) names its last hop there (answered,
accepted, replayed, refused, failed) and lists every hop in ``hops`` (received, validated,
registry_call, rule, …); the later steps are lines of their own: published, status,
callback, review."""

HOPS_OF_EVENTS: Mapping[str, tuple[str, str]] = {
    "callback.delivered": ("callback", "delivered"),
    "callback.failed": ("callback", "failed"),
}
"""Events written where no ``hop`` is given (the callback sender), tagged on their way out."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Events after a cursor: ``gap`` is True when some were dropped before the reader saw them."""

    entries: list[tuple[int, Mapping[str, Any]]]
    last: int
    gap: bool


class LiveLog:
    """A thread-safe ring buffer of log events, numbered from 1.

    ``instance`` (given) is added to every local event, so that a line says where it was
    logged once lines of several instances share a ring.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, *, instance: str | None = None) -> None:
        self._entries: deque[tuple[int, Mapping[str, Any]]] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._last = 0
        self.instance = instance
        self._forward: Callable[[Mapping[str, Any]], None] | None = None

    def forward_to(self, forward: Callable[[Mapping[str, Any]], None] | None) -> None:
        """Hand every local event to ``forward`` too (None: stop); it must never block."""
        self._forward = forward

    @property
    def last(self) -> int:
        """The number of the newest event (0 before the first)."""
        return self._last

    def publish(self, event: Mapping[str, Any]) -> None:
        """Add a local event (stamped with ``instance``) and forward it."""
        if self.instance is not None:
            event = {**event, "instance": self.instance}
        self.receive(event)
        forward = self._forward
        if forward is not None:
            forward(event)

    def receive(self, event: Mapping[str, Any]) -> None:
        """Add an event as it is (another instance's line), without forwarding it."""
        with self._lock:
            self._last += 1
            self._entries.append((self._last, event))

    def after(self, cursor: int, *, limit: int = 500) -> Batch:
        """Events numbered above ``cursor``, oldest first, at most ``limit``."""
        with self._lock:
            snapshot = list(self._entries)
            last = self._last
        first = snapshot[0][0] if snapshot else last + 1
        gap = cursor + 1 < first and cursor < last
        entries = [entry for entry in snapshot if entry[0] > cursor][:limit]
        return Batch(entries=entries, last=entries[-1][0] if entries else max(cursor, 0), gap=gap)

    def matching(self, predicate: Callable[[Mapping[str, Any]], bool]) -> list[Mapping[str, Any]]:
        """Every buffered event ``predicate`` accepts, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return [event for _, event in snapshot if predicate(event)]

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        with self._lock:
            snapshot = list(self._entries)
        return iter([event for _, event in snapshot])


class LiveLogTee:
    """The last link of the processor chain: copy the event to a live log, then render it.

    ``mask`` is set when the chain it was put into has no masking processor (an unconfigured
    process), so that the live log still never holds a personal number.
    """

    def __init__(
        self,
        renderer: Any,
        live_log: LiveLog,
        *,
        mask: bool,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.renderer = renderer
        self.live_log = live_log
        self._mask = mask
        self._metrics = metrics

    def __call__(self, logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> Any:
        tag = HOPS_OF_EVENTS.get(event_dict.get("event", ""))
        if tag is not None and ROUTING_LOG_KEY not in event_dict:
            event_dict[ROUTING_LOG_KEY], event_dict["outcome"] = tag
            if self._metrics is not None:
                self._metrics.callbacks.labels(tag[1]).inc()
        copy = dict(event_dict)
        if self._mask:
            copy = dict(mask_personal_numbers(logger, method, copy))
        self.live_log.publish(copy)
        return self.renderer(logger, method, event_dict)


def attach(live_log: LiveLog, metrics: GatewayMetrics | None = None) -> Callable[[], None]:
    """Put ``live_log`` in front of the current renderer; returns the function that undoes it."""
    processors = list(structlog.get_config()["processors"])
    if not processors:
        raise RuntimeError("structlog has no processors to attach the live log to")
    last = processors[-1]
    renderer = last.renderer if isinstance(last, LiveLogTee) else last
    tee = LiveLogTee(
        renderer, live_log, mask=mask_personal_numbers not in processors, metrics=metrics
    )
    processors[-1] = tee
    structlog.configure(processors=processors)

    def detach() -> None:
        current = list(structlog.get_config()["processors"])
        if current and current[-1] is tee:
            current[-1] = renderer
            structlog.configure(processors=current)

    return detach


def is_routing_event(event: Mapping[str, Any]) -> bool:
    return ROUTING_LOG_KEY in event


def concerns_request(event: Mapping[str, Any], request_id: str) -> bool:
    """True when the event is about ``request_id`` (the gateway's id or the HTTP exchange's)."""
    return event.get("request_id") == request_id or event.get("http_request_id") == request_id
