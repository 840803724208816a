"""The REST engine: paths from the OpenAPI file, checked arguments, validated JSON answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters import cadastre
from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.operations import ContractError
from adapters.rest import RestContract, RestEngine
from adapters.transport import TransportResponse
from contracts.records import Parcel, ParcelOwners, PossessionList

from .canned import (
    CADASTRE_OPENAPI,
    PARCEL_JSON,
    PERSONAL_NUMBER,
    PROBLEM_JSON,
    CannedTransport,
    json_answer,
)

ORIGIN = "http://cadastre.invalid/"


@pytest.fixture(scope="module")
def contract() -> RestContract:
    return RestContract.load(CADASTRE_OPENAPI)


def engine(
    contract: RestContract, *answers: TransportResponse, remember_answers: bool = False
) -> RestEngine:
    return RestEngine(
        "cadastre",
        contract=contract,
        mapping=cadastre.MAPPING,
        endpoint=ORIGIN,
        transport=CannedTransport(list(answers)),
        remember_answers=remember_answers,
    )


def get_parcel(rest: RestEngine, zone: str = "191001", number: str = "1234-2"):
    return asyncio.run(rest.invoke("getParcel", {"cadastralZone": zone, "parcelNumber": number}))


def test_operations_come_from_the_openapi_file(contract: RestContract) -> None:
    specs = engine(contract).operations()
    assert set(specs) == {
        "getParcel",
        "getParcelOwners",
        "getParcelEncumbrances",
        "getPossessionList",
    }
    assert specs["getParcel"].parameters == ("cadastralZone", "parcelNumber")
    assert specs["getPossessionList"].parameters == ("personalNumber",)
    assert specs["getParcelOwners"].record is ParcelOwners


def test_a_parcel_is_fetched_by_its_path_and_mapped(contract: RestContract) -> None:
    rest = engine(contract, json_answer(PARCEL_JSON))
    parcel = get_parcel(rest)
    (sent,) = rest._transport.sent  # type: ignore[attr-defined]
    assert sent.method == "GET"
    assert sent.url == "http://cadastre.invalid/v1/parcels/191001/1234-2"
    assert parcel == Parcel(
        cadastral_zone="191001",
        cadastral_zone_name="Prishtinë",
        parcel_number="1234-2",
        municipality_code="19",
        area_m2=512.5,
        land_use="residential",
    )


def test_owners_and_possession_lists_are_mapped(contract: RestContract) -> None:
    owners = json_answer(
        '{"cadastralZone": "191001", "parcelNumber": "7", "owners": ['
        f'{{"personalNumber": "{PERSONAL_NUMBER}", "name": "Arta Krasniqi",'
        ' "shareNumerator": 1, "shareDenominator": 2, "right": "co-ownership"},'
        ' {"businessNumber": "810123456", "name": "Agro LLC",'
        ' "shareNumerator": 1, "shareDenominator": 2, "right": "co-ownership"}]}'
    )
    record = asyncio.run(
        engine(contract, owners).invoke(
            "getParcelOwners", {"cadastralZone": "191001", "parcelNumber": "7"}
        )
    )
    assert isinstance(record, ParcelOwners)
    assert [owner.business_number for owner in record.owners] == [None, "810123456"]
    listing = json_answer(
        f'{{"personalNumber": "{PERSONAL_NUMBER}", "ownerName": "Arta Krasniqi",'
        ' "issuedAt": "2026-11-23T10:00:00Z", "entries": [{"cadastralZone": "191001",'
        ' "cadastralZoneName": "Prishtinë", "parcelNumber": "7", "municipalityCode": "19",'
        ' "areaM2": 300, "landUse": "agricultural", "shareNumerator": 1,'
        ' "shareDenominator": 2}]}'
    )
    possession = asyncio.run(
        engine(contract, listing).invoke("getPossessionList", {"personalNumber": PERSONAL_NUMBER})
    )
    assert isinstance(possession, PossessionList)
    assert possession.entries[0].area_m2 == 300.0


@pytest.mark.parametrize(
    ("zone", "number"),
    [("19100", "1"), ("191001", "../../admin"), ("191001", "1\n"), ("191001", "1?x=1")],
)
def test_arguments_that_break_their_pattern_are_not_sent(
    contract: RestContract, zone: str, number: str
) -> None:
    rest = engine(contract, json_answer(PARCEL_JSON))
    with pytest.raises(RegistryRejected):
        get_parcel(rest, zone, number)
    assert rest._transport.sent == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, RegistryNotFound),
        (400, RegistryRejected),
        (403, RegistryRejected),
        (503, RegistryUnavailable),
        (500, RegistryUnavailable),
        (429, RegistryUnavailable),
    ],
)
def test_problem_statuses_map_to_outcomes(
    contract: RestContract, status: int, expected: type[RegistryError]
) -> None:
    answer = json_answer(
        PROBLEM_JSON % status, status=status, media_type="application/problem+json"
    )
    with pytest.raises(expected) as raised:
        get_parcel(engine(contract, answer))
    assert type(raised.value) is expected
    assert "raw registry words" not in str(raised.value)


def test_a_bare_404_is_not_taken_for_not_found(contract: RestContract) -> None:
    answer = json_answer("<html>Not Found</html>", status=404, media_type="text/html")
    with pytest.raises(RegistryRejected, match="without a problem document"):
        get_parcel(engine(contract, answer))


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (json_answer('{"cadastralZone": '), "not well-formed JSON"),
        (json_answer("[" * 100_000), "not well-formed JSON"),
        (json_answer(PARCEL_JSON, media_type="text/html"), "media type"),
        (json_answer(PARCEL_JSON.replace('"19"', '"99"')), "breaks the schema"),
        (json_answer(PARCEL_JSON.replace("512.5", "-1")), "breaks the schema"),
        (json_answer(PARCEL_JSON.replace("}", ', "secret": "raw registry words"}')), "schema"),
        (json_answer(PARCEL_JSON, status=302), "unexpected HTTP status"),
    ],
)
def test_answers_that_break_the_contract_are_bad_responses(
    contract: RestContract, answer: TransportResponse, why: str
) -> None:
    with pytest.raises(RegistryBadResponse) as raised:
        get_parcel(engine(contract, answer))
    assert why in raised.value.detail
    assert "raw registry words" not in str(raised.value)


def test_a_broken_openapi_file_stops_start_up(tmp_path: Path) -> None:
    broken = tmp_path / "cadastre.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {}\n")
    with pytest.raises(ContractError, match=r"cadastre\.yaml"):
        RestContract.load(broken)


def test_a_remembering_engine_gives_the_same_record_for_the_same_answer(
    contract: RestContract,
) -> None:
    changed = PARCEL_JSON.replace('"areaM2": 512.5', '"areaM2": 600.0')
    assert changed != PARCEL_JSON
    rest = engine(
        contract,
        json_answer(PARCEL_JSON),
        json_answer(PARCEL_JSON),
        json_answer(changed),
        remember_answers=True,
    )
    first, again, after_a_change = get_parcel(rest), get_parcel(rest), get_parcel(rest)
    assert again is first
    assert after_a_change is not first and after_a_change.area_m2 == 600.0
    other_parcel = engine(
        contract, json_answer(PARCEL_JSON), json_answer(PARCEL_JSON), remember_answers=True
    )
    assert get_parcel(other_parcel, number="1") is not get_parcel(other_parcel, number="2")


def test_a_remembering_engine_still_refuses_a_broken_answer_after_a_good_one(
    contract: RestContract,
) -> None:
    broken = PARCEL_JSON.replace('"areaM2": 512.5', '"areaM2": "large"')
    rest = engine(contract, json_answer(PARCEL_JSON), json_answer(broken), remember_answers=True)
    get_parcel(rest)
    with pytest.raises(RegistryBadResponse):
        get_parcel(rest)
