"""The ATK simulator, over HTTP: it serves its OpenAPI file and answers by it, from the seed.

The answers are checked with a stranger's OpenAPI tooling (``openapi-spec-validator`` for the
document, ``openapi-schema-validator`` for the answers) against the file the server itself
publishes at ``/openapi.yaml``, never against sandbox or gateway code.
"""

from functools import cache
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_openapi

from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import ROOT


@cache
def _published(url: str) -> dict[str, Any]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    document: dict[str, Any] = yaml.safe_load(response.text)
    return document


def _check(sandbox: RunningSandbox, document: Any, schema: str) -> None:
    spec = _published(sandbox.tax_openapi_url)
    root = {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    OAS30Validator(root).validate(document)


def _clearance(sandbox: RunningSandbox, number: str) -> httpx.Response:
    return httpx.get(f"{sandbox.tax_url}/v1/taxpayers/{number}/tax-clearance", timeout=10)


def test_the_published_contract_is_a_valid_openapi_file_and_the_repository_one(
    sandbox: RunningSandbox,
) -> None:
    spec = _published(sandbox.tax_openapi_url)

    validate_openapi(spec)
    assert spec == yaml.safe_load(
        (ROOT / "wsdl" / "tax-administration.openapi.yaml").read_text(encoding="utf-8")
    )
    (path,) = spec["paths"]
    assert spec["paths"][path]["get"]["operationId"] == "getTaxClearance"


@pytest.mark.parametrize("owes_tax", [True, False])
def test_a_business_clearance_is_its_ledger_per_the_schema(
    sandbox: RunningSandbox, owes_tax: bool
) -> None:
    _, business = sandbox.tax.business_owner(owes_tax=owes_tax)
    taxpayer = sandbox.tax.taxpayers[business.registration_number]

    response = _clearance(sandbox, business.registration_number)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    _check(sandbox, document, "TaxClearance")
    assert document["businessNumber"] == business.registration_number
    assert document["fiscalNumber"] == taxpayer.fiscal_number
    assert document["taxpayerName"] == business.name
    assert len(document["outstanding"]) == len(taxpayer.outstanding)
    assert bool(document["outstanding"]) is owes_tax


@pytest.mark.parametrize(
    ("number", "status"),
    [("unknown", 404), ("81000000X", 400), ("8100000001", 400)],
)
def test_unknown_and_malformed_numbers_are_problem_documents(
    sandbox: RunningSandbox, number: str, status: int
) -> None:
    if number == "unknown":
        number = sandbox.seed.unknown_registration_number()

    response = _clearance(sandbox, number)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    _check(sandbox, response.json(), "Problem")
    assert response.json()["status"] == status


def test_the_fault_knobs_take_atk_down_like_any_registry(sandbox_reset: RunningSandbox) -> None:
    _, business = sandbox_reset.tax.business_owner(owes_tax=False)
    sandbox_reset.set_faults("tax", failure_rate=1.0)

    response = _clearance(sandbox_reset, business.registration_number)

    assert response.status_code == 503
    _check(sandbox_reset, response.json(), "Problem")
