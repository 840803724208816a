"""What one instance does with the others' messages, and what it sends them, without a broker.

Two ``SharedOps`` are wired through a little in-memory fanout (every message to every other
instance, as the exchange does); the broker's side is tested with two real processes in
tests/integration/ops/test_shared_between_instances.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from contracts.personal_numbers import personal_number_check_digit
from gateway.metrics import GatewayMetrics
from gateway.ops.live_log import LiveLog
from gateway.ops.overview import routes_across
from gateway.ops.shared_ops import LINE_HOPS, LINE_VALUE_CHARS, PEER_TTL_S, SharedOps


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


class Breaker:
    def __init__(self, state: str) -> None:
        self.state = state

    def reset_breaker(self) -> str:
        before, self.state = self.state, "closed"
        return before

    def breaker_state(self) -> str:
        return self.state


class Fanout:
    """Every message to every instance (the sender too, as the exchange does)."""

    def __init__(self) -> None:
        self.members: list[SharedOps] = []
        self.full = False

    def channel(self) -> Any:
        fanout = self

        class Channel:
            def send(self, message: Mapping[str, Any]) -> bool:
                if fanout.full:
                    return False
                for member in fanout.members:
                    member.received(dict(message))
                return True

            def start(self) -> None: ...

            def stop(self) -> None: ...

        return Channel()


def _instance(name: str, fanout: Fanout, clock: Clock, **registries: Breaker) -> SharedOps:
    shared = SharedOps(
        name,
        live_log=LiveLog(instance=name),
        metrics=GatewayMetrics(services=["birth-certificate"], municipalities=["19"]),
        registries=registries,
        reset_wait_s=0.5,
        clock=clock,
    )
    shared.connect(fanout.channel())
    fanout.members.append(shared)
    shared.start()
    return shared


def _log_of(shared: SharedOps) -> list[Mapping[str, Any]]:
    return list(shared._live_log)


def test_a_routing_line_reaches_the_other_instance_naming_its_instance_and_trimmed() -> None:
    fanout, clock = Fanout(), Clock()
    a, b = _instance("a", fanout, clock), _instance("b", fanout, clock)

    b._live_log.publish({"hop": "received", "request_id": "r1", "detail": "x" * 5000})
    b._live_log.publish({"event": "http.request.finished", "request_id": "r1"})

    on_a = _log_of(a)
    assert [(line["instance"], line["hop"]) for line in on_a] == [("b", "received")]
    assert len(on_a[0]["detail"]) == LINE_VALUE_CHARS + 1, "a long value is cut"
    assert len(_log_of(b)) == 2, "b keeps its own lines once, not echoed back"


def test_a_requests_line_reaches_the_other_instance_with_its_hops_listed() -> None:
    fanout, clock = Fanout(), Clock()
    a, b = _instance("a", fanout, clock), _instance("b", fanout, clock)
    hops = [
        {"hop": "received", "outcome": "received"},
        {"hop": "registry_call", "outcome": "found", "registry": "civil", "duration_ms": 4.2},
        {"hop": "rule", "outcome": "passed", "rule": "alive", "detail": "y" * 5000},
        {"hop": "answered", "outcome": "answered", "duration_ms": 9.5},
    ]

    b._live_log.publish({"event": "route.request", "hop": "answered", "hops": hops})

    (line,) = _log_of(a)
    assert [(hop["hop"], hop["outcome"]) for hop in line["hops"]] == [
        ("received", "received"),
        ("registry_call", "found"),
        ("rule", "passed"),
        ("answered", "answered"),
    ]
    assert line["hops"][1] == hops[1], "a hop's registry and duration arrive as they were"
    assert len(line["hops"][2]["detail"]) == LINE_VALUE_CHARS + 1, "a hop's long value is cut"
    b._live_log.publish({"event": "route.request", "hop": "answered", "hops": hops * 20})
    assert len(_log_of(a)[-1]["hops"]) == LINE_HOPS, "a huge list of hops is cut"


def test_lines_dropped_on_a_full_channel_show_as_a_gap_naming_the_instance() -> None:
    fanout, clock = Fanout(), Clock()
    a, b = _instance("a", fanout, clock), _instance("b", fanout, clock)
    fanout.full = True
    for number in range(3):
        b._live_log.publish({"hop": "received", "request_id": f"lost{number}"})
    fanout.full = False

    b._live_log.publish({"hop": "received", "request_id": "after"})

    assert _log_of(a) == [
        {"instance": "b", "gap": 3},
        {"hop": "received", "request_id": "after", "instance": "b"},
    ]


def test_a_reset_closes_every_instances_breaker_and_counts_the_answers() -> None:
    fanout, clock = Fanout(), Clock()
    a = _instance("a", fanout, clock, civil=Breaker("closed"))
    b_breaker, c_breaker = Breaker("open"), Breaker("half_open")
    _instance("b", fanout, clock, civil=b_breaker)
    _instance("c", fanout, clock, civil=c_breaker)
    for member in fanout.members:
        member.heartbeat()

    answers = asyncio.run(a.reset_everywhere("civil"))

    assert sorted((r.instance, r.previous_state) for r in answers) == [
        ("b", "open"),
        ("c", "half_open"),
    ]
    assert b_breaker.state == c_breaker.state == "closed"


def test_an_instance_not_heard_from_is_forgotten_and_the_routes_add_up() -> None:
    fanout, clock = Fanout(), Clock()
    a, b = _instance("a", fanout, clock), _instance("b", fanout, clock)
    b._metrics.requests.labels("birth-certificate", "19", "answered").inc(3)
    b.heartbeat()

    assert [peer.instance for peer in a.peers()] == ["b"]
    rows = routes_across({"a": [], "b": a.peers()[0].routes})
    assert rows[0]["service"] == "birth-certificate"
    assert rows[0]["instances"] == {"b": 3.0}

    clock.now += PEER_TTL_S + 1
    assert a.peers() == []


def test_routes_of_two_instances_are_summed_per_service_with_each_ones_total() -> None:
    def row(total: float, le_counts: list[Any]) -> dict[str, Any]:
        return {
            "service": "birth-certificate",
            "total": total,
            "outcomes": {"answered": total},
            "latency": {"buckets": le_counts, "count": total, "sum": total / 10},
        }

    merged = routes_across(
        {"a": [row(2, [[0.1, 2], ["+Inf", 2]])], "b": [row(3, [[0.1, 1], ["+Inf", 3]])]}
    )

    assert merged == [
        {
            "service": "birth-certificate",
            "total": 5,
            "outcomes": {"answered": 5},
            "latency": {"buckets": [[0.1, 3], ["+Inf", 5]], "count": 5, "sum": 0.5},
            "instances": {"a": 2, "b": 3},
        }
    ]


def test_a_line_from_elsewhere_on_the_exchange_is_masked_again_before_it_is_shown() -> None:
    fanout, clock = Fanout(), Clock()
    a = _instance("a", fanout, clock)
    number = "123456789" + str(personal_number_check_digit("123456789"))

    a.received(
        {"kind": "line", "instance": "forged", "line": {"hop": "received", "detail": number}}
    )

    (shown,) = _log_of(a)
    assert number not in str(shown)
    assert shown["detail"].endswith(number[-2:])
    assert shown["instance"] == "forged"


def test_a_hop_from_elsewhere_on_the_exchange_is_masked_again_before_it_is_shown() -> None:
    fanout, clock = Fanout(), Clock()
    a = _instance("a", fanout, clock)
    number = "123456789" + str(personal_number_check_digit("123456789"))
    hops = [{"hop": "rule", "outcome": "failed", "detail": f"for {number}"}]

    a.received({"kind": "line", "instance": "forged", "line": {"hop": "refused", "hops": hops}})

    (shown,) = _log_of(a)
    assert number not in str(shown)
    assert shown["hops"][0]["detail"].endswith(number[-2:])
