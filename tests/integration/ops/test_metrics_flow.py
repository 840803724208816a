"""``GET /metrics`` moves as requests flow through the real app and the sandbox registries."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.ops.conftest import OPERATOR, PORTAL
from tests.integration.ops.requests import birth_certificate, complaint

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client) -> Samples:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=OPERATOR)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_registry_calls_and_latency_are_counted(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    person = sandbox.seed.alive_parcel_owner(3)
    deceased = sandbox.seed.deceased_person(2)
    where = person.address.municipality_code
    before = scrape(client)

    assert birth_certificate(client, person).status_code == 200
    assert birth_certificate(client, deceased).status_code == 422
    after = scrape(client)

    answered = {"service": "birth-certificate", "municipality": where, "outcome": "answered"}
    assert value(after, "ekomunat_requests_total", **answered) == (
        value(before, "ekomunat_requests_total", **answered) + 1
    )
    refused = {
        "service": "birth-certificate",
        "municipality": deceased.address.municipality_code,
        "outcome": "refused",
    }
    assert value(after, "ekomunat_requests_total", **refused) == (
        value(before, "ekomunat_requests_total", **refused) + 1
    )
    assert value(after, "ekomunat_refusals_total", code="rule.failed") == (
        value(before, "ekomunat_refusals_total", code="rule.failed") + 1
    )
    route = "ekomunat_route_duration_seconds_count"
    assert value(after, route, service="birth-certificate") == (
        value(before, route, service="birth-certificate") + 2
    )
    calls = "ekomunat_registry_calls_total"
    assert value(after, calls, registry="civil", outcome="found") >= (
        value(before, calls, registry="civil", outcome="found") + 2
    )
    assert any(
        name == "ekomunat_registry_call_duration_seconds_bucket" and ("registry", "civil") in key
        for name, key in after
    )


def test_the_outbox_depth_grows_while_no_relay_runs(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    before = value(scrape(client), "ekomunat_outbox_depth", kind="handoff")

    assert complaint(client, sandbox.seed.alive_parcel_owner(4)).status_code == 202
    after = scrape(client)

    assert value(after, "ekomunat_outbox_depth", kind="handoff") == before + 1
    assert value(after, "ekomunat_outbox_oldest_unpublished_age_seconds", kind="handoff") >= 0
    accepted = [
        v
        for (name, labels), v in after.items()
        if name == "ekomunat_requests_total" and ("outcome", "accepted") in labels
    ]
    assert sum(accepted) >= 1


def test_every_breaker_is_reported_in_exactly_one_state(ops_gateway) -> None:
    samples = scrape(ops_gateway.client)
    for registry in ("civil", "business", "cadastre"):
        states = {
            dict(labels)["state"]: v
            for (name, labels), v in samples.items()
            if name == "ekomunat_registry_breaker_state" and ("registry", registry) in labels
        }
        assert sorted(states) == ["closed", "half_open", "open"]
        assert sum(states.values()) == 1


def test_metrics_are_for_operators_only(ops_gateway) -> None:
    client = ops_gateway.client
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=PORTAL).status_code == 403


def test_the_dashboard_overview_adds_up_the_same_counts(ops_gateway, sandbox) -> None:
    client = ops_gateway.client
    assert birth_certificate(client, sandbox.seed.alive_parcel_owner(11)).status_code == 200

    overview = client.get("/v1/ops/overview", headers=OPERATOR).json()

    route = next(r for r in overview["routes"] if r["service"] == "birth-certificate")
    assert route["outcomes"]["answered"] >= 1
    assert route["total"] == sum(route["outcomes"].values())
    assert route["latency"]["count"] == route["total"]
    assert route["latency"]["buckets"][-1] == ["+Inf", route["total"]]
    civil = next(r for r in overview["registries"] if r["registry"] == "civil")
    assert civil["state"] == "closed" and civil["calls"]["found"] >= 1
    assert set(overview["outbox"]) == {"handoff", "callback"}
