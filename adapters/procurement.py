"""Procurement REST answers -> canonical records.

The publisher speaks OCDS 1.1, which is itself the published contract of the open-contracting
feed, so the release package is kept whole inside ``ProcurementReleases``; the engine has
checked its frame against ``wsdl/procurement.openapi.yaml`` and the record adds the
municipality, the year and the publication date the gateway indexes it by.
"""

from __future__ import annotations

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.open_records import FiscalYears, ProcurementReleases

_MUNICIPALITY_PARTY = "XK-MUN-"


def _years(answer: JsonObject) -> FiscalYears:
    return FiscalYears(years=tuple(answer["years"]))


def _municipality_of(answer: JsonObject) -> str | None:
    """The buyer of the package's releases (all have the same one); None for an empty package."""
    buyers = {
        release["buyer"]["id"].removeprefix(_MUNICIPALITY_PARTY)
        for release in answer["releases"]
        if isinstance(release.get("buyer"), dict) and "id" in release["buyer"]
    }
    if len(buyers) > 1:
        raise ValueError("a municipal release package names exactly one buyer")
    return buyers.pop() if buyers else None


def _package(answer: JsonObject) -> ProcurementReleases:
    published = answer["publishedDate"]
    return ProcurementReleases(
        municipality_code=_municipality_of(answer),
        year=int(min(release["date"] for release in answer["releases"])[:4])
        if answer["releases"]
        else None,
        published_at=published,
        package=dict(answer),
    )


MAPPING = RestMapping(
    records={
        "getProcurementYears": RecordMapper(FiscalYears, _years),
        "getReleasePackage": RecordMapper(ProcurementReleases, _package),
    }
)
