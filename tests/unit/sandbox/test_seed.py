"""The seed is deterministic, realistic in shape, and consistent across the three registries."""

from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from contracts.personal_numbers import has_valid_check_digit, personal_number_check_digit
from sandbox.geography import MUNICIPALITIES
from sandbox.seed import REFERENCE_DATE, SeedData, build_seed


@pytest.fixture(scope="module")
def data() -> SeedData:
    return build_seed()


def test_check_digit_matches_the_published_worked_example() -> None:
    assert personal_number_check_digit("123456789") == 2
    assert has_valid_check_digit("1234567892")
    assert not has_valid_check_digit("1234567893")


def test_same_seed_gives_the_same_data_and_another_seed_does_not(data: SeedData) -> None:
    again = build_seed()
    assert list(again.persons) == list(data.persons)
    assert [b.name for b in again.businesses.values()] == [b.name for b in data.businesses.values()]
    assert list(again.parcels) == list(data.parcels)
    assert list(build_seed(seed=7, persons=200).persons) != list(data.persons)[:200]


def test_thousands_of_persons_with_valid_unique_personal_numbers(data: SeedData) -> None:
    assert len(data.persons) == 5000
    assert all(len(pn) == 10 and pn.isdigit() and has_valid_check_digit(pn) for pn in data.persons)


def test_every_municipality_has_residents_and_communities_are_mixed(data: SeedData) -> None:
    residents = Counter(p.municipality_code for p in data.persons.values())
    assert set(residents) == {m.code for m in MUNICIPALITIES}
    assert residents["19"] > residents["37"]
    communities = Counter(p.community for p in data.persons.values())
    assert set(communities) == {"albanian", "serbian", "turkish", "bosniak", "roma"}
    mamushe = Counter(p.community for p in data.persons.values() if p.municipality_code == "32")
    assert mamushe.most_common(1)[0][0] == "turkish"


def test_names_keep_their_diacritics(data: SeedData) -> None:
    names = " ".join(p.full_name for p in data.persons.values())
    for letter in "ëçćčšžđ":
        assert letter in names


def test_dates_are_plausible(data: SeedData) -> None:
    for person in data.persons.values():
        assert person.date_of_birth < REFERENCE_DATE
        assert person.date_of_birth <= person.birth_registered_on
        assert person.date_of_birth <= person.residence_since <= REFERENCE_DATE
        assert (person.status == "deceased") == (person.date_of_death is not None)
        if person.date_of_death:
            assert person.date_of_birth < person.date_of_death <= REFERENCE_DATE


def test_spouses_point_at_each_other(data: SeedData) -> None:
    married = [p for p in data.persons.values() if p.marital_status == "married"]
    assert married
    for person in married:
        marriage = person.marriage
        assert marriage is not None
        spouse = data.persons[marriage.spouse_personal_number]
        assert spouse.marriage is not None
        assert spouse.marriage.spouse_personal_number == person.personal_number
        assert spouse.marriage.registration_number == marriage.registration_number
        assert marriage.spouse_name == spouse.full_name
        assert {person.sex, spouse.sex} == {"M", "F"}
        assert spouse.address == person.address


def test_parcel_owners_exist_and_shares_add_up_to_one(data: SeedData) -> None:
    for parcel in data.parcels.values():
        assert parcel.owners
        assert sum(Fraction(o.share_numerator, o.share_denominator) for o in parcel.owners) == 1
        for owner in parcel.owners:
            assert (owner.personal_number is None) != (owner.business_number is None)
            if owner.personal_number:
                assert data.persons[owner.personal_number].full_name == owner.name
            else:
                assert data.businesses[owner.business_number].name == owner.name


def test_possession_lists_are_exactly_the_owned_parcels(data: SeedData) -> None:
    expected: dict[str, set[tuple[str, str]]] = {}
    for parcel in data.parcels.values():
        for owner in parcel.owners:
            if owner.personal_number:
                expected.setdefault(owner.personal_number, set()).add(parcel.key)
    assert {pn: {p.key for p, _ in held} for pn, held in data.possessions.items()} == expected


def test_business_people_exist_and_owner_shares_add_up(data: SeedData) -> None:
    forms = Counter(b.legal_form for b in data.businesses.values())
    assert set(forms) == {
        "individual",
        "general_partnership",
        "limited_partnership",
        "llc",
        "jsc",
        "foreign_branch",
        "agricultural_cooperative",
    }
    for business in data.businesses.values():
        assert len(business.registration_number) == 9
        assert business.registered_on >= date(2002, 1, 1)
        assert sum(a.primary for a in business.activities) == 1
        if business.owners:
            assert sum(o.share_percent for o in business.owners) == Decimal(100)
        for person in [*business.owners, *business.authorised_persons]:
            assert data.persons[person.personal_number].full_name == person.name
        for owner in business.owners:
            assert (business, "owner") in data.business_roles[owner.personal_number]


def test_pickers_return_what_they_promise(data: SeedData) -> None:
    owner = data.alive_parcel_owner()
    assert owner.alive and owner.personal_number in data.possessions
    assert data.person_without_parcels().personal_number not in data.possessions
    assert data.deceased_person().status == "deceased"
    person, business = data.active_business_owner()
    assert business.status == "active"
    assert person.personal_number in {o.personal_number for o in business.owners}
    unknown = data.unknown_personal_number()
    assert unknown not in data.persons and has_valid_check_digit(unknown)
    assert data.unknown_registration_number() not in data.businesses
    assert data.unknown_parcel() not in data.parcels
    assert data.parcel_with_encumbrance("mortgage").encumbrances
    assert len(data.co_owned_parcel().owners) > 1
