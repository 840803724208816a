"""Civil registry (ARC) answers -> canonical records.

The WSDL (``wsdl/civil-registry.wsdl``) names the operations; this module only says how each
validated answer becomes a record, and what each declared fault means. The XSD enumerates
the coded values (sex, status, marital status) and the record's pydantic model checks them
again; the ``cast`` only tells mypy so.
"""

from __future__ import annotations

from typing import cast

from adapters.operations import RecordMapper
from adapters.soap import SoapMapping, XmlNode
from contracts.records import (
    Address,
    BirthRecord,
    CivilStatus,
    LifeStatus,
    MaritalStatus,
    Marriage,
    Person,
    Residence,
    Sex,
)


def address_from(node: XmlNode) -> Address:
    """The ``AddressType`` shared by the civil and business registries."""
    return Address(
        street=node.text("street"),
        house_number=node.optional_text("houseNumber"),
        settlement=node.text("settlement"),
        postal_code=node.optional_text("postalCode"),
        municipality_code=node.text("municipalityCode"),
    )


def _person(answer: XmlNode) -> Person:
    node = answer.child("person")
    return Person(
        personal_number=node.text("personalNumber"),
        first_name=node.text("firstName"),
        last_name=node.text("lastName"),
        father_name=node.optional_text("fatherName"),
        mother_name=node.optional_text("motherName"),
        date_of_birth=node.date("dateOfBirth"),
        place_of_birth=node.text("placeOfBirth"),
        sex=cast(Sex, node.text("sex")),
        citizenship=node.text("citizenship"),
        status=cast(LifeStatus, node.text("status")),
        date_of_death=node.optional_date("dateOfDeath"),
        address=address_from(node.child("address")),
        municipality_code=node.text("municipalityCode"),
    )


def _birth_record(answer: XmlNode) -> BirthRecord:
    node = answer.child("birthRecord")
    return BirthRecord(
        personal_number=node.text("personalNumber"),
        registration_number=node.text("registrationNumber"),
        first_name=node.text("firstName"),
        last_name=node.text("lastName"),
        date_of_birth=node.date("dateOfBirth"),
        place_of_birth=node.text("placeOfBirth"),
        municipality_code=node.text("municipalityCode"),
        father_name=node.optional_text("fatherName"),
        mother_name=node.optional_text("motherName"),
        registered_on=node.date("registeredOn"),
    )


def _civil_status(answer: XmlNode) -> CivilStatus:
    node = answer.child("civilStatus")
    marriage = node.optional_child("marriage")
    return CivilStatus(
        personal_number=node.text("personalNumber"),
        marital_status=cast(MaritalStatus, node.text("maritalStatus")),
        marriage=None
        if marriage is None
        else Marriage(
            spouse_personal_number=marriage.text("spousePersonalNumber"),
            spouse_name=marriage.text("spouseName"),
            marriage_date=marriage.date("marriageDate"),
            marriage_municipality_code=marriage.text("marriageMunicipalityCode"),
            marriage_registration_number=marriage.text("marriageRegistrationNumber"),
        ),
    )


def _residence(answer: XmlNode) -> Residence:
    node = answer.child("residence")
    return Residence(
        personal_number=node.text("personalNumber"),
        address=address_from(node.child("address")),
        municipality_code=node.text("municipalityCode"),
        registered_since=node.date("registeredSince"),
    )


MAPPING = SoapMapping(
    records={
        "GetPerson": RecordMapper(Person, _person),
        "GetBirthRecord": RecordMapper(BirthRecord, _birth_record),
        "GetCivilStatus": RecordMapper(CivilStatus, _civil_status),
        "GetResidence": RecordMapper(Residence, _residence),
    },
    not_found=frozenset({"PersonNotFoundFault"}),
    unavailable=frozenset({"ServiceUnavailableFault"}),
)
