"""The civil registry simulator (ARC): answers wsdl/civil-registry.wsdl from the seed."""

from lxml import etree

from sandbox.contract_files import CIVIL_XSD
from sandbox.records import Address, Person
from sandbox.seed import SeedData
from sandbox.soap_service import ElementBuilder, SoapFault, SoapService, SoapServiceSpec

NAMESPACE = "urn:ks:arc:civil-registry:v1"
SERVICE_PATH = "/civil-registry"
WSDL_NAME = "civil-registry.wsdl"
XSD_NAME = "civil-registry.xsd"

_b = ElementBuilder(NAMESPACE, "cr")


def _not_found() -> SoapFault:
    return SoapFault(
        "PersonNotFoundFault",
        "ARC-404",
        "No person is registered under this personal number.",
        client_side=True,
    )


def _address(parent: etree._Element, address: Address) -> None:
    node = _b.child(parent, "address")
    _b.child(node, "street", address.street)
    _b.child(node, "houseNumber", address.house_number)
    _b.child(node, "settlement", address.settlement)
    _b.child(node, "postalCode", address.postal_code)
    _b.child(node, "municipalityCode", address.municipality_code)


class CivilRegistry:
    """Operations of CivilRegistryPortType over one seed."""

    def __init__(self, data: SeedData) -> None:
        self._persons = data.persons

    def _person(self, personal_number: str) -> Person:
        person = self._persons.get(personal_number)
        if person is None:
            raise _not_found()
        return person

    def get_person(self, personal_number: str) -> etree._Element:
        person = self._person(personal_number)
        root = _b.root("GetPersonResponse")
        node = _b.child(root, "person")
        _b.child(node, "personalNumber", person.personal_number)
        _b.child(node, "firstName", person.first_name)
        _b.child(node, "lastName", person.last_name)
        _b.child(node, "fatherName", person.father_name)
        _b.child(node, "motherName", person.mother_name)
        _b.child(node, "dateOfBirth", person.date_of_birth.isoformat())
        _b.child(node, "placeOfBirth", person.place_of_birth)
        _b.child(node, "sex", person.sex)
        _b.child(node, "citizenship", person.citizenship)
        _b.child(node, "status", person.status)
        if person.date_of_death is not None:
            _b.child(node, "dateOfDeath", person.date_of_death.isoformat())
        _address(node, person.address)
        _b.child(node, "municipalityCode", person.municipality_code)
        return root

    def get_birth_record(self, personal_number: str) -> etree._Element:
        person = self._person(personal_number)
        root = _b.root("GetBirthRecordResponse")
        node = _b.child(root, "birthRecord")
        _b.child(node, "personalNumber", person.personal_number)
        _b.child(node, "registrationNumber", person.birth_registration_number)
        _b.child(node, "firstName", person.first_name)
        _b.child(node, "lastName", person.birth_last_name)
        _b.child(node, "dateOfBirth", person.date_of_birth.isoformat())
        _b.child(node, "placeOfBirth", person.place_of_birth)
        _b.child(node, "municipalityCode", person.birth_municipality_code)
        _b.child(node, "fatherName", person.father_name)
        _b.child(node, "motherName", person.mother_name)
        _b.child(node, "registeredOn", person.birth_registered_on.isoformat())
        return root

    def get_civil_status(self, personal_number: str) -> etree._Element:
        person = self._person(personal_number)
        root = _b.root("GetCivilStatusResponse")
        node = _b.child(root, "civilStatus")
        _b.child(node, "personalNumber", person.personal_number)
        _b.child(node, "maritalStatus", person.marital_status)
        if person.marriage is not None:
            marriage = person.marriage
            m = _b.child(node, "marriage")
            _b.child(m, "spousePersonalNumber", marriage.spouse_personal_number)
            _b.child(m, "spouseName", marriage.spouse_name)
            _b.child(m, "marriageDate", marriage.marriage_date.isoformat())
            _b.child(m, "marriageMunicipalityCode", marriage.municipality_code)
            _b.child(m, "marriageRegistrationNumber", marriage.registration_number)
        return root

    def get_residence(self, personal_number: str) -> etree._Element:
        person = self._person(personal_number)
        root = _b.root("GetResidenceResponse")
        node = _b.child(root, "residence")
        _b.child(node, "personalNumber", person.personal_number)
        _address(node, person.address)
        _b.child(node, "municipalityCode", person.municipality_code)
        _b.child(node, "registeredSince", person.residence_since.isoformat())
        return root


def civil_registry_service(data: SeedData) -> SoapService:
    registry = CivilRegistry(data)
    return SoapService(
        SoapServiceSpec(
            namespace=NAMESPACE,
            xsd_path=CIVIL_XSD,
            operations={
                "GetPersonRequest": registry.get_person,
                "GetBirthRecordRequest": registry.get_birth_record,
                "GetCivilStatusRequest": registry.get_civil_status,
                "GetResidenceRequest": registry.get_residence,
            },
            code_prefix="ARC",
        )
    )
