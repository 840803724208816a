"""The dashboard's numbers, read from the metrics the gateway keeps anyway.

Counters and histograms are cumulative since start; the dashboard polls this overview and
turns the differences between two polls into throughput, error rate and latency over the
last interval. Keeping the arithmetic in the browser means the request path keeps no
window of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import Counter, Histogram

from gateway.metrics import GatewayMetrics


def _samples(metric: Counter | Histogram) -> Iterable[tuple[str, Mapping[str, str], float]]:
    for family in metric.collect():
        for sample in family.samples:
            yield sample.name, sample.labels, sample.value


def counter_values(metric: Counter, *labels: str) -> dict[tuple[str, ...], float]:
    """Counter totals by the values of ``labels`` (summed over any other label)."""
    totals: dict[tuple[str, ...], float] = defaultdict(float)
    for name, sample_labels, value in _samples(metric):
        if name.endswith("_total"):
            totals[tuple(sample_labels[label] for label in labels)] += value
    return dict(totals)


def histogram_values(metric: Histogram, label: str) -> dict[str, dict[str, Any]]:
    """Per value of ``label``: cumulative bucket counts, count and sum (summed over the rest)."""
    result: dict[str, dict[str, Any]] = {}
    for name, sample_labels, value in _samples(metric):
        key = sample_labels[label]
        entry = result.setdefault(key, {"buckets": defaultdict(float), "count": 0.0, "sum": 0.0})
        if name.endswith("_bucket"):
            entry["buckets"][sample_labels["le"]] += value
        elif name.endswith("_count"):
            entry["count"] += value
        elif name.endswith("_sum"):
            entry["sum"] += value
    for entry in result.values():
        entry["buckets"] = [
            [_bound(le), count]
            for le, count in sorted(entry["buckets"].items(), key=lambda i: _bound(i[0]))
        ]
    return result


def _bound(le: str) -> float:
    return float("inf") if le == "+Inf" else float(le)


def _json_bound(value: float) -> float | str:
    return "+Inf" if value == float("inf") else value


def routes(metrics: GatewayMetrics) -> list[dict[str, Any]]:
    """Per service: requests by outcome, and the latency histogram."""
    by_outcome: dict[str, dict[str, float]] = defaultdict(dict)
    for (service, outcome), value in counter_values(metrics.requests, "service", "outcome").items():
        by_outcome[service][outcome] = by_outcome[service].get(outcome, 0.0) + value
    latency = histogram_values(metrics.route_duration, "service")
    rows = []
    for service in sorted(set(by_outcome) | set(latency)):
        outcomes = by_outcome.get(service, {})
        histogram = latency.get(service, {"buckets": [], "count": 0.0, "sum": 0.0})
        rows.append(
            {
                "service": service,
                "total": sum(outcomes.values()),
                "outcomes": outcomes,
                "latency": _jsonable(histogram),
            }
        )
    return rows


def registries(metrics: GatewayMetrics, states: Mapping[str, str]) -> list[dict[str, Any]]:
    """Per registry: breaker state, calls by outcome, and the latency histogram."""
    calls: dict[str, dict[str, float]] = defaultdict(dict)
    for (registry, outcome), value in counter_values(
        metrics.registry_calls, "registry", "outcome"
    ).items():
        calls[registry][outcome] = value
    latency = histogram_values(metrics.registry_duration, "registry")
    return [
        {
            "registry": name,
            "state": states.get(name, "unknown"),
            "calls": calls.get(name, {}),
            "latency": _jsonable(latency.get(name, {"buckets": [], "count": 0.0, "sum": 0.0})),
        }
        for name in sorted(set(states) | set(calls))
    ]


def flows(metrics: GatewayMetrics) -> dict[str, dict[str, float]]:
    """Hand-offs published, status updates consumed, callbacks, replays: totals by result."""
    return {
        "publishes": _flat(counter_values(metrics.publishes, "result")),
        "status_updates": _flat(counter_values(metrics.status_updates, "outcome")),
        "callbacks": _flat(counter_values(metrics.callbacks, "result")),
        "replays": _flat(counter_values(metrics.replays, "result")),
        "refusals": _flat(counter_values(metrics.refusals, "code")),
    }


def _flat(values: Mapping[tuple[str, ...], float]) -> dict[str, float]:
    return {key[0]: value for key, value in sorted(values.items())}


def _jsonable(histogram: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "buckets": [[_json_bound(le), count] for le, count in histogram["buckets"]],
        "count": histogram["count"],
        "sum": round(histogram["sum"], 6),
    }


def routes_across(
    instances: Mapping[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The routes of several instances (``instance -> routes(...)``) as one table: outcomes,
    totals and latency buckets summed per service, and ``instances``: each one's total."""
    merged: dict[str, dict[str, Any]] = {}
    for instance, rows in sorted(instances.items()):
        for row in rows:
            entry = merged.setdefault(
                row["service"],
                {
                    "service": row["service"],
                    "total": 0.0,
                    "outcomes": defaultdict(float),
                    "latency": {"buckets": defaultdict(float), "count": 0.0, "sum": 0.0},
                    "instances": {},
                },
            )
            entry["total"] += row["total"]
            entry["instances"][instance] = row["total"]
            for outcome, value in row["outcomes"].items():
                entry["outcomes"][outcome] += value
            latency = row["latency"]
            entry["latency"]["count"] += latency["count"]
            entry["latency"]["sum"] += latency["sum"]
            for le, count in latency["buckets"]:
                entry["latency"]["buckets"][str(le)] += count
    result = []
    for service in sorted(merged):
        entry = merged[service]
        buckets = sorted(entry["latency"]["buckets"].items(), key=lambda item: _bound(item[0]))
        entry["outcomes"] = dict(entry["outcomes"])
        entry["latency"] = _jsonable(
            {
                "buckets": [(_bound(le), count) for le, count in buckets],
                "count": entry["latency"]["count"],
                "sum": entry["latency"]["sum"],
            }
        )
        result.append(entry)
    return result
