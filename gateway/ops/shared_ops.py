"""What every gateway instance shares with the others: operator actions and what operators read.

A deployment runs several instances (hosts, and worker processes on each), each with its own
breakers, live log and counters. An operator talks to one of them, through a load balancer,
and must not have to care which: a breaker reset applies on every instance, and the live log
and the routes panel show every instance, each line naming its instance.

The messages go over a fan-out exchange (``adapters.amqp.ops_broadcast``), not the store:
they are live and short-lived (a log line is worth nothing a minute later), there are many
of them (every routing-log line), and every instance must hear each one, which is what a
fanout exchange with one exclusive queue per instance does without a table to poll or to
clean. The broker being down costs only this sharing: each instance still serves, resets
and logs on its own (docs/operations.md, "Several instances").

Kinds of message, each naming the ``instance`` that sent it:

- ``line``: one routing-log line (already masked, trimmed to ``LINE_VALUE_CHARS`` per value;
  a request's line keeps its ``hops`` list, at most ``LINE_HOPS`` of them, each trimmed alike),
  with ``dropped``: how many lines this instance could not send since the last one;
- ``heartbeat``: every ``tick_s``, the instance's route counters and breaker states; an
  instance not heard from for ``PEER_TTL_S`` is taken to be gone;
- ``breaker_reset``: close a registry's breaker; each instance that applied it answers with
  ``breaker_reset_ack`` (the state its breaker was in).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from gateway.logging import mask_value
from gateway.metrics import GatewayMetrics
from gateway.ops import overview
from gateway.ops.live_log import LiveLog, is_routing_event

log = structlog.get_logger()

PEER_TTL_S = 10.0
LINE_VALUE_CHARS = 200
LINE_KEYS = 32
"""A forwarded line keeps at most this many fields, each value at most ``LINE_VALUE_CHARS``
characters: the routing log's lines are small, and a huge one must not flood every
instance."""
LINE_HOPS = 32
"""A forwarded request line keeps at most this many of its hops (a route has a few calls
and rules: 32 is far above any route in routing.yaml)."""


def default_instance_id(host: str | None = None) -> str:
    """``<host>:<pid>``: unique per process, so the workers of one server are told apart."""
    return f"{host or socket.gethostname()}:{os.getpid()}"


class Channel(Protocol):
    """The transport (``OpsBroadcast``): a non-blocking send, started and stopped from outside."""

    def send(self, message: Mapping[str, Any]) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Resettable(Protocol):
    def reset_breaker(self) -> str: ...

    def breaker_state(self) -> str: ...


@dataclass(frozen=True)
class InstanceReset:
    instance: str
    previous_state: str


@dataclass(frozen=True)
class Peer:
    instance: str
    seen_at: float
    routes: list[dict[str, Any]]
    breakers: dict[str, str]


def small_line(event: Mapping[str, Any]) -> dict[str, Any]:
    """``event`` cut down for the wire: scalar values only, long ones truncated; a request
    line's ``hops`` stay a list of hops, each cut down the same way."""
    line: dict[str, Any] = {}
    for key, value in list(event.items())[:LINE_KEYS]:
        if key == "hops" and isinstance(value, list):
            line[key] = [_small(hop) for hop in value[:LINE_HOPS] if isinstance(hop, Mapping)]
        else:
            line[key] = _scalar(value)
    return line


def _small(hop: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key): _scalar(value) for key, value in list(hop.items())[:LINE_KEYS]}


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= LINE_VALUE_CHARS else text[:LINE_VALUE_CHARS] + "…"


class SharedOps:
    """This instance's side of the sharing: sends its lines and counters, applies resets."""

    def __init__(
        self,
        instance: str,
        *,
        live_log: LiveLog,
        metrics: GatewayMetrics,
        registries: Mapping[str, Resettable],
        reset_wait_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instance = instance
        self._live_log = live_log
        self._metrics = metrics
        self._registries = registries
        self._reset_wait_s = reset_wait_s
        self._clock = clock
        self._channel: Channel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._peers: dict[str, Peer] = {}
        self._acks: dict[str, list[InstanceReset]] = {}
        self._dropped = 0

    @property
    def broadcasting(self) -> bool:
        """True when this instance shares with the others (a channel is set)."""
        return self._channel is not None

    def connect(self, channel: Channel) -> None:
        """Send through ``channel`` from now on (set once, before ``start``)."""
        self._channel = channel

    # The worker's life: the channel's thread, and the event loop the breakers live on.

    def start(self) -> None:
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._live_log.forward_to(self.forward_line)
        if self._channel is not None:
            self._channel.start()

    def stop(self) -> None:
        self._live_log.forward_to(None)
        if self._channel is not None:
            self._channel.stop()

    # Sending

    def forward_line(self, event: Mapping[str, Any]) -> None:
        """Called for every local live-log event, in the thread that logged it: never blocks."""
        if self._channel is None or not is_routing_event(event):
            return
        # Lines are logged from several threads (the event loop, the relay, consumers): the
        # count of dropped lines is kept under the lock so that a gap is never under-reported.
        with self._lock:
            message = {"kind": "line", "instance": self.instance, "dropped": self._dropped}
            message["line"] = small_line(event)
            if self._channel.send(message):
                self._dropped = 0
            else:
                self._dropped += 1

    def heartbeat(self) -> None:
        """Send the route counters (the services that saw requests) and the breaker states."""
        if self._channel is None:
            return
        rows = [row for row in overview.routes(self._metrics) if row["total"]]
        breakers = {name: r.breaker_state() for name, r in self._registries.items()}
        self._channel.send(
            {"kind": "heartbeat", "instance": self.instance, "routes": rows, "breakers": breakers}
        )

    async def reset_everywhere(self, registry: str) -> list[InstanceReset]:
        """Ask every other instance to reset ``registry``'s breaker; the answers that came
        within ``reset_wait_s`` (returns early once every known peer answered)."""
        if self._channel is None:
            return []
        reset_id = uuid.uuid4().hex
        with self._lock:
            self._acks[reset_id] = []
        expected = len(self.peers())
        sent = self._channel.send(
            {
                "kind": "breaker_reset",
                "instance": self.instance,
                "id": reset_id,
                "registry": registry,
            }
        )
        deadline = self._clock() + self._reset_wait_s
        while sent and self._clock() < deadline:
            with self._lock:
                if len(self._acks[reset_id]) >= expected:
                    break
            await asyncio.sleep(0.02)
        with self._lock:
            return self._acks.pop(reset_id)

    # Receiving (in the channel's thread)

    def received(self, message: Mapping[str, Any]) -> None:
        sender = message.get("instance")
        if not isinstance(sender, str) or sender == self.instance:
            return
        kind = message.get("kind")
        if kind == "line":
            self._received_line(sender, message)
        elif kind == "heartbeat":
            with self._lock:
                self._peers[sender] = Peer(
                    sender,
                    self._clock(),
                    list(message.get("routes") or []),
                    dict(message.get("breakers") or {}),
                )
        elif kind == "breaker_reset":
            self._on_loop(lambda: self._apply_reset(sender, message))
        elif kind == "breaker_reset_ack":
            with self._lock:
                acks = self._acks.get(str(message.get("id")))
                if acks is not None:
                    acks.append(InstanceReset(sender, str(message.get("previous_state"))))

    def _received_line(self, sender: str, message: Mapping[str, Any]) -> None:
        dropped = message.get("dropped")
        if isinstance(dropped, int) and dropped > 0:
            self._live_log.receive({"instance": sender, "gap": dropped})
        line = message.get("line")
        if isinstance(line, dict):
            # Masked by the sender already; masked again so that nothing else publishing on
            # the exchange can put a personal number on an operator's screen.
            masked = mask_value(small_line(line))
            self._live_log.receive({**masked, "instance": sender})

    def _on_loop(self, action: Callable[[], None]) -> None:
        # The breakers live on the event loop and take no lock: change them there only.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(action)
        else:
            action()

    def _apply_reset(self, sender: str, message: Mapping[str, Any]) -> None:
        name = str(message.get("registry"))
        found = self._registries.get(name)
        if found is None or self._channel is None:
            return
        previous = found.reset_breaker()
        self._metrics.breaker_resets.labels(name).inc()
        log.info("ops.breaker.reset", registry=name, previous_state=previous, by_instance=sender)
        self._channel.send(
            {
                "kind": "breaker_reset_ack",
                "instance": self.instance,
                "id": message.get("id"),
                "registry": name,
                "previous_state": previous,
            }
        )

    # What the overview reads

    def peers(self) -> list[Peer]:
        """The other instances heard from within ``PEER_TTL_S``, by name."""
        now = self._clock()
        with self._lock:
            for name in [n for n, p in self._peers.items() if now - p.seen_at > PEER_TTL_S]:
                del self._peers[name]
            return sorted(self._peers.values(), key=lambda peer: peer.instance)
