"""Canonical registry records: what the gateway knows about a person, a business or a parcel.

The four state registries speak SOAP (civil, business) and REST (cadastre, the tax
administration), each in its own vocabulary. The adapters translate every answer into one of
these records, so that routing rules and service results never depend on a registry's wire
format. The records are plain, frozen and snake_case; they carry no SOAP or HTTP knowledge.

Identifier formats are checked here as well as at the gateway's edge: a registry that answers
with a malformed identifier has broken its contract, and the adapter reports it as a bad answer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PersonalNumber = Annotated[str, Field(pattern=r"^[0-9]{10}$")]
BusinessNumber = Annotated[str, Field(pattern=r"^[0-9]{9}$")]
MunicipalityCode = Annotated[str, Field(pattern=r"^(0[1-9]|[12][0-9]|3[0-8])$")]
CadastralZone = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
ParcelNumber = Annotated[str, Field(pattern=r"^[0-9]{1,5}(-[0-9]{1,3})?$")]
NonEmpty = Annotated[str, Field(min_length=1)]

Sex = Literal["M", "F"]
LifeStatus = Literal["alive", "deceased"]
MaritalStatus = Literal["single", "married", "divorced", "widowed"]
LegalForm = Literal[
    "individual",
    "general_partnership",
    "limited_partnership",
    "llc",
    "jsc",
    "foreign_branch",
    "agricultural_cooperative",
]
BusinessStatus = Literal["active", "suspended", "closed"]
BusinessRole = Literal["owner", "authorised"]
LandUse = Literal["residential", "agricultural", "forest", "commercial", "industrial", "public"]
PropertyRight = Literal["ownership", "co-ownership", "possession"]
EncumbranceKind = Literal["mortgage", "dispute", "easement", "pre-emption"]
TaxType = Literal["vat", "corporate_income", "personal_income", "pension_contributions"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Record):
    """A residence or seat address as the registries hold it."""

    street: NonEmpty
    house_number: str | None = None
    settlement: NonEmpty
    postal_code: str | None = None
    municipality_code: MunicipalityCode


class Person(_Record):
    """A person in the central civil status register (civil registry ``GetPerson``)."""

    personal_number: PersonalNumber
    first_name: NonEmpty
    last_name: NonEmpty
    father_name: str | None = None
    mother_name: str | None = None
    date_of_birth: date
    place_of_birth: NonEmpty
    sex: Sex
    citizenship: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    status: LifeStatus
    date_of_death: date | None = None
    address: Address
    municipality_code: MunicipalityCode


class BirthRecord(_Record):
    """The birth entry of a person (civil registry ``GetBirthRecord``)."""

    personal_number: PersonalNumber
    registration_number: NonEmpty
    first_name: NonEmpty
    last_name: NonEmpty
    date_of_birth: date
    place_of_birth: NonEmpty
    municipality_code: MunicipalityCode
    father_name: str | None = None
    mother_name: str | None = None
    registered_on: date


class Marriage(_Record):
    """The current marriage of a married person."""

    spouse_personal_number: PersonalNumber
    spouse_name: NonEmpty
    marriage_date: date
    marriage_municipality_code: MunicipalityCode
    marriage_registration_number: NonEmpty


class CivilStatus(_Record):
    """A person's marital status (civil registry ``GetCivilStatus``)."""

    personal_number: PersonalNumber
    marital_status: MaritalStatus
    marriage: Marriage | None = None


class Residence(_Record):
    """Where a person is registered as living (civil registry ``GetResidence``)."""

    personal_number: PersonalNumber
    address: Address
    municipality_code: MunicipalityCode
    registered_since: date


class BusinessActivity(_Record):
    """One NACE activity of a business; exactly one is primary."""

    nace_code: Annotated[str, Field(pattern=r"^[0-9]{2}(\.[0-9]{1,2})?$")]
    description: NonEmpty
    primary: bool


class BusinessOwner(_Record):
    """An owner of a business with their share."""

    personal_number: PersonalNumber
    name: NonEmpty
    share_percent: Decimal = Field(ge=0, le=100)


class AuthorisedPerson(_Record):
    """A person who may act for a business."""

    personal_number: PersonalNumber
    name: NonEmpty
    role: NonEmpty


class Business(_Record):
    """A registered business (business registry ``GetBusiness``)."""

    registration_number: BusinessNumber
    name: NonEmpty
    legal_form: LegalForm
    status: BusinessStatus
    registered_on: date
    capital_eur: Decimal | None = None
    activities: tuple[BusinessActivity, ...] = ()
    address: Address
    municipality_code: MunicipalityCode
    owners: tuple[BusinessOwner, ...] = ()
    authorised_persons: tuple[AuthorisedPerson, ...] = ()


class BusinessSummary(_Record):
    """A business a person owns or may act for, in short."""

    registration_number: BusinessNumber
    name: NonEmpty
    legal_form: LegalForm
    status: BusinessStatus
    municipality_code: MunicipalityCode
    role: BusinessRole


class BusinessesOfPerson(_Record):
    """Every business linked to one person (business registry ``GetBusinessesByOwner``).

    An empty tuple is a real answer: the person holds no business role. The registry does not
    echo the personal number asked about, so neither does the record.
    """

    businesses: tuple[BusinessSummary, ...] = ()


class Parcel(_Record):
    """A cadastral parcel (cadastre ``getParcel``)."""

    cadastral_zone: CadastralZone
    cadastral_zone_name: NonEmpty
    parcel_number: ParcelNumber
    municipality_code: MunicipalityCode
    area_m2: float = Field(gt=0)
    land_use: LandUse
    address: str | None = None


class ParcelOwner(_Record):
    """One holder of a right on a parcel: a person or a business, never both."""

    personal_number: PersonalNumber | None = None
    business_number: BusinessNumber | None = None
    name: NonEmpty
    share_numerator: int = Field(ge=1)
    share_denominator: int = Field(ge=1)
    right: PropertyRight

    @model_validator(mode="after")
    def _one_holder(self) -> ParcelOwner:
        if (self.personal_number is None) == (self.business_number is None):
            raise ValueError("a parcel owner is either a person or a business")
        if self.share_numerator > self.share_denominator:
            raise ValueError("a share cannot exceed the whole parcel")
        return self


class ParcelOwners(_Record):
    """Everyone holding a right on one parcel (cadastre ``getParcelOwners``)."""

    cadastral_zone: CadastralZone
    parcel_number: ParcelNumber
    owners: tuple[ParcelOwner, ...] = ()


class Encumbrance(_Record):
    """A burden registered on a parcel (mortgage, dispute, easement, pre-emption)."""

    kind: EncumbranceKind
    registered_on: date
    holder: NonEmpty
    description: str
    amount_eur: Decimal | None = None


class ParcelEncumbrances(_Record):
    """Every burden registered on one parcel (cadastre ``getParcelEncumbrances``)."""

    cadastral_zone: CadastralZone
    parcel_number: ParcelNumber
    encumbrances: tuple[Encumbrance, ...] = ()


class PossessionEntry(_Record):
    """One parcel on a possession list, with the holder's share."""

    cadastral_zone: CadastralZone
    cadastral_zone_name: NonEmpty
    parcel_number: ParcelNumber
    municipality_code: MunicipalityCode
    area_m2: float = Field(gt=0)
    land_use: LandUse
    share_numerator: int = Field(ge=1)
    share_denominator: int = Field(ge=1)


class PossessionList(_Record):
    """The possession list ("fleta poseduese") of one person (cadastre ``getPossessionList``)."""

    personal_number: PersonalNumber
    owner_name: NonEmpty
    issued_at: datetime
    entries: tuple[PossessionEntry, ...] = ()


class UnpaidObligation(_Record):
    """One tax obligation a taxpayer has not settled: its tax, its period and what is owed."""

    tax_type: TaxType
    period: Annotated[str, Field(pattern=r"^20[0-9]{2}(-(0[1-9]|1[0-2]))?$")]
    amount_eur: Decimal = Field(gt=0)
    due_on: date


class TaxClearance(_Record):
    """Whether a business has settled its taxes (tax administration ``getTaxClearance``).

    ``outstanding`` empty is the clearance a municipality asks for before it issues a permit
    to a business; the fiscal number is ATK's own identifier of the same taxpayer.
    """

    business_number: BusinessNumber
    fiscal_number: Annotated[str, Field(pattern=r"^[0-9]{9}$")]
    taxpayer_name: NonEmpty
    assessed_on: date
    outstanding: tuple[UnpaidObligation, ...] = ()

    @property
    def cleared(self) -> bool:
        return not self.outstanding
