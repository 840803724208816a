"""The metrics: bounded labels, states read at scrape time, one failing source alone."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics import Backlog, GatewayMetrics, StateCollector, StateSources


def _samples(metrics: GatewayMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_made_up_services_and_municipalities_share_one_unknown_series() -> None:
    metrics = GatewayMetrics(services=["birth-certificate"], municipalities=["19"])
    metrics.request_finished("birth-certificate", "19", "answered", 0.02)
    for made_up in ("x" * 60, "<script>", "no-such-service"):
        metrics.request_finished(made_up, "99", "refused", 0.001)

    samples = _samples(metrics)

    known = ("municipality", "19"), ("outcome", "answered"), ("service", "birth-certificate")
    unknown = ("municipality", "unknown"), ("outcome", "refused"), ("service", "unknown")
    assert samples[("ekomunat_requests_total", known)] == 1
    assert samples[("ekomunat_requests_total", unknown)] == 3


def test_states_are_read_when_scraped_and_a_failing_source_leaves_only_itself_out() -> None:
    metrics = GatewayMetrics()
    breakers = {"civil": "open", "cadastre": "closed"}

    def broken_outbox() -> dict[str, Backlog]:
        raise ConnectionError("database down")

    metrics.registry.register(
        StateCollector(
            StateSources(
                breakers=lambda: breakers,
                outbox=broken_outbox,
                dead_letters=lambda: 4,
                complaints_overdue=lambda: {"municipal-service-complaint": 2},
            )
        )
    )

    samples = _samples(metrics)
    breakers["civil"] = "closed"
    later = _samples(metrics)

    state = "ekomunat_registry_breaker_state"
    assert samples[(state, (("registry", "civil"), ("state", "open")))] == 1
    assert samples[(state, (("registry", "civil"), ("state", "closed")))] == 0
    assert later[(state, (("registry", "civil"), ("state", "closed")))] == 1
    assert samples[("ekomunat_dead_letters", ())] == 4
    assert (
        samples[("ekomunat_complaints_overdue", (("service", "municipal-service-complaint"),))] == 2
    )
    assert not any(name.startswith("ekomunat_outbox") for name, _ in samples)


def test_two_gateways_in_one_process_keep_separate_counts() -> None:
    first, second = GatewayMetrics(), GatewayMetrics()
    first.publishes.labels("confirmed").inc(5)
    assert ("ekomunat_relay_publishes_total", (("result", "confirmed"),)) not in _samples(second)
