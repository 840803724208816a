"""Canonical records of the transparency sources: treasury, procurement, urban planning, permits.

The gateway gathers public data from institutions that each speak their own REST vocabulary
(the treasury's budget and own-source revenue ledgers, the procurement agency's OCDS feed, the
spatial-planning register, the ministry's register of category III permits). The adapters turn
every answer into one of these records, so that the open-data feeds and the catalogue's
transparency routes never depend on a source's wire format.

Money is in euros, rounded to the cent; months are 1..12 and a ledger lists one amount per
month reported so far (``reported_through_month`` of them). Names that the public reads come
in the three display languages (``LocalizedText``). Procurement is the exception: OCDS is
itself the contract, so the release package travels unchanged inside its record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.catalogue import LocalizedText

MunicipalityCode = Annotated[str, Field(pattern=r"^(0[1-9]|[12][0-9]|3[0-8])$")]
Year = Annotated[int, Field(ge=2000, le=2100)]
Euros = Annotated[float, Field(ge=0)]

EconomicCategory = Literal["wages", "goods_services", "subsidies", "capital_investments"]
ECONOMIC_CATEGORIES: tuple[EconomicCategory, ...] = (
    "wages",
    "goods_services",
    "subsidies",
    "capital_investments",
)
RevenueSource = Literal["property_tax", "permits", "fees", "other"]
REVENUE_SOURCES: tuple[RevenueSource, ...] = ("property_tax", "permits", "fees", "other")
PlanKind = Literal["detailed", "neighbourhood"]
PlanStatus = Literal["draft", "public_review", "approved"]
PLAN_STATUSES: tuple[PlanStatus, ...] = ("draft", "public_review", "approved")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FiscalYears(_Record):
    """The years a source publishes, oldest first."""

    years: tuple[Year, ...] = Field(min_length=1)


class Programme(_Record):
    code: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
    name: LocalizedText


def _check_months(values: tuple[float, ...], through: int) -> None:
    if len(values) != through:
        raise ValueError(f"expected {through} monthly amounts, got {len(values)}")


class BudgetLine(_Record):
    """One line of a municipality's budget: a programme's appropriation in one category."""

    line_id: Annotated[str, Field(min_length=1, max_length=64)]
    programme: Programme
    economic_category: EconomicCategory
    approved: Euros
    executed: tuple[Euros, ...] = Field(description="amount spent in each reported month")


class MunicipalBudget(_Record):
    """The approved budget of one municipality for one year, and its execution by month."""

    municipality_code: MunicipalityCode
    year: Year
    currency: Literal["EUR"] = "EUR"
    reported_through_month: Annotated[int, Field(ge=0, le=12)]
    updated_at: datetime
    lines: tuple[BudgetLine, ...]

    @model_validator(mode="after")
    def _months_match(self) -> MunicipalBudget:
        for line in self.lines:
            _check_months(line.executed, self.reported_through_month)
        return self


class RevenueLine(_Record):
    """One own-source revenue of a municipality: what it planned and what it collected."""

    line_id: Annotated[str, Field(min_length=1, max_length=64)]
    source: RevenueSource
    planned: Euros
    collected: tuple[Euros, ...] = Field(description="amount collected in each reported month")


class MunicipalRevenues(_Record):
    """A municipality's own-source revenues for one year, by source and month."""

    municipality_code: MunicipalityCode
    year: Year
    currency: Literal["EUR"] = "EUR"
    reported_through_month: Annotated[int, Field(ge=0, le=12)]
    updated_at: datetime
    lines: tuple[RevenueLine, ...]

    @model_validator(mode="after")
    def _months_match(self) -> MunicipalRevenues:
        for line in self.lines:
            _check_months(line.collected, self.reported_through_month)
        return self


class ProcurementReleases(_Record):
    """A municipality's contracting processes of one year, as the publisher's OCDS 1.1 release
    package (kept whole: OCDS is the contract, and the gateway re-publishes it)."""

    municipality_code: MunicipalityCode | None = Field(description="None: no release yet")
    year: Year | None
    published_at: datetime
    package: dict[str, Any]


class PlanDocument(_Record):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)]
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]
    published_on: date


class UrbanPlan(_Record):
    """A detailed or neighbourhood regulatory plan: its stage, validity, papers and boundary."""

    plan_id: Annotated[str, Field(min_length=1, max_length=64)]
    municipality_code: MunicipalityCode
    kind: PlanKind
    name: LocalizedText
    status: PlanStatus
    public_review_from: date | None = None
    public_review_until: date | None = None
    approved_on: date | None = None
    valid_until: date | None = None
    documents: tuple[PlanDocument, ...] = ()
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon, WGS84 (lon, lat)")

    @model_validator(mode="after")
    def _boundary_is_a_polygon(self) -> UrbanPlan:
        if self.boundary.get("type") != "Polygon" or not self.boundary.get("coordinates"):
            raise ValueError("the boundary must be a GeoJSON Polygon")
        return self


class UrbanPlans(_Record):
    municipality_code: MunicipalityCode
    updated_at: datetime
    plans: tuple[UrbanPlan, ...]


PermitCategory = Literal["I", "II", "III"]
PermitKind = Literal["construction", "occupancy"]
InvestorType = Literal["natural_person", "legal_person", "public_body"]


class CentralPermit(_Record):
    """A category III construction or occupancy permit issued by the ministry.

    Never a private investor's name or personal number: only the kind of investor and, for a
    business or public body, its public name.
    """

    permit_number: Annotated[str, Field(min_length=1, max_length=60)]
    kind: PermitKind
    category: Literal["III"] = "III"
    municipality_code: MunicipalityCode
    cadastral_zone: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    parcel_number: Annotated[str, Field(pattern=r"^[0-9]{1,5}(-[0-9]{1,3})?$")]
    investor_type: InvestorType
    investor_name: Annotated[str, Field(max_length=300)] | None = None
    description: Annotated[str, Field(max_length=2000)]
    conditions: tuple[Annotated[str, Field(max_length=2000)], ...] = ()
    applied_on: date
    issued_on: date
    valid_until: date | None = None

    @model_validator(mode="after")
    def _no_private_names(self) -> CentralPermit:
        if self.investor_type == "natural_person" and self.investor_name is not None:
            raise ValueError("a private investor is never named")
        return self


class CentralPermits(_Record):
    year: Year
    updated_at: datetime
    permits: tuple[CentralPermit, ...]
