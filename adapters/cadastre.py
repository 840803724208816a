"""Cadastre (KCLIS) REST answers -> canonical records.

The OpenAPI file (``wsdl/cadastre.openapi.yaml``) names the operations and the engine has
validated each answer against its schema, so the mappers read required keys directly. A 404
(an unknown parcel, or a person who holds nothing) is "not found" for every operation.
"""

from __future__ import annotations

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.records import (
    Encumbrance,
    Parcel,
    ParcelEncumbrances,
    ParcelOwner,
    ParcelOwners,
    PossessionEntry,
    PossessionList,
)


def _parcel(answer: JsonObject) -> Parcel:
    return Parcel(
        cadastral_zone=answer["cadastralZone"],
        cadastral_zone_name=answer["cadastralZoneName"],
        parcel_number=answer["parcelNumber"],
        municipality_code=answer["municipalityCode"],
        area_m2=answer["areaM2"],
        land_use=answer["landUse"],
        address=answer.get("address"),
    )


def _owners(answer: JsonObject) -> ParcelOwners:
    return ParcelOwners(
        cadastral_zone=answer["cadastralZone"],
        parcel_number=answer["parcelNumber"],
        owners=tuple(
            ParcelOwner(
                personal_number=owner.get("personalNumber"),
                business_number=owner.get("businessNumber"),
                name=owner["name"],
                share_numerator=owner["shareNumerator"],
                share_denominator=owner["shareDenominator"],
                right=owner["right"],
            )
            for owner in answer["owners"]
        ),
    )


def _encumbrances(answer: JsonObject) -> ParcelEncumbrances:
    return ParcelEncumbrances(
        cadastral_zone=answer["cadastralZone"],
        parcel_number=answer["parcelNumber"],
        encumbrances=tuple(
            Encumbrance(
                kind=item["kind"],
                registered_on=item["registeredOn"],
                holder=item["holder"],
                description=item["description"],
                amount_eur=item.get("amountEur"),
            )
            for item in answer["encumbrances"]
        ),
    )


def _possession_list(answer: JsonObject) -> PossessionList:
    return PossessionList(
        personal_number=answer["personalNumber"],
        owner_name=answer["ownerName"],
        issued_at=answer["issuedAt"],
        entries=tuple(
            PossessionEntry(
                cadastral_zone=entry["cadastralZone"],
                cadastral_zone_name=entry["cadastralZoneName"],
                parcel_number=entry["parcelNumber"],
                municipality_code=entry["municipalityCode"],
                area_m2=entry["areaM2"],
                land_use=entry["landUse"],
                share_numerator=entry["shareNumerator"],
                share_denominator=entry["shareDenominator"],
            )
            for entry in answer["entries"]
        ),
    )


MAPPING = RestMapping(
    records={
        "getParcel": RecordMapper(Parcel, _parcel),
        "getParcelOwners": RecordMapper(ParcelOwners, _owners),
        "getParcelEncumbrances": RecordMapper(ParcelEncumbrances, _encumbrances),
        "getPossessionList": RecordMapper(PossessionList, _possession_list),
    }
)
