"""The business registry simulator (ARBK): answers wsdl/business-registry.wsdl from the seed."""

from lxml import etree

from sandbox.contract_files import BUSINESS_XSD
from sandbox.records import Business
from sandbox.seed import SeedData
from sandbox.soap_service import ElementBuilder, SoapFault, SoapService, SoapServiceSpec

NAMESPACE = "urn:ks:arbk:business-registry:v1"
SERVICE_PATH = "/business-registry"
WSDL_NAME = "business-registry.wsdl"
XSD_NAME = "business-registry.xsd"

_b = ElementBuilder(NAMESPACE, "br")


class BusinessRegistry:
    """Operations of BusinessRegistryPortType over one seed."""

    def __init__(self, data: SeedData) -> None:
        self._businesses = data.businesses
        self._roles = data.business_roles

    def get_business(self, registration_number: str) -> etree._Element:
        business = self._businesses.get(registration_number)
        if business is None:
            raise SoapFault(
                "BusinessNotFoundFault",
                "ARBK-404",
                "No business is registered under this number.",
                client_side=True,
            )
        root = _b.root("GetBusinessResponse")
        _business(_b.child(root, "business"), business)
        return root

    def get_businesses_by_owner(self, personal_number: str) -> etree._Element:
        root = _b.root("GetBusinessesByOwnerResponse")
        listing = _b.child(root, "businesses")
        for business, role in self._roles.get(personal_number, []):
            node = _b.child(listing, "businessSummary")
            _b.child(node, "registrationNumber", business.registration_number)
            _b.child(node, "name", business.name)
            _b.child(node, "legalForm", business.legal_form)
            _b.child(node, "status", business.status)
            _b.child(node, "municipalityCode", business.municipality_code)
            _b.child(node, "role", role)
        return root


def _business(node: etree._Element, business: Business) -> None:
    _b.child(node, "registrationNumber", business.registration_number)
    _b.child(node, "name", business.name)
    _b.child(node, "legalForm", business.legal_form)
    _b.child(node, "status", business.status)
    _b.child(node, "registeredOn", business.registered_on.isoformat())
    _b.optional(node, "capital", None if business.capital is None else f"{business.capital:.2f}")
    activities = _b.child(node, "activities")
    for activity in business.activities:
        a = _b.child(activities, "activity")
        _b.child(a, "naceCode", activity.nace_code)
        _b.child(a, "description", activity.description)
        _b.child(a, "primary", "true" if activity.primary else "false")
    address = _b.child(node, "address")
    _b.child(address, "street", business.address.street)
    _b.child(address, "houseNumber", business.address.house_number)
    _b.child(address, "settlement", business.address.settlement)
    _b.child(address, "postalCode", business.address.postal_code)
    _b.child(address, "municipalityCode", business.address.municipality_code)
    _b.child(node, "municipalityCode", business.municipality_code)
    owners = _b.child(node, "owners")
    for owner in business.owners:
        o = _b.child(owners, "owner")
        _b.child(o, "personalNumber", owner.personal_number)
        _b.child(o, "name", owner.name)
        _b.child(o, "sharePercent", f"{owner.share_percent:.2f}")
    authorised = _b.child(node, "authorisedPersons")
    for person in business.authorised_persons:
        p = _b.child(authorised, "authorisedPerson")
        _b.child(p, "personalNumber", person.personal_number)
        _b.child(p, "name", person.name)
        _b.child(p, "role", person.role)


def business_registry_service(data: SeedData) -> SoapService:
    registry = BusinessRegistry(data)
    return SoapService(
        SoapServiceSpec(
            namespace=NAMESPACE,
            xsd_path=BUSINESS_XSD,
            operations={
                "GetBusinessRequest": registry.get_business,
                "GetBusinessesByOwnerRequest": registry.get_businesses_by_owner,
            },
            code_prefix="ARBK",
        )
    )
