"""The operators' features: the dead-letter desk, the dashboard sign-in, the shared ops channel.

Built once by ``bootstrap`` like every other feature (``gateway.features``). Nothing here
connects: the dead-letter desk opens its broker connection on first use, and its depth is
read when Prometheus scrapes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from adapters.amqp.ops_broadcast import OpsBroadcast
from adapters.registry import ResilientRegistry
from gateway.features import Feature, Scope, Worker
from gateway.metrics import GatewayMetrics, StateSources
from gateway.ops.dead_letters import DeadLetterDesk
from gateway.ops.live_log import LiveLog
from gateway.ops.shared_ops import SharedOps, default_instance_id
from gateway.ops.sign_in import OpsSignIn
from gateway.settings import Settings
from gateway.store import Store


def build_dead_letters(settings: Settings, metrics: GatewayMetrics) -> Feature:
    """The desk behind ``/v1/ops/dead-letters`` and the ``ekomunat_dead_letters`` gauge."""
    desk = DeadLetterDesk(settings.amqp_url, metrics=metrics)

    async def close_dead_letters() -> None:
        await asyncio.to_thread(desk.close)

    return Feature(
        "dead_letters",
        provides=(desk,),
        metrics=StateSources(dead_letters=desk.depth_hint),
        close=close_dead_letters,
    )


def build_sign_in(settings: Settings, store: Store) -> Feature:
    """The dashboard's sessions, kept in the store so that every instance shares them."""
    sign_in = OpsSignIn(
        store,
        idle_s=settings.ops_session_idle_s,
        max_s=settings.ops_session_max_s,
        max_failures=settings.ops_sign_in_max_failures,
        window_s=settings.ops_sign_in_window_s,
    )
    return Feature("ops_sign_in", provides=(sign_in,))


def instance_id(settings: Settings) -> str:
    """``GATEWAY_INSTANCE_ID``, or ``<host>:<pid>``."""
    return settings.instance_id or default_instance_id()


def build_shared_ops(
    settings: Settings,
    metrics: GatewayMetrics,
    registries: Mapping[str, ResilientRegistry],
    live_log: LiveLog,
) -> Feature:
    """Breaker resets, live-log lines and route counters shared by every instance.

    Every process runs its own (``PER_PROCESS``): each must hear every reset and every
    other instance's lines. Off (``GATEWAY_OPS_BROADCAST_ENABLED=false``), the instance works
    alone, as one instance did before.
    """
    shared = SharedOps(
        live_log.instance or instance_id(settings),
        live_log=live_log,
        metrics=metrics,
        registries=registries,
    )
    if not settings.ops_broadcast_enabled:
        return Feature("shared_ops", provides=(shared,))
    shared.connect(
        OpsBroadcast(
            settings.amqp_url,
            exchange=settings.ops_exchange,
            on_message=shared.received,
            on_tick=shared.heartbeat,
        )
    )
    return Feature(
        "shared_ops",
        provides=(shared,),
        workers=(Worker("ops-broadcast", Scope.PER_PROCESS, shared),),
    )
