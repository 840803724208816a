"""The ministry's category III permit register -> canonical permit records."""

from __future__ import annotations

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.open_records import CentralPermit, CentralPermits, FiscalYears


def _years(answer: JsonObject) -> FiscalYears:
    return FiscalYears(years=tuple(answer["years"]))


def _permits(answer: JsonObject) -> CentralPermits:
    return CentralPermits(
        year=answer["year"],
        updated_at=answer["updatedAt"],
        permits=tuple(
            CentralPermit(
                permit_number=permit["permitNumber"],
                kind=permit["kind"],
                municipality_code=permit["municipalityCode"],
                cadastral_zone=permit["cadastralZone"],
                parcel_number=permit["parcelNumber"],
                investor_type=permit["investorType"],
                investor_name=permit.get("investorName")
                if permit["investorType"] != "natural_person"
                else None,
                description=permit["description"],
                conditions=tuple(permit["conditions"]),
                applied_on=permit["appliedOn"],
                issued_on=permit["issuedOn"],
                valid_until=permit.get("validUntil"),
            )
            for permit in answer["permits"]
        ),
    )


MAPPING = RestMapping(
    records={
        "getPermitYears": RecordMapper(FiscalYears, _years),
        "listCentralPermits": RecordMapper(CentralPermits, _permits),
    }
)
