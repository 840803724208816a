"""The transparency sandbox data: the same seed gives the same documents, and they agree."""

from __future__ import annotations

import json

from sandbox.open_seed import OPEN_YEARS, build_open_seed, reported_through
from sandbox.seed import build_seed

SEED = build_seed(persons=300)


def test_the_same_seed_builds_the_same_documents():
    first, second = build_open_seed(SEED), build_open_seed(SEED)
    assert json.dumps(first.budgets[("19", 2025)]) == json.dumps(second.budgets[("19", 2025)])
    releases = [[r for p in first.processes[("20", 2024)] for r in p.releases]]
    again = [[r for p in second.processes[("20", 2024)] for r in p.releases]]
    assert releases == again


def test_every_tender_names_a_budget_line_the_treasury_publishes():
    data = build_open_seed(SEED)
    for (code, year), processes in data.processes.items():
        lines = {line["lineId"] for line in data.budgets[(code, year)]["lines"]}
        for process in processes:
            tender = process.releases[0]
            assert tender["planning"]["budget"]["id"] in lines


def test_the_current_year_is_reported_only_through_the_last_closed_month():
    data = build_open_seed(SEED)
    current = max(OPEN_YEARS)
    budget = data.budgets[("32", current)]
    assert budget["reportedThroughMonth"] == reported_through(current) < 12
    assert all(len(line["executed"]) == budget["reportedThroughMonth"] for line in budget["lines"])


def test_suppliers_are_businesses_of_the_business_registry():
    data = build_open_seed(SEED)
    known = set(SEED.businesses)
    for processes in data.processes.values():
        for process in processes:
            for release in process.releases:
                for party in release["parties"]:
                    if "supplier" in party["roles"]:
                        assert party["identifier"]["id"] in known
