"""Each rule kind decides as a municipal officer would, on canonical records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from contracts.records import (
    Address,
    Business,
    CivilStatus,
    Encumbrance,
    ParcelEncumbrances,
    ParcelOwner,
    ParcelOwners,
    Person,
    Residence,
)
from gateway.routing.rules import RULE_KINDS, RuleContext

APPLICANT = "1234567892"
OTHER = "1111111116"
ADDRESS = Address(street="Rr. Nëna Terezë", settlement="Prishtinë", municipality_code="19")


def ctx(*values: str, municipality: str = "19") -> RuleContext:
    return RuleContext(
        applicant_personal_number=APPLICANT, municipality=municipality, values=values
    )


def holds(kind: str, record, context: RuleContext | None = None) -> bool:
    return RULE_KINDS[kind].holds(record, context or ctx())


def person(status: str = "alive") -> Person:
    return Person(
        personal_number=APPLICANT,
        first_name="Arta",
        last_name="Krasniqi",
        date_of_birth=date(1990, 4, 2),
        place_of_birth="Prishtinë",
        sex="F",
        citizenship="XK",
        status=status,
        address=ADDRESS,
        municipality_code="19",
    )


def business(status: str = "active", owner: str = APPLICANT) -> Business:
    return Business(
        registration_number="810000001",
        name="Arta Shpk",
        legal_form="llc",
        status=status,
        registered_on=date(2015, 1, 1),
        address=ADDRESS,
        municipality_code="19",
        owners=({"personal_number": owner, "name": "Owner", "share_percent": 100},),
    )


def test_only_a_living_applicant_passes_applicant_alive():
    assert holds("applicant_alive", person("alive"))
    assert not holds("applicant_alive", person("deceased"))
    assert not holds("applicant_alive", None)


def test_parcel_ownership_is_the_applicants_own():
    owners = ParcelOwners(
        cadastral_zone="712345",
        parcel_number="1203-1",
        owners=(
            ParcelOwner(
                personal_number=APPLICANT,
                name="Arta Krasniqi",
                share_numerator=1,
                share_denominator=2,
                right="co-ownership",
            ),
        ),
    )
    strangers = owners.model_copy(
        update={"owners": (owners.owners[0].model_copy(update={"personal_number": OTHER}),)}
    )

    assert holds("applicant_owns_parcel", owners)
    assert not holds("applicant_owns_parcel", strangers)


def test_business_rules_read_status_and_roles():
    assert holds("business_active", business("active"))
    assert not holds("business_active", business("suspended"))
    assert holds("applicant_holds_business_role", business(owner=APPLICANT))
    assert not holds("applicant_holds_business_role", business(owner=OTHER))


def test_applicant_adult_needs_the_eighteenth_birthday_reached_today():
    """The clock is fixed at noon: a test read off the wall clock near midnight would ask
    the rule about a different day than the one it computed the birthdays from."""
    noon_on_15_june = RuleContext(
        applicant_personal_number=APPLICANT,
        municipality="19",
        values=(),
        now=datetime(2026, 6, 15, 10, 0, tzinfo=UTC),
    )
    eighteen_today = person().model_copy(update={"date_of_birth": date(2008, 6, 15)})
    eighteen_tomorrow = person().model_copy(update={"date_of_birth": date(2008, 6, 16)})
    assert holds("applicant_adult", eighteen_today, noon_on_15_june)
    assert not holds("applicant_adult", eighteen_tomorrow, noon_on_15_june)
    assert not holds("applicant_adult", None, noon_on_15_june)


def test_applicant_adult_counts_kosovos_day_not_utcs():
    """At 00:30 in Prishtina on 4 December it is still 3 December in UTC: a citizen born on
    4 December eighteen years before is of age, on Kosovo's calendar."""
    half_past_midnight_in_prishtina = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    birthday = person().model_copy(update={"date_of_birth": date(2008, 12, 4)})
    at = RuleContext(
        applicant_personal_number=APPLICANT,
        municipality="19",
        values=(),
        now=half_past_midnight_in_prishtina,
    )
    assert holds("applicant_adult", birthday, at)
    assert not holds(
        "applicant_adult",
        birthday,
        replace(at, now=half_past_midnight_in_prishtina.replace(hour=22)),
    )


def test_residence_must_be_in_the_requested_municipality():
    residence = Residence(
        personal_number=APPLICANT,
        address=ADDRESS,
        municipality_code="19",
        registered_since=date(2010, 5, 5),
    )

    assert holds("applicant_resides_in_municipality", residence, ctx(municipality="19"))
    assert not holds("applicant_resides_in_municipality", residence, ctx(municipality="20"))


def test_marital_status_and_encumbrances_use_the_rules_values():
    single = CivilStatus(personal_number=APPLICANT, marital_status="single")
    disputed = ParcelEncumbrances(
        cadastral_zone="712345",
        parcel_number="17",
        encumbrances=(
            Encumbrance(
                kind="dispute",
                registered_on=date(2020, 1, 1),
                holder="Gjykata Themelore",
                description="ownership dispute",
            ),
        ),
    )

    assert holds("marital_status_in", single, ctx("single", "divorced"))
    assert not holds("marital_status_in", single, ctx("married"))
    assert not holds("no_encumbrance_of", disputed, ctx("dispute"))
    assert holds("no_encumbrance_of", disputed, ctx("mortgage"))


def test_absence_rules_read_whether_a_record_came_back():
    assert holds("record_absent", None)
    assert not holds("record_absent", person())
    assert holds("record_present", person())
