"""The cadastre adapter against the sandbox cadastre, over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RegistryNotFound
from contracts.records import Parcel, ParcelEncumbrances, ParcelOwners, PossessionList
from tests.fixtures.sandbox import RunningSandbox

from .registries import call_once, client


def ask(sandbox: RunningSandbox, operation: str, **arguments: str):
    return asyncio.run(call_once(client(sandbox, "cadastre"), operation, **arguments))


def test_get_parcel_returns_the_parcel(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.co_owned_parcel()
    parcel = ask(
        sandbox,
        "getParcel",
        cadastralZone=expected.cadastral_zone,
        parcelNumber=expected.parcel_number,
    )
    assert isinstance(parcel, Parcel)
    assert parcel.cadastral_zone_name == expected.cadastral_zone_name
    assert parcel.municipality_code == expected.municipality_code
    assert parcel.area_m2 == pytest.approx(float(expected.area_m2))


def test_get_parcel_owners_lists_persons_and_businesses(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.business_owned_parcel()
    owners = ask(
        sandbox,
        "getParcelOwners",
        cadastralZone=expected.cadastral_zone,
        parcelNumber=expected.parcel_number,
    )
    assert isinstance(owners, ParcelOwners)
    assert {o.business_number for o in owners.owners} == {
        o.business_number for o in expected.owners
    }
    assert {o.personal_number for o in owners.owners} == {
        o.personal_number for o in expected.owners
    }


def test_get_parcel_encumbrances_shows_a_mortgage(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.parcel_with_encumbrance("mortgage")
    burdens = ask(
        sandbox,
        "getParcelEncumbrances",
        cadastralZone=expected.cadastral_zone,
        parcelNumber=expected.parcel_number,
    )
    assert isinstance(burdens, ParcelEncumbrances)
    assert "mortgage" in {e.kind for e in burdens.encumbrances}
    assert len(burdens.encumbrances) == len(expected.encumbrances)


def test_possession_list_is_every_parcel_the_person_holds(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.alive_parcel_owner()
    listing = ask(sandbox, "getPossessionList", personalNumber=person.personal_number)
    assert isinstance(listing, PossessionList)
    assert listing.personal_number == person.personal_number
    held = {
        (p.cadastral_zone, p.parcel_number)
        for p, _ in sandbox.seed.possessions[person.personal_number]
    }
    assert {(e.cadastral_zone, e.parcel_number) for e in listing.entries} == held


def test_a_person_holding_nothing_is_not_found(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.person_without_parcels()
    with pytest.raises(RegistryNotFound) as raised:
        ask(sandbox, "getPossessionList", personalNumber=person.personal_number)
    assert raised.value.code == "registry.cadastre.not_found"


def test_an_unknown_parcel_is_not_found(sandbox: RunningSandbox) -> None:
    zone, number = sandbox.seed.unknown_parcel()
    with pytest.raises(RegistryNotFound):
        ask(sandbox, "getParcel", cadastralZone=zone, parcelNumber=number)
