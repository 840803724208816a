"""A permit for a business asks the tax administration (ATK), through the real sandbox.

The public-space permit is handed to the municipality only when the business registry shows
an active business the applicant owns and ATK shows it owes no tax. Unpaid tax is a clear,
localised refusal; ATK down is the same 503 with Retry-After as any registry down.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.fixtures.gateway import (
    citizen_request,
    offline_settings,
    portal_headers,
    registry_environment,
)

SERVICE = "public-space-use-permit"
FORM = {
    "address": "Sheshi Skënderbeu 3",
    "object_type": "stand",
    "area_m2": 4,
    "start_date": "2027-03-01",
    "end_date": "2027-09-30",
}
UNPAID = {
    "sq": "Sipas Administratës Tatimore të Kosovës biznesi ka obligime tatimore të papaguara.",
    "sr": "Prema Poreskoj administraciji Kosova privredni subjekat ima neizmirene poreske obaveze.",
    "en": "According to the Tax Administration of Kosovo the business has unpaid tax.",
}


@pytest.fixture
def client(sandbox_reset, tmp_path, monkeypatch):
    for name, value in registry_environment(sandbox_reset).items():
        monkeypatch.setenv(name, value)
    database = tmp_path / "gateway.db"
    with TestClient(create_app(offline_settings(database))) as client:
        client.database = database  # type: ignore[attr-defined]
        yield client


def apply(client, sandbox, *, owes_tax: bool, language: str = "en", index: int = 0):
    person, business = sandbox.tax.business_owner(owes_tax=owes_tax, index=index)
    body = citizen_request(
        person,
        SERVICE,
        {**FORM, "business_number": business.registration_number},
        language=language,
    )
    body["municipality"] = person.address.municipality_code
    return client.post("/v1/requests", json=body, headers=portal_headers(language)), business


def test_a_business_that_owes_no_tax_is_handed_off_with_its_clearance(client, sandbox_reset):
    response, business = apply(client, sandbox_reset, owes_tax=False)

    assert response.status_code == 202, response.text
    with sqlite3.connect(client.database) as db:
        (handoff,) = db.execute(
            "SELECT body FROM outbox WHERE request_id = ? AND kind = 'handoff'",
            (response.json()["request_id"],),
        ).fetchone()
    records = {r["registry"]: r for r in json.loads(handoff)["records"]}
    assert records["tax"]["operation"] == "getTaxClearance"
    assert records["tax"]["data"]["business_number"] == business.registration_number
    assert records["tax"]["data"]["outstanding"] == []


@pytest.mark.parametrize("language", ["sq", "sr", "en"])
def test_a_business_with_unpaid_tax_is_refused_in_the_citizens_language(
    client, sandbox_reset, language
):
    response, _ = apply(client, sandbox_reset, owes_tax=True, language=language)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "rule.failed"
    assert problem["rule"] == "taxes_settled"
    assert problem["detail"] == UNPAID[language]


def test_atk_down_is_a_503_with_retry_after_naming_the_tax_administration(client, sandbox_reset):
    sandbox_reset.set_faults("tax", down="refuse")

    response, _ = apply(client, sandbox_reset, owes_tax=False, language="sq")

    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "registry.tax.unavailable"
    assert problem["title"].startswith("Regjistri i Administratës Tatimore nuk është i qasshëm")
    assert int(response.headers["retry-after"]) > 0


def test_ready_reports_the_tax_administration_with_the_other_registries(client, sandbox_reset):
    ready = client.get("/ready").json()

    registries = next(c for c in ready["components"] if c["name"] == "registries")
    assert "tax: closed" in registries["detail"]
