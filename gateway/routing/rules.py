"""The named rules a route may apply to the records it gathered.

``routing.yaml`` names a rule kind and the record it reads; the code of each kind lives here,
small and tested, so the file stays declarative. Each kind declares the record type it
expects, and the routes check refuses a rule pointed at the wrong kind of record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from contracts.records import (
    Business,
    CivilStatus,
    ParcelEncumbrances,
    ParcelOwners,
    Person,
    Residence,
    TaxClearance,
)
from gateway.kosovo_days import kosovo_date


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know beyond the record: who asks, and where."""

    applicant_personal_number: str
    municipality: str
    values: tuple[str, ...]
    now: datetime | None = None
    """The moment the rule decides at; None for the clock's (a test sets it)."""


Predicate = Callable[[BaseModel | None, RuleContext], bool]


@dataclass(frozen=True)
class RuleKindSpec:
    record_types: tuple[type[BaseModel], ...]
    holds: Predicate
    needs_values: bool = False
    accepts_absent: bool = False
    reads_applicant: bool = False
    """Compares the record with the applicant's personal number (never for anonymous routes)."""
    reads: frozenset[str] = frozenset()
    """The record's fields the rule looks at: a route must declare each of them."""


def _applicant_alive(record: BaseModel | None, _ctx: RuleContext) -> bool:
    return isinstance(record, Person) and record.status == "alive"


def _person_deceased(record: BaseModel | None, _ctx: RuleContext) -> bool:
    return isinstance(record, Person) and record.status == "deceased"


def _applicant_owns_parcel(record: BaseModel | None, ctx: RuleContext) -> bool:
    return isinstance(record, ParcelOwners) and any(
        owner.personal_number == ctx.applicant_personal_number for owner in record.owners
    )


def _applicant_holds_business_role(record: BaseModel | None, ctx: RuleContext) -> bool:
    if not isinstance(record, Business):
        return False
    people = [o.personal_number for o in record.owners]
    people += [a.personal_number for a in record.authorised_persons]
    return ctx.applicant_personal_number in people


def _applicant_resides_in_municipality(record: BaseModel | None, ctx: RuleContext) -> bool:
    return isinstance(record, Residence | Person) and record.municipality_code == ctx.municipality


ADULT_AGE = 18
"""The voting age (Constitution of Kosovo, Art. 45.1): a petition counts voters."""


def _applicant_adult(record: BaseModel | None, ctx: RuleContext) -> bool:
    if not isinstance(record, Person):
        return False
    # Kosovo's date: for an hour or two after Kosovo's midnight UTC's is still yesterday's,
    # and a citizen whose 18th birthday has begun would be refused.
    today = kosovo_date(ctx.now or datetime.now(UTC))
    born = record.date_of_birth
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age >= ADULT_AGE


def _business_active(record: BaseModel | None, _ctx: RuleContext) -> bool:
    return isinstance(record, Business) and record.status == "active"


def _taxes_settled(record: BaseModel | None, _ctx: RuleContext) -> bool:
    return isinstance(record, TaxClearance) and record.cleared


def _marital_status_in(record: BaseModel | None, ctx: RuleContext) -> bool:
    return isinstance(record, CivilStatus) and record.marital_status in ctx.values


def _no_encumbrance_of(record: BaseModel | None, ctx: RuleContext) -> bool:
    return isinstance(record, ParcelEncumbrances) and not any(
        encumbrance.kind in ctx.values for encumbrance in record.encumbrances
    )


RULE_KINDS: Mapping[str, RuleKindSpec] = {
    "applicant_alive": RuleKindSpec((Person,), _applicant_alive, reads=frozenset({"status"})),
    "person_deceased": RuleKindSpec((Person,), _person_deceased, reads=frozenset({"status"})),
    "applicant_owns_parcel": RuleKindSpec(
        (ParcelOwners,), _applicant_owns_parcel, reads_applicant=True, reads=frozenset({"owners"})
    ),
    "applicant_holds_business_role": RuleKindSpec(
        (Business,),
        _applicant_holds_business_role,
        reads_applicant=True,
        reads=frozenset({"owners", "authorised_persons"}),
    ),
    "applicant_resides_in_municipality": RuleKindSpec(
        (Residence, Person),
        _applicant_resides_in_municipality,
        reads=frozenset({"municipality_code"}),
    ),
    "applicant_adult": RuleKindSpec(
        (Person,), _applicant_adult, reads=frozenset({"date_of_birth"})
    ),
    "business_active": RuleKindSpec((Business,), _business_active, reads=frozenset({"status"})),
    "taxes_settled": RuleKindSpec(
        (TaxClearance,), _taxes_settled, reads=frozenset({"outstanding"})
    ),
    "marital_status_in": RuleKindSpec(
        (CivilStatus,), _marital_status_in, needs_values=True, reads=frozenset({"marital_status"})
    ),
    "no_encumbrance_of": RuleKindSpec(
        (ParcelEncumbrances,),
        _no_encumbrance_of,
        needs_values=True,
        reads=frozenset({"encumbrances"}),
    ),
    # For "owns no real estate"-style certificates: the registry must hold nothing.
    "record_absent": RuleKindSpec(
        (BaseModel,), lambda record, _ctx: record is None, accepts_absent=True
    ),
    "record_present": RuleKindSpec(
        (BaseModel,), lambda record, _ctx: record is not None, accepts_absent=True
    ),
}
