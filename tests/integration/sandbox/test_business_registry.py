"""The business registry simulator answers its WSDL's operations, per the XSD, from the seed."""

import httpx
import pytest
import zeep
from lxml import etree

from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import (
    BUSINESS_NS,
    ROOT,
    body_payload,
    call_soap,
    fault_detail,
    text,
    xsd,
)


def _business(sandbox: RunningSandbox, number: str) -> httpx.Response:
    return call_soap(sandbox.business_url, BUSINESS_NS, "GetBusiness", "registrationNumber", number)


def _by_owner(sandbox: RunningSandbox, personal_number: str) -> httpx.Response:
    return call_soap(
        sandbox.business_url, BUSINESS_NS, "GetBusinessesByOwner", "personalNumber", personal_number
    )


@pytest.mark.parametrize("status", ["active", "suspended", "closed"])
def test_business_by_number_answers_per_the_xsd(sandbox: RunningSandbox, status: str) -> None:
    business = sandbox.seed.business_with_status(status)
    response = _business(sandbox, business.registration_number)
    assert response.status_code == 200
    payload = body_payload(response)
    xsd("business-registry").assertValid(payload)
    assert text(payload, BUSINESS_NS, "business/status") == status
    assert text(payload, BUSINESS_NS, "business/name") == business.name
    owners = payload.findall(f".//{{{BUSINESS_NS}}}owner/{{{BUSINESS_NS}}}personalNumber")
    assert [o.text for o in owners] == [o.personal_number for o in business.owners]
    codes = payload.findall(f".//{{{BUSINESS_NS}}}activity/{{{BUSINESS_NS}}}naceCode")
    assert [c.text for c in codes] == [a.nace_code for a in business.activities]


def test_businesses_of_an_owner_are_listed_with_their_role(sandbox: RunningSandbox) -> None:
    person, business = sandbox.seed.active_business_owner()
    payload = body_payload(_by_owner(sandbox, person.personal_number))
    xsd("business-registry").assertValid(payload)
    summaries = {
        text(s, BUSINESS_NS, "registrationNumber"): text(s, BUSINESS_NS, "role")
        for s in payload.iter(f"{{{BUSINESS_NS}}}businessSummary")
    }
    assert summaries[business.registration_number] == "owner"


def test_a_person_without_businesses_gets_an_empty_list(sandbox: RunningSandbox) -> None:
    person = sandbox.seed.person_without_business()
    response = _by_owner(sandbox, person.personal_number)
    assert response.status_code == 200
    payload = body_payload(response)
    xsd("business-registry").assertValid(payload)
    assert payload.find(f".//{{{BUSINESS_NS}}}businessSummary") is None


def test_unknown_business_is_a_business_not_found_fault(sandbox: RunningSandbox) -> None:
    response = _business(sandbox, sandbox.seed.unknown_registration_number())
    assert response.status_code == 500
    assert fault_detail(response, BUSINESS_NS) == (
        "soap:Client",
        "BusinessNotFoundFault",
        "ARBK-404",
    )


def test_malformed_registration_number_is_an_invalid_request_fault(sandbox: RunningSandbox) -> None:
    response = _business(sandbox, "81-0123")
    assert fault_detail(response, BUSINESS_NS)[1:] == ("InvalidRequestFault", "ARBK-400")


def test_wsdl_and_xsd_are_served_and_a_strangers_zeep_can_use_them(sandbox: RunningSandbox) -> None:
    schema = httpx.get(httpx.URL(sandbox.business_wsdl_url).join("../xsd/business-registry.xsd"))
    assert schema.content == (ROOT / "xsd" / "business-registry.xsd").read_bytes()
    client = zeep.Client(sandbox.business_wsdl_url)
    business = sandbox.seed.business_with_status("active")
    answer = client.service.GetBusiness(registrationNumber=business.registration_number)
    assert answer.legalForm == business.legal_form
    assert [a.primary for a in answer.activities.activity].count(True) == 1
    with pytest.raises(zeep.exceptions.Fault) as raised:
        client.service.GetBusiness(registrationNumber=sandbox.seed.unknown_registration_number())
    assert etree.QName(raised.value.detail[0]).localname == "BusinessNotFoundFault"
