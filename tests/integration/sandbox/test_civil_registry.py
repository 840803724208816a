"""The civil registry simulator answers its WSDL's operations, per the XSD, from the seed."""

import httpx
import pytest
import zeep
from lxml import etree

from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import (
    CIVIL_NS,
    ROOT,
    body_payload,
    call_soap,
    fault_detail,
    text,
    xsd,
)

OPERATIONS = ("GetPerson", "GetBirthRecord", "GetCivilStatus", "GetResidence")


def _call(sandbox: RunningSandbox, operation: str, personal_number: str) -> httpx.Response:
    return call_soap(sandbox.civil_url, CIVIL_NS, operation, "personalNumber", personal_number)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_answers_per_the_xsd(sandbox: RunningSandbox, operation: str) -> None:
    for person in (
        sandbox.seed.alive_parcel_owner(),
        sandbox.seed.deceased_person(),
        sandbox.seed.married_person(),
    ):
        response = _call(sandbox, operation, person.personal_number)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        payload = body_payload(response)
        assert etree.QName(payload).localname == f"{operation}Response"
        xsd("civil-registry").assertValid(payload)


def test_person_record_carries_the_registry_data(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.alive_parcel_owner()
    payload = body_payload(_call(sandbox, "GetPerson", person.personal_number))
    assert text(payload, CIVIL_NS, "person/personalNumber") == person.personal_number
    assert text(payload, CIVIL_NS, "person/firstName") == person.first_name
    assert text(payload, CIVIL_NS, "person/lastName") == person.last_name
    assert text(payload, CIVIL_NS, "person/dateOfBirth") == person.date_of_birth.isoformat()
    assert text(payload, CIVIL_NS, "person/status") == "alive"
    assert text(payload, CIVIL_NS, "person/dateOfDeath") is None
    assert text(payload, CIVIL_NS, "person/address/municipalityCode") == person.municipality_code


def test_deceased_person_has_status_and_date_of_death(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.deceased_person()
    payload = body_payload(_call(sandbox, "GetPerson", person.personal_number))
    assert text(payload, CIVIL_NS, "person/status") == "deceased"
    assert text(payload, CIVIL_NS, "person/dateOfDeath") == person.date_of_death.isoformat()


def test_civil_status_names_the_spouse(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.married_person()
    payload = body_payload(_call(sandbox, "GetCivilStatus", person.personal_number))
    assert text(payload, CIVIL_NS, "civilStatus/maritalStatus") == "married"
    spouse = text(payload, CIVIL_NS, "civilStatus/marriage/spousePersonalNumber")
    assert spouse == person.marriage.spouse_personal_number
    spouse_status = body_payload(_call(sandbox, "GetCivilStatus", spouse))
    assert (
        text(spouse_status, CIVIL_NS, "civilStatus/marriage/spousePersonalNumber")
        == person.personal_number
    )


def test_unknown_person_is_a_person_not_found_fault(sandbox: RunningSandbox) -> None:
    for operation in OPERATIONS:
        response = _call(sandbox, operation, sandbox.seed.unknown_personal_number())
        assert response.status_code == 500
        assert fault_detail(response, CIVIL_NS) == ("soap:Client", "PersonNotFoundFault", "ARC-404")


@pytest.mark.parametrize("bad", ["12345", "12345678901", "abcdefghij", ""])
def test_malformed_personal_number_is_an_invalid_request_fault(
    sandbox: RunningSandbox, bad: str
) -> None:
    response = _call(sandbox, "GetPerson", bad)
    assert response.status_code == 500
    assert fault_detail(response, CIVIL_NS)[1:] == ("InvalidRequestFault", "ARC-400")


def test_a_request_carrying_an_xxe_is_refused_without_reading_files(
    sandbox: RunningSandbox,
) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:r="urn:ks:arc:civil-registry:v1"><soap:Body><r:GetPersonRequest>'
        b"<r:personalNumber>&x;</r:personalNumber></r:GetPersonRequest></soap:Body>"
        b"</soap:Envelope>"
    )
    response = httpx.post(sandbox.civil_url, content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 500
    assert fault_detail(response, CIVIL_NS)[1] == "InvalidRequestFault"
    assert b"root:" not in response.content


def test_wsdl_is_served_with_the_real_endpoint_and_the_xsd_is_reachable(
    sandbox: RunningSandbox,
) -> None:
    wsdl = httpx.get(sandbox.civil_wsdl_url)
    assert wsdl.status_code == 200
    assert f'location="{sandbox.civil_url}"'.encode() in wsdl.content
    assert b'schemaLocation="../xsd/civil-registry.xsd"' in wsdl.content
    schema = httpx.get(httpx.URL(sandbox.civil_wsdl_url).join("../xsd/civil-registry.xsd"))
    assert schema.status_code == 200
    assert schema.content == (ROOT / "xsd" / "civil-registry.xsd").read_bytes()


def test_a_strangers_zeep_calls_the_registry_from_the_served_wsdl(sandbox: RunningSandbox) -> None:
    client = zeep.Client(sandbox.civil_url + "?wsdl")
    person = sandbox.seed.married_person()
    answer = client.service.GetPerson(personalNumber=person.personal_number)
    assert answer.firstName == person.first_name
    assert answer.dateOfBirth == person.date_of_birth
    assert answer.address.settlement == person.address.settlement
    status = client.service.GetCivilStatus(personalNumber=person.personal_number)
    assert status.marriage.spouseName == person.marriage.spouse_name
    with pytest.raises(zeep.exceptions.Fault) as raised:
        client.service.GetResidence(personalNumber=sandbox.seed.unknown_personal_number())
    (detail,) = raised.value.detail
    assert etree.QName(detail).localname == "PersonNotFoundFault"
