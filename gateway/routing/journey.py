"""A request's routing log: one INFO line when it ends, with every hop it passed in a list.

The intake opens a ``Journey`` when a portal request arrives; the intake and the routing
engine add a hop to it at each step (received, validated, each registry call, each rule, the
answer), and the intake closes it with one line, ``route.request``, whatever the end: an
answer, a hand-off, a replay, a refusal or a crash. That line carries the last hop and its
outcome at the top (``hop``, ``outcome``, ``duration_ms`` from receipt), and ``hops``: each
hop with its outcome and its duration, in the order they ended::

    {"event": "route.request", "hop": "answered", "outcome": "answered", "duration_ms": 9.1,
     "hops": [{"hop": "received", "outcome": "received"},
              {"hop": "validated", "outcome": "valid", "duration_ms": 0.08},
              {"hop": "registry_call", "outcome": "found", "duration_ms": 4.2,
               "call": "person", "registry": "civil", "operation": "getPerson"}, …]}

Seven lines a request cost about 0.3 ms of rendering and writing (issue 20); one line costs
one. Each hop is still written on its own at DEBUG, under the event name it had (``route.
received``, ``route.registry_call`` …), for whoever runs the gateway with
``GATEWAY_LOG_LEVEL=debug``. A hop written where no journey is open (a caller of the engine
outside the intake) is written at INFO as its own line, so that no hop is ever lost.

The journey lives in a context variable: the engine's concurrent registry calls run in tasks
that copy the request's context, and so append to the same journey.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from typing import Any

import structlog

log = structlog.get_logger()

REQUEST_EVENT = "route.request"
"""The event of a request's one routing-log line."""


class Journey:
    """The hops of one request, gathered until it ends.

    ``debug``: whether the per-hop DEBUG lines are written, asked once per request. A DEBUG
    call the level filters out still cost about 8 µs here (the logger proxy binds a new
    logger on each call, ``cache_logger_on_first_use`` being off for the tests' sake): six of
    them were most of what the one line costs (``bench/routing_log.py``).
    """

    __slots__ = ("debug", "hops", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.hops: list[dict[str, Any]] = []
        self.debug = _debug_enabled()

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


def _debug_enabled() -> bool:
    enabled = getattr(log, "is_enabled_for", None)
    return True if enabled is None else bool(enabled(logging.DEBUG))


_current: ContextVar[Journey | None] = ContextVar("routing_journey", default=None)


def begin() -> Token[Journey | None]:
    """Open a journey for the request being taken in; ``end`` closes it with the token."""
    return _current.set(Journey())


def current() -> Journey | None:
    return _current.get()


def hop(event: str, name: str, outcome: str, **fields: Any) -> None:
    """Record one hop of the current request (``fields``: duration_ms, registry, rule …)."""
    entry = {"hop": name, "outcome": outcome, **fields}
    journey = _current.get()
    if journey is None:
        log.info(event, **entry)
        return
    journey.hops.append(entry)
    if journey.debug:
        log.debug(event, **entry)


def end(
    token: Token[Journey | None],
    event: str,
    name: str,
    outcome: str,
    *,
    level: str = "info",
    **fields: Any,
) -> None:
    """The request's last hop, then its one line; the journey is closed.

    ``fields`` go on the last hop and on the line (a status code, a replayed request's id).
    """
    journey = _current.get()
    _current.reset(token)
    if journey is None:  # nothing was opened: only the hop
        log.info(event, hop=name, outcome=outcome, **fields)
        return
    duration_ms = journey.elapsed_ms()
    last = {"hop": name, "outcome": outcome, "duration_ms": duration_ms, **fields}
    journey.hops.append(last)
    if journey.debug:
        log.debug(event, **last)
    getattr(log, level)(
        REQUEST_EVENT,
        hop=name,
        outcome=outcome,
        duration_ms=duration_ms,
        hops=journey.hops,
        **fields,
    )


def hops_of(event: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every hop one log line tells of: a request line's ``hops``, or the line itself when
    it is a hop of its own (``published``, ``status``, ``callback``, a DEBUG hop line)."""
    hops = event.get("hops")
    if isinstance(hops, list):
        for entry in hops:
            if isinstance(entry, Mapping):
                yield entry
    elif "hop" in event:
        yield event
