"""The SOAP machinery refuses hostile or invalid requests and builds answers the XSD accepts."""

import json
from pathlib import Path

import pytest
from lxml import etree

from sandbox.answers import Answer
from sandbox.civil_registry import NAMESPACE, civil_registry_service
from sandbox.hostile import hostile_json, hostile_xml, truncated
from sandbox.seed import SeedData, build_seed
from sandbox.soap_service import SOAP_ENV, SoapService, hardened_parser

XSD = Path(__file__).resolve().parents[3] / "xsd" / "civil-registry.xsd"


@pytest.fixture(scope="module")
def data() -> SeedData:
    return build_seed(persons=300)


@pytest.fixture(scope="module")
def service(data: SeedData) -> SoapService:
    return civil_registry_service(data)


def _request(operation: str, personal_number: str, prologue: str = "") -> bytes:
    return (
        f'{prologue}<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:c="{NAMESPACE}"><soap:Body>'
        f"<c:{operation}Request><c:personalNumber>{personal_number}</c:personalNumber>"
        f"</c:{operation}Request></soap:Body></soap:Envelope>"
    ).encode()


def _detail(answer: Answer) -> tuple[str, str]:
    root = etree.fromstring(answer.body, hardened_parser())
    (element,) = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/detail")
    return etree.QName(element).localname, element.findtext(f"{{{NAMESPACE}}}code")


def test_answer_validates_against_the_xsd(service: SoapService, data: SeedData) -> None:
    person = data.married_person()
    answer = service.handle(_request("GetCivilStatus", person.personal_number))
    assert answer.status == 200
    body = etree.fromstring(answer.body).find(f"{{{SOAP_ENV}}}Body")[0]
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(body)


def test_unknown_person_is_the_declared_not_found_fault(
    service: SoapService, data: SeedData
) -> None:
    answer = service.handle(_request("GetPerson", data.unknown_personal_number()))
    assert answer.status == 500
    assert _detail(answer) == ("PersonNotFoundFault", "ARC-404")


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<soap:Envelope",
        _request("GetPerson", "12345"),
        _request("GetNothing", "1234567892"),
        b'<x xmlns="urn:other"/>',
        _request(
            "GetPerson",
            "&xxe;",
            '<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]>',
        ),
    ],
)
def test_bad_requests_are_invalid_request_faults(service: SoapService, body: bytes) -> None:
    answer = service.handle(body)
    assert answer.status == 500
    assert _detail(answer) == ("InvalidRequestFault", "ARC-400")
    assert b"root:" not in answer.body


def test_hostile_answers_carry_their_payload_but_a_hardened_parser_does_not_expand_it(
    service: SoapService, data: SeedData
) -> None:
    normal = service.handle(_request("GetPerson", data.alive_parcel_owner().personal_number))
    for kind in ("xxe", "xxe_network", "billion_laughs"):
        hostile = hostile_xml(normal, kind, "http://127.0.0.1:9/_sandbox/canary")
        assert b"<!DOCTYPE" in hostile.body and b"<!ENTITY" in hostile.body
        try:
            root = etree.fromstring(hostile.body, hardened_parser())
        except etree.XMLSyntaxError:
            continue  # libxml2 refuses the amplification outright: also a safe outcome
        first_name = root.find(f".//{{{NAMESPACE}}}firstName")
        assert "root:" not in etree.tostring(first_name, encoding="unicode")
        assert len(etree.tostring(root)) < 4 * len(hostile.body)


def test_truncated_and_deep_json_answers_do_not_decode() -> None:
    answer = Answer(200, "application/json", b'{"cadastralZone":"190001","owners":[]}')
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated(answer).body)
    with pytest.raises(RecursionError):
        json.loads(hostile_json(answer).body)
