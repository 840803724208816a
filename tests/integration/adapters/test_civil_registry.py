"""The civil registry adapter against the sandbox civil registry, over real HTTP."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from adapters.errors import RegistryNotFound
from contracts.records import BirthRecord, CivilStatus, Person, Residence
from tests.fixtures.sandbox import RunningSandbox

from .registries import call_once, client


def ask(sandbox: RunningSandbox, operation: str, personal_number: str):
    registry = client(sandbox, "civil")
    return asyncio.run(call_once(registry, operation, personalNumber=personal_number))


def test_get_person_returns_the_registered_person(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.alive_parcel_owner()
    person = ask(sandbox, "GetPerson", expected.personal_number)
    assert isinstance(person, Person)
    assert person.personal_number == expected.personal_number
    assert (person.first_name, person.last_name) == (expected.first_name, expected.last_name)
    assert person.date_of_birth == expected.date_of_birth
    assert person.status == "alive"
    assert person.date_of_death is None
    assert person.address.settlement == expected.address.settlement
    assert person.municipality_code == expected.municipality_code


def test_a_deceased_person_carries_the_date_of_death(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.deceased_person()
    person = ask(sandbox, "GetPerson", expected.personal_number)
    assert person.status == "deceased"
    assert person.date_of_death == expected.date_of_death


def test_get_birth_record_keeps_the_birth_registration(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.married_person()
    record = ask(sandbox, "GetBirthRecord", expected.personal_number)
    assert isinstance(record, BirthRecord)
    assert record.registration_number == expected.birth_registration_number
    assert record.municipality_code == expected.birth_municipality_code
    assert record.registered_on == expected.birth_registered_on


def test_get_civil_status_of_a_married_person_names_the_spouse(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.married_person()
    assert expected.marriage is not None
    status = ask(sandbox, "GetCivilStatus", expected.personal_number)
    assert isinstance(status, CivilStatus)
    assert status.marital_status == "married"
    assert status.marriage is not None
    assert status.marriage.spouse_personal_number == expected.marriage.spouse_personal_number
    assert status.marriage.marriage_date == expected.marriage.marriage_date


def test_get_residence_gives_the_municipality_of_residence(sandbox: RunningSandbox) -> None:
    expected = sandbox.seed.person_in("32")
    residence = ask(sandbox, "GetResidence", expected.personal_number)
    assert isinstance(residence, Residence)
    assert residence.municipality_code == "32"
    assert residence.address.municipality_code == "32"
    assert residence.registered_since == expected.residence_since


@pytest.mark.parametrize(
    "operation", ["GetPerson", "GetBirthRecord", "GetCivilStatus", "GetResidence"]
)
def test_an_unknown_personal_number_is_not_found(
    sandbox_reset: RunningSandbox, operation: str
) -> None:
    unknown = sandbox_reset.seed.unknown_personal_number()
    with pytest.raises(RegistryNotFound) as raised:
        ask(sandbox_reset, operation, unknown)
    assert raised.value.code == "registry.civil.not_found"
    assert sandbox_reset.stats("civil")["operations"] == 1


def test_the_call_log_never_shows_the_personal_number(sandbox: RunningSandbox) -> None:
    number = sandbox.seed.unknown_personal_number()
    with capture_logs() as logs, pytest.raises(RegistryNotFound):
        ask(sandbox, "GetPerson", number)
    (finished,) = [entry for entry in logs if entry["event"] == "registry.call.finished"]
    assert (finished["outcome"], finished["log_level"]) == ("not_found", "info")
    assert number not in repr(logs)
