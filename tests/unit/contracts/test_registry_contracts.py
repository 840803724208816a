"""The registry contracts (wsdl/, xsd/) are valid and say what the adapters rely on.

A broken contract file would surface as confusing adapter or sandbox failures, so each file is
checked on its own: the XSDs compile (lxml and xmlschema), the WSDLs load in zeep with every
operation and declared fault, the identifier patterns accept and reject what they should, and
the cadastre file is a valid OpenAPI 3.0 document with the agreed operations.
"""

from pathlib import Path

import pytest
import xmlschema
import yaml
import zeep
from lxml import etree
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[3]
CIVIL_NS = "urn:ks:arc:civil-registry:v1"
BUSINESS_NS = "urn:ks:arbk:business-registry:v1"

SOAP_CONTRACTS = {
    "civil-registry": (
        CIVIL_NS,
        "CivilRegistryService",
        "CivilRegistryPortType",
        {"GetPerson", "GetBirthRecord", "GetCivilStatus", "GetResidence"},
        {"PersonNotFoundFault", "InvalidRequestFault", "ServiceUnavailableFault"},
    ),
    "business-registry": (
        BUSINESS_NS,
        "BusinessRegistryService",
        "BusinessRegistryPortType",
        {"GetBusiness", "GetBusinessesByOwner"},
        {"BusinessNotFoundFault", "InvalidRequestFault", "ServiceUnavailableFault"},
    ),
}


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ROOT / "xsd" / f"{name}.xsd")))


@pytest.mark.parametrize("name", sorted(SOAP_CONTRACTS))
def test_xsd_compiles_in_lxml_and_xmlschema(name: str) -> None:
    _schema(name)
    schema = xmlschema.XMLSchema(str(ROOT / "xsd" / f"{name}.xsd"))
    assert schema.target_namespace == SOAP_CONTRACTS[name][0]


@pytest.mark.parametrize("name", sorted(SOAP_CONTRACTS))
def test_wsdl_loads_in_zeep_with_operations_and_faults(name: str) -> None:
    namespace, service_name, port_type, operations, faults = SOAP_CONTRACTS[name]
    client = zeep.Client(str(ROOT / "wsdl" / f"{name}.wsdl"))
    service = client.wsdl.services[service_name]
    (port,) = service.ports.values()
    assert port.binding.port_type.name.localname == port_type
    assert set(port.binding._operations) == operations
    for operation in operations:
        bound = port.binding._operations[operation]
        assert bound.soapaction == f"{namespace}#{operation}"
        assert set(bound.faults) == faults
        assert bound.input.body.qname == etree.QName(namespace, f"{operation}Request")
        assert bound.output.body.qname == etree.QName(namespace, f"{operation}Response")
    assert port.binding_options["address"].startswith("http://localhost:")


def _request(namespace: str, element: str, child: str, value: str) -> etree._Element:
    root = etree.Element(f"{{{namespace}}}{element}")
    etree.SubElement(root, f"{{{namespace}}}{child}").text = value
    return root


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1234567892", True),
        ("123456789", False),
        ("12345678901", False),
        ("12345678a2", False),
        (" 1234567892", False),
    ],
)
def test_personal_number_pattern_in_civil_requests(value: str, valid: bool) -> None:
    schema = _schema("civil-registry")
    assert schema.validate(_request(CIVIL_NS, "GetPersonRequest", "personalNumber", value)) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("810123456", True),
        ("81012345", False),
        ("8101234567", False),
        ("81012345X", False),
    ],
)
def test_registration_number_pattern_in_business_requests(value: str, valid: bool) -> None:
    schema = _schema("business-registry")
    request = _request(BUSINESS_NS, "GetBusinessRequest", "registrationNumber", value)
    assert schema.validate(request) is valid


def test_civil_person_answer_requires_dates_as_xs_date() -> None:
    schema = _schema("civil-registry")
    answer = etree.fromstring(f"""
    <GetResidenceResponse xmlns="{CIVIL_NS}"><residence>
      <personalNumber>1234567892</personalNumber>
      <address><street>Nëna Terezë</street><houseNumber>12</houseNumber>
        <settlement>Prishtinë</settlement><postalCode>10000</postalCode>
        <municipalityCode>19</municipalityCode></address>
      <municipalityCode>19</municipalityCode>
      <registeredSince>2019-04-01</registeredSince>
    </residence></GetResidenceResponse>""")
    assert schema.validate(answer)
    answer.find(f".//{{{CIVIL_NS}}}registeredSince").text = "01.04.2019"
    assert not schema.validate(answer)
    answer.find(f".//{{{CIVIL_NS}}}registeredSince").text = "2019-04-01"
    answer.find(f"./{{{CIVIL_NS}}}residence/{{{CIVIL_NS}}}municipalityCode").text = "39"
    assert not schema.validate(answer)


def _openapi() -> dict:
    return yaml.safe_load((ROOT / "wsdl" / "cadastre.openapi.yaml").read_text(encoding="utf-8"))


def test_cadastre_openapi_is_a_valid_3_0_spec() -> None:
    spec = _openapi()
    validate(spec)
    assert spec["openapi"] == "3.0.3"


def test_cadastre_openapi_has_the_agreed_operations_and_problem_errors() -> None:
    spec = _openapi()
    operations = {
        op["operationId"]: (path, set(op["responses"]))
        for path, item in spec["paths"].items()
        for op in item.values()
    }
    assert operations == {
        "getParcel": ("/v1/parcels/{cadastralZone}/{parcelNumber}", {"200", "400", "404", "503"}),
        "getParcelOwners": (
            "/v1/parcels/{cadastralZone}/{parcelNumber}/owners",
            {"200", "400", "404", "503"},
        ),
        "getParcelEncumbrances": (
            "/v1/parcels/{cadastralZone}/{parcelNumber}/encumbrances",
            {"200", "400", "404", "503"},
        ),
        "getPossessionList": (
            "/v1/persons/{personalNumber}/possession-list",
            {"200", "400", "404", "503"},
        ),
    }
    schemas = spec["components"]["schemas"]
    assert schemas["CadastralZoneCode"]["pattern"] == "^[0-9]{6}$"
    assert schemas["ParcelNumber"]["pattern"] == "^[0-9]{1,5}(-[0-9]{1,3})?$"
    assert schemas["PersonalNumber"]["pattern"] == "^[0-9]{10}$"
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status"}
    not_found = spec["components"]["responses"]["NotFound"]["content"]
    assert "application/problem+json" in not_found
