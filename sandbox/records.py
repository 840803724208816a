"""The sandbox's own record types: what its three registries know, before any wire format.

These are deliberately separate from `contracts/` canonical models: the sandbox plays the state
registries, whose data the gateway has to map, so it must not share the gateway's view of it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    house_number: str
    settlement: str
    postal_code: str
    municipality_code: str


@dataclass(frozen=True, slots=True)
class Marriage:
    spouse_personal_number: str
    spouse_name: str
    marriage_date: date
    municipality_code: str
    registration_number: str


@dataclass(slots=True)
class Person:
    """A person as the civil registry holds them (current name; birth name in the birth record)."""

    personal_number: str
    first_name: str
    last_name: str
    birth_last_name: str
    father_name: str
    mother_name: str
    sex: str
    date_of_birth: date
    place_of_birth: str
    birth_municipality_code: str
    birth_registration_number: str
    birth_registered_on: date
    citizenship: str
    status: str
    date_of_death: date | None
    address: Address
    residence_since: date
    community: str
    marital_status: str = "single"
    marriage: Marriage | None = None

    @property
    def municipality_code(self) -> str:
        return self.address.municipality_code

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def alive(self) -> bool:
        return self.status == "alive"


@dataclass(frozen=True, slots=True)
class Activity:
    nace_code: str
    description: str
    primary: bool


@dataclass(frozen=True, slots=True)
class BusinessOwner:
    personal_number: str
    name: str
    share_percent: Decimal


@dataclass(frozen=True, slots=True)
class AuthorisedPerson:
    personal_number: str
    name: str
    role: str


@dataclass(slots=True)
class Business:
    registration_number: str
    name: str
    legal_form: str
    status: str
    registered_on: date
    capital: Decimal | None
    activities: list[Activity]
    address: Address
    owners: list[BusinessOwner] = field(default_factory=list)
    authorised_persons: list[AuthorisedPerson] = field(default_factory=list)

    @property
    def municipality_code(self) -> str:
        return self.address.municipality_code


@dataclass(frozen=True, slots=True)
class ParcelOwner:
    """Exactly one of personal_number and business_number is set."""

    personal_number: str | None
    business_number: str | None
    name: str
    share_numerator: int
    share_denominator: int
    right: str


@dataclass(frozen=True, slots=True)
class Encumbrance:
    kind: str
    registered_on: date
    holder: str
    description: str
    amount_eur: Decimal | None = None


@dataclass(slots=True)
class Parcel:
    cadastral_zone: str
    cadastral_zone_name: str
    parcel_number: str
    municipality_code: str
    area_m2: float
    land_use: str
    address: str | None
    owners: list[ParcelOwner] = field(default_factory=list)
    encumbrances: list[Encumbrance] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.cadastral_zone, self.parcel_number)
