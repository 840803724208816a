"""The transparency sources as real servers: their answers keep their OpenAPI contracts.

Each source is called through the gateway's own registry adapter (contract loaded from
``wsdl/``, answer validated against it, mapped to a canonical record), over loopback HTTP to
the sandbox processes the launcher started beside the three registries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from adapters.errors import RegistryNotFound, RegistryUnavailable
from adapters.policy import RegistryPolicy
from adapters.registry import build_registry
from contracts.open_records import (
    CentralPermits,
    FiscalYears,
    MunicipalBudget,
    MunicipalRevenues,
    ProcurementReleases,
    UrbanPlans,
)
from tests.fixtures.sandbox import REPO_ROOT

CONTRACTS = {
    "treasury": "treasury.openapi.yaml",
    "procurement": "procurement.openapi.yaml",
    "urban_planning": "urban-planning.openapi.yaml",
    "ministry_permits": "ministry-permits.openapi.yaml",
}
QUICK = RegistryPolicy(timeout_s=5, retries=1, failure_threshold=100)


def call(sandbox, source: str, operation: str, arguments: Mapping[str, str]):  # type: ignore[no-untyped-def]
    async def once():  # type: ignore[no-untyped-def]
        registry = build_registry(
            source,
            kind="rest",
            contract=REPO_ROOT / "wsdl" / CONTRACTS[source],
            endpoint=sandbox.source_urls[source],
            policy=QUICK,
        )
        try:
            return await registry.call(operation, arguments)
        finally:
            await registry.aclose()

    return asyncio.run(once())


def test_the_launcher_announces_every_source_with_its_contract(sandbox):
    for source, contract in CONTRACTS.items():
        served = httpx.get(f"{sandbox.source_urls[source]}/openapi.yaml", timeout=10)
        assert served.status_code == 200
        assert served.content == (REPO_ROOT / "wsdl" / contract).read_bytes()
        assert source in sandbox.admin_urls


def test_treasury_publishes_budget_and_revenues_month_by_month(sandbox):
    years = call(sandbox, "treasury", "getFiscalYears", {})
    budget = call(sandbox, "treasury", "getBudget", {"municipalityCode": "19", "year": "2025"})
    revenues = call(
        sandbox, "treasury", "getOwnRevenues", {"municipalityCode": "32", "year": "2026"}
    )

    assert isinstance(years, FiscalYears) and 2025 in years.years
    assert isinstance(budget, MunicipalBudget) and budget.reported_through_month == 12
    assert {line.economic_category for line in budget.lines} == {
        "wages",
        "goods_services",
        "subsidies",
        "capital_investments",
    }
    assert all(len(line.executed) == 12 for line in budget.lines)
    assert isinstance(revenues, MunicipalRevenues)
    assert {line.source for line in revenues.lines} == {"property_tax", "permits", "fees", "other"}
    assert all(len(line.collected) == revenues.reported_through_month for line in revenues.lines)


def test_property_tax_comes_in_with_the_april_and_september_instalments(sandbox):
    revenues = call(
        sandbox, "treasury", "getOwnRevenues", {"municipalityCode": "20", "year": "2025"}
    )
    tax = next(line for line in revenues.lines if line.source == "property_tax")
    peaks = sorted(range(12), key=lambda month: tax.collected[month], reverse=True)[:2]
    assert sorted(peaks) == [3, 8]


def test_procurement_publishes_an_ocds_package_per_municipality_and_year(sandbox):
    answer = call(
        sandbox, "procurement", "getReleasePackage", {"municipalityCode": "20", "year": "2025"}
    )
    assert isinstance(answer, ProcurementReleases)
    assert answer.municipality_code == "20" and answer.year == 2025
    releases = answer.package["releases"]
    assert all(r["ocid"].startswith("ocds-uhzcmx-20-2025-") for r in releases)
    tags = {tag for r in releases for tag in r["tag"]}
    assert {"tender", "award", "contract", "implementation"} <= tags
    budgets = [r["planning"]["budget"]["id"] for r in releases if "planning" in r]
    assert budgets and all(line.startswith("20-2025-") for line in budgets)


def test_urban_plans_carry_stage_documents_and_a_polygon_boundary(sandbox):
    plans = call(sandbox, "urban_planning", "listPlans", {"municipalityCode": "19"})
    assert isinstance(plans, UrbanPlans) and plans.plans
    for plan in plans.plans:
        ring = plan.boundary["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert all(20.0 < lon < 21.8 and 41.8 < lat < 43.3 for lon, lat in ring)
        assert plan.documents
        if plan.status == "approved":
            assert plan.approved_on and plan.valid_until


def test_ministry_register_never_names_a_private_investor(sandbox):
    permits = call(sandbox, "ministry_permits", "listCentralPermits", {"year": "2025"})
    assert isinstance(permits, CentralPermits) and permits.permits
    assert {p.category for p in permits.permits} == {"III"}
    assert all(p.investor_type != "natural_person" for p in permits.permits)


@pytest.mark.parametrize(
    ("source", "operation", "arguments"),
    [
        ("treasury", "getBudget", {"municipalityCode": "19", "year": "2019"}),
        ("procurement", "getReleasePackage", {"municipalityCode": "19", "year": "2031"}),
        ("ministry_permits", "listCentralPermits", {"year": "2012"}),
    ],
)
def test_an_unpublished_year_is_not_found(sandbox, source, operation, arguments):
    with pytest.raises(RegistryNotFound):
        call(sandbox, source, operation, arguments)


def test_a_source_that_is_down_is_unavailable(sandbox_reset):
    sandbox_reset.set_faults("treasury", down="refuse")
    with pytest.raises(RegistryUnavailable):
        call(sandbox_reset, "treasury", "getFiscalYears", {})


def test_a_malformed_identifier_is_refused_by_the_source_with_a_problem_document(sandbox):
    answer = httpx.get(f"{sandbox.source_urls['treasury']}/v1/municipalities/40/budget/2025")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_contract_files_are_where_routing_yaml_says(sandbox):
    routing = (REPO_ROOT / "routing.yaml").read_text(encoding="utf-8")
    for contract in CONTRACTS.values():
        assert f"contract: wsdl/{contract}" in routing
        assert Path(REPO_ROOT / "wsdl" / contract).is_file()
