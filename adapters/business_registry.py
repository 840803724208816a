"""Business registry (ARBK) answers -> canonical records.

The WSDL (``wsdl/business-registry.wsdl``) names the operations; this module only says how
each validated answer becomes a record, and what each declared fault means. A person with no
business gets an empty list from ``GetBusinessesByOwner``, not a fault. The XSD enumerates
the coded values (legal form, status, role) and the record's pydantic model checks them again;
the ``cast`` only tells mypy so.
"""

from __future__ import annotations

from typing import cast

from adapters.civil_registry import address_from
from adapters.operations import RecordMapper
from adapters.soap import SoapMapping, XmlNode
from contracts.records import (
    AuthorisedPerson,
    Business,
    BusinessActivity,
    BusinessesOfPerson,
    BusinessOwner,
    BusinessRole,
    BusinessStatus,
    BusinessSummary,
    LegalForm,
)


def _business(answer: XmlNode) -> Business:
    node = answer.child("business")
    return Business(
        registration_number=node.text("registrationNumber"),
        name=node.text("name"),
        legal_form=cast(LegalForm, node.text("legalForm")),
        status=cast(BusinessStatus, node.text("status")),
        registered_on=node.date("registeredOn"),
        capital_eur=node.optional_decimal("capital"),
        activities=tuple(
            BusinessActivity(
                nace_code=activity.text("naceCode"),
                description=activity.text("description"),
                primary=activity.boolean("primary"),
            )
            for activity in node.child("activities").children("activity")
        ),
        address=address_from(node.child("address")),
        municipality_code=node.text("municipalityCode"),
        owners=tuple(
            BusinessOwner(
                personal_number=owner.text("personalNumber"),
                name=owner.text("name"),
                share_percent=owner.decimal("sharePercent"),
            )
            for owner in node.child("owners").children("owner")
        ),
        authorised_persons=tuple(
            AuthorisedPerson(
                personal_number=person.text("personalNumber"),
                name=person.text("name"),
                role=person.text("role"),
            )
            for person in node.child("authorisedPersons").children("authorisedPerson")
        ),
    )


def _businesses_of_person(answer: XmlNode) -> BusinessesOfPerson:
    return BusinessesOfPerson(
        businesses=tuple(
            BusinessSummary(
                registration_number=summary.text("registrationNumber"),
                name=summary.text("name"),
                legal_form=cast(LegalForm, summary.text("legalForm")),
                status=cast(BusinessStatus, summary.text("status")),
                municipality_code=summary.text("municipalityCode"),
                role=cast(BusinessRole, summary.text("role")),
            )
            for summary in answer.child("businesses").children("businessSummary")
        ),
    )


MAPPING = SoapMapping(
    records={
        "GetBusiness": RecordMapper(Business, _business),
        "GetBusinessesByOwner": RecordMapper(BusinessesOfPerson, _businesses_of_person),
    },
    not_found=frozenset({"BusinessNotFoundFault"}),
    unavailable=frozenset({"ServiceUnavailableFault"}),
)
