"""The business registry adapter against the sandbox business registry, over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RegistryNotFound
from contracts.records import Business, BusinessesOfPerson
from tests.fixtures.sandbox import RunningSandbox

from .registries import call_once, client


def ask(sandbox: RunningSandbox, operation: str, **arguments: str):
    return asyncio.run(call_once(client(sandbox, "business"), operation, **arguments))


def test_get_business_returns_owners_activities_and_status(sandbox: RunningSandbox) -> None:
    owner, expected = sandbox.seed.active_business_owner()
    business = ask(sandbox, "GetBusiness", registrationNumber=expected.registration_number)
    assert isinstance(business, Business)
    assert business.status == "active"
    assert business.name == expected.name
    assert business.legal_form == expected.legal_form
    assert business.capital_eur == expected.capital
    assert owner.personal_number in {o.personal_number for o in business.owners}
    assert sum(1 for activity in business.activities if activity.primary) == 1
    assert len(business.authorised_persons) == len(expected.authorised_persons)


def test_businesses_by_owner_lists_the_owned_business(sandbox: RunningSandbox) -> None:
    owner, expected = sandbox.seed.active_business_owner()
    listing = ask(sandbox, "GetBusinessesByOwner", personalNumber=owner.personal_number)
    assert isinstance(listing, BusinessesOfPerson)
    roles = {summary.registration_number: summary.role for summary in listing.businesses}
    assert roles[expected.registration_number] == "owner"


def test_a_person_without_business_gets_an_empty_list(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.person_without_business()
    listing = ask(sandbox, "GetBusinessesByOwner", personalNumber=person.personal_number)
    assert listing == BusinessesOfPerson(businesses=())


def test_an_unknown_registration_number_is_not_found(sandbox: RunningSandbox) -> None:
    unknown = sandbox.seed.unknown_registration_number()
    with pytest.raises(RegistryNotFound) as raised:
        ask(sandbox, "GetBusiness", registrationNumber=unknown)
    assert raised.value.code == "registry.business.not_found"
