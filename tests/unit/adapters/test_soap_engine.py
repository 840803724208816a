"""The SOAP engine: envelopes from the WSDL, answers read as hostile input, faults classified."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lxml import etree

from adapters import business_registry, civil_registry
from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.operations import ContractError
from adapters.soap import SoapContract, SoapEngine
from adapters.transport import TransportResponse
from contracts.records import Person

from .canned import (
    BUSINESS_NS,
    BUSINESS_WSDL,
    CIVIL_NS,
    CIVIL_WSDL,
    PERSONAL_NUMBER,
    CannedTransport,
    person_answer,
    soap,
    soap_fault,
)

ENDPOINT = "http://registry.invalid/civil-registry"


@pytest.fixture(scope="module")
def civil_contract() -> SoapContract:
    return SoapContract.load(CIVIL_WSDL)


def engine(contract: SoapContract, *answers: TransportResponse) -> SoapEngine:
    return SoapEngine(
        "civil",
        contract=contract,
        mapping=civil_registry.MAPPING,
        endpoint=ENDPOINT,
        transport=CannedTransport(list(answers)),
    )


def get_person(soap_engine: SoapEngine, number: str = PERSONAL_NUMBER):
    return asyncio.run(soap_engine.invoke("GetPerson", {"personalNumber": number}))


def test_operations_and_parameters_come_from_the_wsdl(civil_contract: SoapContract) -> None:
    specs = engine(civil_contract, person_answer()).operations()
    assert set(specs) == {"GetPerson", "GetBirthRecord", "GetCivilStatus", "GetResidence"}
    assert specs["GetPerson"].parameters == ("personalNumber",)
    assert specs["GetPerson"].record is Person


def test_business_wsdl_is_described_too() -> None:
    contract = SoapContract.load(BUSINESS_WSDL)
    soap_engine = SoapEngine(
        "business",
        contract=contract,
        mapping=business_registry.MAPPING,
        endpoint=ENDPOINT,
        transport=CannedTransport([]),
    )
    assert soap_engine.operations()["GetBusiness"].parameters == ("registrationNumber",)
    assert soap_engine.operations()["GetBusinessesByOwner"].parameters == ("personalNumber",)


def test_request_is_a_wrapped_document_literal_envelope(civil_contract: SoapContract) -> None:
    soap_engine = engine(civil_contract, person_answer())
    get_person(soap_engine)
    (sent,) = soap_engine._transport.sent  # type: ignore[attr-defined]
    assert sent.method == "POST"
    assert sent.url == ENDPOINT
    assert sent.headers["SOAPAction"] == f'"{CIVIL_NS}#GetPerson"'
    assert sent.headers["Content-Type"].startswith("text/xml")
    envelope = etree.fromstring(sent.body)
    number = envelope.find(
        f"{{http://schemas.xmlsoap.org/soap/envelope/}}Body/{{{CIVIL_NS}}}GetPersonRequest"
        f"/{{{CIVIL_NS}}}personalNumber"
    )
    assert number is not None and number.text == PERSONAL_NUMBER


def test_the_envelope_declares_utf8_and_holds_only_the_request(
    civil_contract: SoapContract,
) -> None:
    soap_engine = engine(civil_contract, person_answer())
    get_person(soap_engine)
    (sent,) = soap_engine._transport.sent  # type: ignore[attr-defined]
    assert sent.body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    envelope = etree.fromstring(sent.body)
    soap_ns = "http://schemas.xmlsoap.org/soap/envelope/"
    assert envelope.tag == f"{{{soap_ns}}}Envelope"
    assert [child.tag for child in envelope] == [f"{{{soap_ns}}}Body"]
    assert [child.tag for child in envelope[0]] == [f"{{{CIVIL_NS}}}GetPersonRequest"]
    assert [child.text for child in envelope[0][0]] == [PERSONAL_NUMBER]


def test_a_valid_answer_becomes_a_canonical_person(civil_contract: SoapContract) -> None:
    person = get_person(engine(civil_contract, person_answer()))
    assert isinstance(person, Person)
    assert person.personal_number == PERSONAL_NUMBER
    assert person.first_name == "Arta"
    assert person.father_name == "Agim"
    assert person.mother_name is None
    assert person.date_of_birth.isoformat() == "1990-04-17"
    assert person.address.settlement == "Prishtinë"
    assert person.municipality_code == "19"


def test_a_request_that_breaks_the_xsd_is_not_sent(civil_contract: SoapContract) -> None:
    soap_engine = engine(civil_contract, person_answer())
    with pytest.raises(RegistryRejected) as raised:
        get_person(soap_engine, "12345")
    assert soap_engine._transport.sent == []  # type: ignore[attr-defined]
    assert "12345" not in str(raised.value)


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("PersonNotFoundFault", RegistryNotFound),
        ("InvalidRequestFault", RegistryRejected),
        ("ServiceUnavailableFault", RegistryUnavailable),
        (None, RegistryRejected),
    ],
)
def test_declared_faults_map_to_outcomes(
    civil_contract: SoapContract, detail: str | None, expected: type[RegistryError]
) -> None:
    with pytest.raises(expected) as raised:
        get_person(engine(civil_contract, soap_fault(detail)))
    assert type(raised.value) is expected
    assert "raw registry words" not in str(raised.value)


def test_a_fault_from_another_namespace_is_a_plain_rejection(
    civil_contract: SoapContract,
) -> None:
    with pytest.raises(RegistryRejected):
        get_person(engine(civil_contract, soap_fault("PersonNotFoundFault", namespace=BUSINESS_NS)))


@pytest.mark.parametrize(
    "answer",
    [
        TransportResponse(500, "text/html", b"<html>Internal Server Error</html>"),
        TransportResponse(503, "text/plain", b"overloaded"),
        TransportResponse(502, "text/xml", b"<oops/>"),
        TransportResponse(429, "text/plain", b"slow down"),
    ],
)
def test_server_errors_without_a_fault_mean_unavailable(
    civil_contract: SoapContract, answer: TransportResponse
) -> None:
    with pytest.raises(RegistryUnavailable):
        get_person(engine(civil_contract, answer))


def test_client_errors_mean_rejected(civil_contract: SoapContract) -> None:
    with pytest.raises(RegistryRejected):
        get_person(engine(civil_contract, TransportResponse(404, "text/html", b"no such path")))


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (TransportResponse(200, "text/xml", b"<soapenv:Envelope"), "not well-formed"),
        (TransportResponse(200, "text/html", b"<html/>"), "media type"),
        (TransportResponse(200, "text/xml", b"<person>raw registry words</person>"), "envelope"),
        (soap("<x:Other xmlns:x='urn:other'>raw registry words</x:Other>"), "declared answer"),
        (soap(""), "declared answer"),
        (person_answer(postal_code="1000x"), "breaks the XSD"),
        (person_answer(first_name=""), "breaks the XSD"),
    ],
)
def test_answers_that_break_the_contract_are_bad_responses(
    civil_contract: SoapContract, answer: TransportResponse, why: str
) -> None:
    with pytest.raises(RegistryBadResponse) as raised:
        get_person(engine(civil_contract, answer))
    assert raised.value.code == "registry.civil.bad_response"
    assert why in raised.value.detail
    assert "raw registry words" not in str(raised.value)
    assert "1000x" not in str(raised.value)


def test_an_xxe_answer_is_refused_and_the_file_never_shows(
    civil_contract: SoapContract, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    hostile = person_answer(first_name="&xxe;").body.replace(
        b"?>", f'?><!DOCTYPE e [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode(), 1
    )
    with pytest.raises(RegistryBadResponse) as raised:
        get_person(engine(civil_contract, TransportResponse(200, "text/xml", hostile)))
    assert raised.value.code == "registry.civil.bad_response"
    assert raised.value.detail == "answer carries a DTD or entity declaration; refused"
    assert "TOP-SECRET" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_an_entity_expansion_bomb_is_refused(civil_contract: SoapContract) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = person_answer(first_name="&a9;").body.replace(
        b"?>", f"?><!DOCTYPE e [{entities}]>".encode(), 1
    )
    with pytest.raises(RegistryBadResponse) as raised:
        get_person(engine(civil_contract, TransportResponse(200, "text/xml", bomb)))
    assert raised.value.code == "registry.civil.bad_response"
    assert raised.value.detail == "answer carries a DTD or entity declaration; refused"


def test_a_utf16_answer_cannot_smuggle_a_doctype(civil_contract: SoapContract) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>'
    ).encode("utf-16")
    with pytest.raises(RegistryBadResponse):
        get_person(engine(civil_contract, TransportResponse(200, "text/xml", body)))


def test_a_broken_wsdl_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wsdl"
    broken.write_text("<definitions>not a wsdl")
    with pytest.raises(ContractError, match=r"broken\.wsdl"):
        SoapContract.load(broken)


def test_a_wsdl_with_a_dtd_is_refused_at_start_up(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.wsdl"
    hostile.write_bytes(
        CIVIL_WSDL.read_bytes().replace(
            b"<wsdl:definitions", b'<!DOCTYPE d [<!ENTITY x "y">]>\n<wsdl:definitions', 1
        )
    )
    with pytest.raises(ContractError):
        SoapContract.load(hostile)


def test_a_mapping_that_misses_an_operation_stops_start_up(civil_contract: SoapContract) -> None:
    partial = civil_registry.MAPPING.__class__(
        records={"GetPerson": civil_registry.MAPPING.records["GetPerson"]},
        not_found=frozenset(),
        unavailable=frozenset(),
    )
    with pytest.raises(ContractError, match="GetResidence"):
        SoapEngine(
            "civil",
            contract=civil_contract,
            mapping=partial,
            endpoint=ENDPOINT,
            transport=CannedTransport([]),
        )
