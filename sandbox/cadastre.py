"""The cadastre simulator: answers wsdl/cadastre.openapi.yaml from the seed.

Identifiers are checked against the same patterns the OpenAPI file declares (400 otherwise);
unknown parcels and persons who hold nothing are 404; every error is a problem document.
Parcel answers are cached as bytes; the possession list is built per call because it carries
the time it was issued.
"""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.answers import JSON_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, Answer
from sandbox.records import Parcel
from sandbox.seed import SeedData

ZONE_PATTERN = re.compile(r"[0-9]{6}")
PARCEL_PATTERN = re.compile(r"[0-9]{1,5}(-[0-9]{1,3})?")
PERSONAL_NUMBER_PATTERN = re.compile(r"[0-9]{10}")
PROBLEM_BASE = "urn:ks:cadastre:problem:"
CACHE_LIMIT = 100_000


def _json(status: int, document: dict[str, Any], content_type: str = JSON_CONTENT_TYPE) -> Answer:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(status, content_type, body)


def problem(status: int, kind: str, title: str, detail: str) -> Answer:
    """An RFC 9457 problem document."""
    return _json(
        status,
        {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail},
        PROBLEM_CONTENT_TYPE,
    )


def unavailable() -> Answer:
    return problem(
        503,
        "unavailable",
        "Service unavailable",
        "The cadastre is temporarily unavailable; try again later.",
    )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _parcel_document(parcel: Parcel) -> dict[str, Any]:
    document: dict[str, Any] = {
        "cadastralZone": parcel.cadastral_zone,
        "cadastralZoneName": parcel.cadastral_zone_name,
        "parcelNumber": parcel.parcel_number,
        "municipalityCode": parcel.municipality_code,
        "areaM2": _number(parcel.area_m2),
        "landUse": parcel.land_use,
    }
    if parcel.address is not None:
        document["address"] = parcel.address
    return document


def _owners_document(parcel: Parcel) -> dict[str, Any]:
    owners = []
    for owner in parcel.owners:
        entry: dict[str, Any] = {}
        if owner.personal_number is not None:
            entry["personalNumber"] = owner.personal_number
        if owner.business_number is not None:
            entry["businessNumber"] = owner.business_number
        entry.update(
            name=owner.name,
            shareNumerator=owner.share_numerator,
            shareDenominator=owner.share_denominator,
            right=owner.right,
        )
        owners.append(entry)
    return {
        "cadastralZone": parcel.cadastral_zone,
        "parcelNumber": parcel.parcel_number,
        "owners": owners,
    }


def _encumbrances_document(parcel: Parcel) -> dict[str, Any]:
    encumbrances = []
    for item in parcel.encumbrances:
        entry: dict[str, Any] = {
            "kind": item.kind,
            "registeredOn": item.registered_on.isoformat(),
            "holder": item.holder,
            "description": item.description,
        }
        if item.amount_eur is not None:
            entry["amountEur"] = _number(float(item.amount_eur))
        encumbrances.append(entry)
    return {
        "cadastralZone": parcel.cadastral_zone,
        "parcelNumber": parcel.parcel_number,
        "encumbrances": encumbrances,
    }


_DOCUMENTS: dict[str, Callable[[Parcel], dict[str, Any]]] = {
    "parcel": _parcel_document,
    "owners": _owners_document,
    "encumbrances": _encumbrances_document,
}


class Cadastre:
    """The four operations of the cadastre's OpenAPI contract over one seed."""

    def __init__(self, data: SeedData) -> None:
        self._parcels = data.parcels
        self._persons = data.persons
        self._possessions = data.possessions
        self._cache: dict[tuple[str, str, str], Answer] = {}

    def _lookup(self, zone: str, number: str) -> Parcel | Answer:
        if not ZONE_PATTERN.fullmatch(zone) or not PARCEL_PATTERN.fullmatch(number):
            return problem(
                400,
                "invalid-identifier",
                "Invalid cadastral identifier",
                "The cadastral zone must be six digits and the parcel number "
                "up to five digits with an optional sub-number.",
            )
        parcel = self._parcels.get((zone, number))
        if parcel is None:
            return problem(
                404,
                "parcel-not-found",
                "Parcel not found",
                "No parcel with this number is registered in this cadastral zone.",
            )
        return parcel

    def _cached(self, operation: str, zone: str, number: str) -> Answer:
        key = (operation, zone, number)
        answer = self._cache.get(key)
        if answer is None:
            found = self._lookup(zone, number)
            if isinstance(found, Answer):
                answer = found
            else:
                answer = _json(200, _DOCUMENTS[operation](found))
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = answer
        return answer

    def get_parcel(self, zone: str, number: str) -> Answer:
        return self._cached("parcel", zone, number)

    def get_parcel_owners(self, zone: str, number: str) -> Answer:
        return self._cached("owners", zone, number)

    def get_parcel_encumbrances(self, zone: str, number: str) -> Answer:
        return self._cached("encumbrances", zone, number)

    def get_possession_list(self, personal_number: str) -> Answer:
        if not PERSONAL_NUMBER_PATTERN.fullmatch(personal_number):
            return problem(
                400,
                "invalid-identifier",
                "Invalid personal number",
                "A personal number has exactly ten digits.",
            )
        holdings = self._possessions.get(personal_number)
        if not holdings:
            return problem(
                404,
                "no-possessions",
                "No possessions",
                "The cadastre holds no parcel for this person.",
            )
        person = self._persons[personal_number]
        entries = [
            {
                "cadastralZone": parcel.cadastral_zone,
                "cadastralZoneName": parcel.cadastral_zone_name,
                "parcelNumber": parcel.parcel_number,
                "municipalityCode": parcel.municipality_code,
                "areaM2": _number(parcel.area_m2),
                "landUse": parcel.land_use,
                "shareNumerator": owner.share_numerator,
                "shareDenominator": owner.share_denominator,
            }
            for parcel, owner in holdings
        ]
        return _json(
            200,
            {
                "personalNumber": personal_number,
                "ownerName": person.full_name,
                "issuedAt": datetime.now(UTC).isoformat(timespec="seconds"),
                "entries": entries,
            },
        )
