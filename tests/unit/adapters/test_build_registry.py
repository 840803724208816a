"""Building registry clients at start-up from the contract files."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RegistryBadResponse
from adapters.operations import ContractError
from adapters.policy import RegistryPolicy
from adapters.registry import RegistryClient, build_registry
from contracts.records import BusinessesOfPerson, Parcel, Person, PossessionList

from .canned import (
    BUSINESS_WSDL,
    CADASTRE_OPENAPI,
    CIVIL_WSDL,
    PARCEL_JSON,
    CannedTransport,
    json_answer,
)


@pytest.mark.parametrize(
    ("name", "kind", "contract", "operation", "parameters", "record"),
    [
        ("civil", "soap", CIVIL_WSDL, "GetPerson", ("personalNumber",), Person),
        (
            "business",
            "soap",
            BUSINESS_WSDL,
            "GetBusinessesByOwner",
            ("personalNumber",),
            BusinessesOfPerson,
        ),
        (
            "cadastre",
            "rest",
            CADASTRE_OPENAPI,
            "getParcel",
            ("cadastralZone", "parcelNumber"),
            Parcel,
        ),
        (
            "cadastre",
            "rest",
            CADASTRE_OPENAPI,
            "getPossessionList",
            ("personalNumber",),
            PossessionList,
        ),
    ],
)
def test_each_registry_describes_its_operations(
    name, kind, contract, operation, parameters, record
) -> None:
    client: RegistryClient = build_registry(
        name, kind=kind, contract=contract, endpoint="http://x.invalid", policy=RegistryPolicy()
    )
    assert client.name == name
    assert client.breaker_state() == "closed"
    spec = client.operations()[operation]
    assert spec.parameters == parameters
    assert spec.record is record


def test_an_unknown_registry_name_stops_start_up() -> None:
    with pytest.raises(ContractError, match="no mapping module"):
        build_registry(
            "land-registry",
            kind="rest",
            contract=CADASTRE_OPENAPI,
            endpoint="http://x.invalid",
            policy=RegistryPolicy(),
        )


def test_a_kind_that_does_not_match_the_registry_stops_start_up() -> None:
    with pytest.raises(ContractError, match="not a REST registry"):
        build_registry(
            "civil",
            kind="rest",
            contract=CADASTRE_OPENAPI,
            endpoint="http://x.invalid",
            policy=RegistryPolicy(),
        )


def test_a_parcel_owner_that_is_both_person_and_business_is_a_bad_answer() -> None:
    answer = json_answer(
        '{"cadastralZone": "191001", "parcelNumber": "7", "owners": [{"personalNumber":'
        ' "1234567892", "businessNumber": "810123456", "name": "Both", "shareNumerator": 1,'
        ' "shareDenominator": 1, "right": "ownership"}]}'
    )
    client = build_registry(
        "cadastre",
        kind="rest",
        contract=CADASTRE_OPENAPI,
        endpoint="http://x.invalid",
        policy=RegistryPolicy(),
        transport=CannedTransport([answer, json_answer(PARCEL_JSON)]),
    )
    with pytest.raises(RegistryBadResponse, match="canonical record") as raised:
        asyncio.run(
            client.call("getParcelOwners", {"cadastralZone": "191001", "parcelNumber": "7"})
        )
    assert "1234567892" not in str(raised.value)
