"""The three registries tell one story: what one says about a person, the others agree with.

Checked over the wire, registry against registry, for a sample of the seeded data (the whole
data set is checked in-process by tests/unit/sandbox/test_seed.py).
"""

import httpx

from sandbox.geography import MUNICIPALITIES
from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import BUSINESS_NS, CIVIL_NS, body_payload, call_soap, text

SAMPLE = 20


def _person(sandbox: RunningSandbox, personal_number: str) -> httpx.Response:
    return call_soap(sandbox.civil_url, CIVIL_NS, "GetPerson", "personalNumber", personal_number)


def _full_name(response: httpx.Response) -> str:
    payload = body_payload(response)
    return (
        f"{text(payload, CIVIL_NS, 'person/firstName')} "
        f"{text(payload, CIVIL_NS, 'person/lastName')}"
    )


def test_possession_lists_match_parcel_owners_and_owners_are_persons(
    sandbox: RunningSandbox,
) -> None:
    with httpx.Client(base_url=sandbox.cadastre_url, timeout=10) as cadastre:
        for index in range(SAMPLE):
            person = sandbox.seed.alive_parcel_owner(index * 37)
            listing = cadastre.get(f"/v1/persons/{person.personal_number}/possession-list")
            assert listing.status_code == 200
            document = listing.json()
            civil = _person(sandbox, person.personal_number)
            assert civil.status_code == 200
            assert document["ownerName"] == _full_name(civil)
            for entry in document["entries"]:
                owners = cadastre.get(
                    f"/v1/parcels/{entry['cadastralZone']}/{entry['parcelNumber']}/owners"
                ).json()["owners"]
                mine = [o for o in owners if o.get("personalNumber") == person.personal_number]
                assert len(mine) == 1
                assert (mine[0]["shareNumerator"], mine[0]["shareDenominator"]) == (
                    entry["shareNumerator"],
                    entry["shareDenominator"],
                )


def test_parcels_held_by_companies_name_registered_businesses(sandbox: RunningSandbox) -> None:
    for index in range(5):
        parcel = sandbox.seed.business_owned_parcel(index * 11)
        owners = httpx.get(
            f"{sandbox.cadastre_url}/v1/parcels/{parcel.cadastral_zone}/"
            f"{parcel.parcel_number}/owners"
        ).json()["owners"]
        for owner in owners:
            response = call_soap(
                sandbox.business_url,
                BUSINESS_NS,
                "GetBusiness",
                "registrationNumber",
                owner["businessNumber"],
            )
            assert text(body_payload(response), BUSINESS_NS, "business/name") == owner["name"]


def test_business_people_are_persons_who_see_the_business_in_their_list(
    sandbox: RunningSandbox,
) -> None:
    for index in range(SAMPLE):
        _, business = sandbox.seed.active_business_owner(index * 13)
        payload = body_payload(
            call_soap(
                sandbox.business_url,
                BUSINESS_NS,
                "GetBusiness",
                "registrationNumber",
                business.registration_number,
            )
        )
        people = [
            (text(p, BUSINESS_NS, "personalNumber"), text(p, BUSINESS_NS, "name"))
            for tag in ("owner", "authorisedPerson")
            for p in payload.iter(f"{{{BUSINESS_NS}}}{tag}")
        ]
        assert people
        for personal_number, name in people:
            assert _full_name(_person(sandbox, personal_number)) == name
            listing = body_payload(
                call_soap(
                    sandbox.business_url,
                    BUSINESS_NS,
                    "GetBusinessesByOwner",
                    "personalNumber",
                    personal_number,
                )
            )
            numbers = [s.text for s in listing.iter(f"{{{BUSINESS_NS}}}registrationNumber")]
            assert business.registration_number in numbers


def test_every_municipality_has_a_resident_whose_residence_says_so(sandbox: RunningSandbox) -> None:
    for municipality in MUNICIPALITIES:
        person = sandbox.seed.person_in(municipality.code)
        payload = body_payload(
            call_soap(
                sandbox.civil_url,
                CIVIL_NS,
                "GetResidence",
                "personalNumber",
                person.personal_number,
            )
        )
        assert text(payload, CIVIL_NS, "residence/municipalityCode") == municipality.code
        assert text(payload, CIVIL_NS, "residence/address/postalCode") == municipality.postal_code
