"""The cadastre simulator serves its OpenAPI operations, per the OpenAPI schemas, from the seed."""

import httpx
import pytest
import yaml

from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import ROOT, assert_matches_openapi_schema


def _get(sandbox: RunningSandbox, path: str) -> httpx.Response:
    return httpx.get(sandbox.cadastre_url + path, timeout=10)


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert_matches_openapi_schema(document, "Problem")
    assert document["status"] == status
    return document


@pytest.mark.parametrize(
    ("suffix", "schema"),
    [
        ("", "Parcel"),
        ("/owners", "ParcelOwners"),
        ("/encumbrances", "ParcelEncumbrances"),
    ],
)
def test_parcel_operations_answer_per_the_schema(
    sandbox: RunningSandbox, suffix: str, schema: str
) -> None:
    for parcel in (
        sandbox.seed.co_owned_parcel(),
        sandbox.seed.business_owned_parcel(),
        sandbox.seed.parcel_with_encumbrance("mortgage"),
    ):
        response = _get(
            sandbox, f"/v1/parcels/{parcel.cadastral_zone}/{parcel.parcel_number}{suffix}"
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert_matches_openapi_schema(response.json(), schema)


def test_parcel_owners_and_encumbrances_carry_the_registry_data(sandbox: RunningSandbox) -> None:
    parcel = sandbox.seed.parcel_with_encumbrance("mortgage")
    base = f"/v1/parcels/{parcel.cadastral_zone}/{parcel.parcel_number}"
    owners = _get(sandbox, base + "/owners").json()["owners"]
    assert [o["name"] for o in owners] == [o.name for o in parcel.owners]
    encumbrances = _get(sandbox, base + "/encumbrances").json()["encumbrances"]
    mortgage = next(e for e in encumbrances if e["kind"] == "mortgage")
    assert mortgage["amountEur"] > 0


def test_possession_list_answers_per_the_schema(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.alive_parcel_owner()
    response = _get(sandbox, f"/v1/persons/{person.personal_number}/possession-list")
    assert response.status_code == 200
    document = response.json()
    assert_matches_openapi_schema(document, "PossessionList")
    assert document["ownerName"] == person.full_name
    assert len(document["entries"]) == len(sandbox.seed.possessions[person.personal_number])


def test_unknown_parcel_and_person_without_parcels_are_404_problems(
    sandbox: RunningSandbox,
) -> None:
    zone, number = sandbox.seed.unknown_parcel()
    for suffix in ("", "/owners", "/encumbrances"):
        _problem(_get(sandbox, f"/v1/parcels/{zone}/{number}{suffix}"), 404)
    for personal_number in (
        sandbox.seed.person_without_parcels().personal_number,
        sandbox.seed.unknown_personal_number(),
    ):
        _problem(_get(sandbox, f"/v1/persons/{personal_number}/possession-list"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/parcels/19001/123",
        "/v1/parcels/190001/123456",
        "/v1/parcels/190001/12-3456",
        "/v1/persons/123456789/possession-list",
        "/v1/persons/12345678AB/possession-list",
    ],
)
def test_identifiers_that_break_their_pattern_are_400_problems(
    sandbox: RunningSandbox, path: str
) -> None:
    document = _problem(_get(sandbox, path), 400)
    assert "invalid-identifier" in document["type"]


def test_openapi_file_is_served_as_it_is_in_the_repository(sandbox: RunningSandbox) -> None:
    response = httpx.get(sandbox.cadastre_openapi_url)
    assert response.status_code == 200
    assert response.content == (ROOT / "wsdl" / "cadastre.openapi.yaml").read_bytes()
    assert yaml.safe_load(response.text)["info"]["version"] == "1.0.0"
