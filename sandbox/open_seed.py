"""The public data the transparency simulators serve: budgets, revenues, tenders, plans, permits.

Everything is built from the seed, per municipality and year, so a test can rebuild exactly what
a server answers. Documents are kept in the sources' own wire format (camelCase JSON), since the
simulators must not share a vocabulary with the gateway's canonical records.

What is real and what is made up: the 38 municipalities, their seats and settlements come from
``sandbox.geography`` and the coarse seats of ``contracts/complaints``; the economic categories
(wages, goods and services, subsidies, capital investments) and own-source revenue kinds
(property tax with its 30 April and 30 September instalments, permits, fees) follow Kosovo's
municipal budgets. The programme codes, every amount, every tender and every plan are invented
and only plausible in size (about 350 EUR of budget per resident).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts.complaints.boundaries import read_inputs
from sandbox.geography import MUNICIPALITIES, Municipality
from sandbox.seed import REFERENCE_DATE, SeedData

OPEN_YEARS: tuple[int, ...] = (2023, 2024, 2025, 2026)
OCID_PREFIX = "ocds-uhzcmx"
"""The OCDS prefix of Kosovo's public procurement publisher (shared/reference, standards list)."""
PUBLISHER_NAME = "Komisioni Rregullativ i Prokurimit Publik (sandbox)"
DOCUMENT_HOST = "https://sandbox.ekomunat.invalid"
EUROS_PER_RESIDENT = 350.0
CATEGORIES = ("wages", "goods_services", "subsidies", "capital_investments")
REVENUE_SOURCES = ("property_tax", "permits", "fees", "other")


def reported_through(year: int) -> int:
    """Months of a year the ledgers have closed by the sandbox's reference date."""
    if year < REFERENCE_DATE.year:
        return 12
    if year > REFERENCE_DATE.year:
        return 0
    return REFERENCE_DATE.month - 1


@dataclass(frozen=True, slots=True)
class ProgrammeSpec:
    code: str
    sq: str
    sr: str
    en: str
    share: float
    categories: tuple[tuple[str, float], ...]


def _split(**weights: float) -> tuple[tuple[str, float], ...]:
    return tuple(weights.items())


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "110",
        "Zyra e Kryetarit",
        "Kancelarija predsednika opštine",
        "Mayor's office",
        0.03,
        _split(wages=0.7, goods_services=0.3),
    ),
    ProgrammeSpec(
        "163",
        "Administrata dhe personeli",
        "Administracija i osoblje",
        "Administration and personnel",
        0.08,
        _split(wages=0.65, goods_services=0.25, capital_investments=0.1),
    ),
    ProgrammeSpec(
        "175",
        "Buxheti dhe financat",
        "Budžet i finansije",
        "Budget and finance",
        0.03,
        _split(wages=0.75, goods_services=0.25),
    ),
    ProgrammeSpec(
        "180",
        "Shërbimet publike dhe infrastruktura",
        "Javne službe i infrastruktura",
        "Public services and infrastructure",
        0.17,
        _split(wages=0.1, goods_services=0.2, capital_investments=0.7),
    ),
    ProgrammeSpec(
        "195",
        "Kadastri dhe gjeodezia",
        "Katastar i geodezija",
        "Cadastre and geodesy",
        0.02,
        _split(wages=0.7, goods_services=0.2, capital_investments=0.1),
    ),
    ProgrammeSpec(
        "197",
        "Urbanizmi dhe mbrojtja e mjedisit",
        "Urbanizam i zaštita životne sredine",
        "Urban planning and environment",
        0.05,
        _split(wages=0.35, goods_services=0.15, capital_investments=0.5),
    ),
    ProgrammeSpec(
        "730",
        "Kujdesi primar shëndetësor",
        "Primarna zdravstvena zaštita",
        "Primary health care",
        0.12,
        _split(wages=0.7, goods_services=0.2, capital_investments=0.1),
    ),
    ProgrammeSpec(
        "755",
        "Shërbimet sociale",
        "Socijalne službe",
        "Social services",
        0.05,
        _split(wages=0.4, goods_services=0.1, subsidies=0.5),
    ),
    ProgrammeSpec(
        "850",
        "Kultura, rinia dhe sporti",
        "Kultura, omladina i sport",
        "Culture, youth and sport",
        0.05,
        _split(wages=0.3, goods_services=0.2, subsidies=0.3, capital_investments=0.2),
    ),
    ProgrammeSpec(
        "920",
        "Arsimi",
        "Obrazovanje",
        "Education",
        0.40,
        _split(wages=0.8, goods_services=0.1, subsidies=0.02, capital_investments=0.08),
    ),
)
PROGRAMME_BY_CODE = {programme.code: programme for programme in PROGRAMMES}

_CATEGORY_RATE = {
    "wages": (0.96, 0.995),
    "goods_services": (0.82, 0.97),
    "subsidies": (0.75, 0.98),
    "capital_investments": (0.55, 0.92),
}
_REVENUE_SHARE = {"property_tax": 0.45, "permits": 0.2, "fees": 0.25, "other": 0.1}


def _money(value: float) -> float:
    return round(value + 0.0, 2)


def _monthly_weights(rng: random.Random, category: str) -> list[float]:
    """How a year's spending of one category falls on the months."""
    if category == "wages":
        weights = [1.0] * 12
    elif category == "capital_investments":
        weights = [0.3 + month * rng.uniform(0.8, 1.2) for month in range(12)]
    elif category == "subsidies":
        weights = [rng.choice((0.1, 0.2, 1.5, 2.5)) for _ in range(12)]
    else:
        weights = [rng.uniform(0.8, 1.2) for _ in range(12)]
    total = sum(weights)
    return [weight / total for weight in weights]


def _revenue_weights(rng: random.Random, source: str) -> list[float]:
    if source == "property_tax":
        # Instalments fall due on 30 April and 30 September.
        weights = [rng.uniform(0.2, 0.5) for _ in range(12)]
        weights[3] += rng.uniform(3.5, 4.5)
        weights[8] += rng.uniform(3.0, 4.0)
    elif source == "permits":
        weights = [rng.uniform(0.3, 1.7) * (1.4 if 3 <= month <= 9 else 0.7) for month in range(12)]
    else:
        weights = [rng.uniform(0.85, 1.15) for _ in range(12)]
    total = sum(weights)
    return [weight / total for weight in weights]


def _updated_at(year: int, through: int) -> str:
    """When a ledger was last closed: the 10th of the month after the last reported one."""
    if through == 0:
        day = datetime(year, 1, 10, 8, 0, tzinfo=UTC)
    elif through == 12:
        day = datetime(year + 1, 1, 10, 8, 0, tzinfo=UTC)
    else:
        day = datetime(year, through + 1, 10, 8, 0, tzinfo=UTC)
    return day.isoformat().replace("+00:00", "Z")


def budget_line_id(municipality: str, year: int, programme: str, category: str) -> str:
    return f"{municipality}-{year}-{programme}-{category}"


def _budget(seed: int, municipality: Municipality, year: int) -> dict[str, Any]:
    rng = random.Random(f"budget-{seed}-{municipality.code}-{year}")
    growth = 1.0 + 0.05 * (year - OPEN_YEARS[0])
    total = municipality.population_weight * 1000 * EUROS_PER_RESIDENT * growth
    through = reported_through(year)
    lines = []
    for programme in PROGRAMMES:
        for category, weight in programme.categories:
            approved = _money(total * programme.share * weight * rng.uniform(0.9, 1.1))
            rate = rng.uniform(*_CATEGORY_RATE[category])
            months = _monthly_weights(rng, category)
            executed = [_money(approved * rate * months[m]) for m in range(through)]
            lines.append(
                {
                    "lineId": budget_line_id(municipality.code, year, programme.code, category),
                    "programme": {
                        "code": programme.code,
                        "name": {"sq": programme.sq, "sr": programme.sr, "en": programme.en},
                    },
                    "economicCategory": category,
                    "approved": approved,
                    "executed": executed,
                }
            )
    return {
        "municipalityCode": municipality.code,
        "year": year,
        "currency": "EUR",
        "reportedThroughMonth": through,
        "updatedAt": _updated_at(year, through),
        "lines": lines,
    }


def _revenues(seed: int, municipality: Municipality, year: int) -> dict[str, Any]:
    rng = random.Random(f"revenues-{seed}-{municipality.code}-{year}")
    growth = 1.0 + 0.06 * (year - OPEN_YEARS[0])
    total = municipality.population_weight * 1000 * EUROS_PER_RESIDENT * 0.15 * growth
    through = reported_through(year)
    lines = []
    for source in REVENUE_SOURCES:
        planned = _money(total * _REVENUE_SHARE[source] * rng.uniform(0.9, 1.1))
        rate = rng.uniform(0.7, 1.05)
        months = _revenue_weights(rng, source)
        lines.append(
            {
                "lineId": f"{municipality.code}-{year}-revenue-{source}",
                "source": source,
                "planned": planned,
                "collected": [_money(planned * rate * months[m]) for m in range(through)],
            }
        )
    return {
        "municipalityCode": municipality.code,
        "year": year,
        "currency": "EUR",
        "reportedThroughMonth": through,
        "updatedAt": _updated_at(year, through),
        "lines": lines,
    }


# ---- procurement (OCDS 1.1) ---------------------------------------------------------------------

_TENDERS: tuple[tuple[str, str, str, str, str, tuple[float, float]], ...] = (
    # (category, programme, economic category, sq title, sr title, value range in EUR)
    (
        "works",
        "180",
        "capital_investments",
        "Asfaltimi i rrugëve në {place}",
        "Asfaltiranje puteva u mestu {place}",
        (60_000, 900_000),
    ),
    (
        "works",
        "920",
        "capital_investments",
        "Rinovimi i shkollës fillore në {place}",
        "Renoviranje osnovne škole u mestu {place}",
        (40_000, 400_000),
    ),
    (
        "works",
        "180",
        "capital_investments",
        "Ndërtimi i kanalizimit në {place}",
        "Izgradnja kanalizacije u mestu {place}",
        (50_000, 700_000),
    ),
    (
        "works",
        "197",
        "capital_investments",
        "Rregullimi i parkut në {place}",
        "Uređenje parka u mestu {place}",
        (20_000, 150_000),
    ),
    (
        "goods",
        "920",
        "goods_services",
        "Furnizim me material shkollor",
        "Nabavka školskog materijala",
        (8_000, 60_000),
    ),
    (
        "goods",
        "730",
        "goods_services",
        "Furnizim me barna për qendrat e mjekësisë familjare",
        "Nabavka lekova za domove zdravlja",
        (15_000, 120_000),
    ),
    (
        "goods",
        "163",
        "goods_services",
        "Furnizim me derivate për ngrohje",
        "Nabavka goriva za grejanje",
        (10_000, 90_000),
    ),
    (
        "services",
        "180",
        "goods_services",
        "Mirëmbajtja dimërore e rrugëve",
        "Zimsko održavanje puteva",
        (20_000, 200_000),
    ),
    (
        "services",
        "163",
        "goods_services",
        "Shërbime të pastrimit të objekteve komunale",
        "Usluge čišćenja opštinskih objekata",
        (10_000, 80_000),
    ),
)


_METHOD_DIGIT = {"goods": 1, "services": 2, "works": 5}
"""The last part of a (sandbox) procurement number: what is bought."""


def _iso(moment: date) -> str:
    return f"{moment.isoformat()}T09:00:00Z"


def _organisation_party(municipality: Municipality) -> dict[str, Any]:
    return {
        "id": f"XK-MUN-{municipality.code}",
        "name": f"{municipality.name_sr} (opština)"
        if municipality.serb_majority
        else f"{municipality.name_sq} (komuna)",
        "identifier": {"scheme": "XK-MUN", "id": municipality.code},
        "address": {"locality": municipality.name_sq, "countryName": "Kosovë"},
        "roles": ["buyer", "procuringEntity", "payer"],
    }


def _supplier_party(business: Any) -> dict[str, Any]:
    return {
        "id": f"XK-KBRA-{business.registration_number}",
        "name": business.name,
        "identifier": {
            "scheme": "XK-KBRA",
            "id": business.registration_number,
            "legalName": business.name,
        },
        "roles": ["supplier", "tenderer", "payee"],
    }


@dataclass
class Process:
    """One contracting process and the releases published about it so far."""

    ocid: str
    municipality: str
    year: int
    releases: list[dict[str, Any]] = field(default_factory=list)
    contract_value: float = 0.0
    paid: float = 0.0


def _process(
    seed: int,
    municipality: Municipality,
    year: int,
    number: int,
    suppliers: list[Any],
) -> Process:
    rng = random.Random(f"tender-{seed}-{municipality.code}-{year}-{number}")
    category, programme, economic, title_sq, title_sr, (low, high) = rng.choice(_TENDERS)
    place = rng.choice(municipality.settlements)
    serbian = municipality.serb_majority
    title = (title_sr if serbian else title_sq).format(place=place)
    ocid = f"{OCID_PREFIX}-{municipality.code}-{year}-{number:04d}"
    published = date(year, 1, 15) + timedelta(days=rng.randint(0, 300))
    estimate = _money(rng.uniform(low, high))
    buyer = _organisation_party(municipality)
    buyer_ref = {"id": buyer["id"], "name": buyer["name"]}
    process = Process(ocid, municipality.code, year)
    language = "sr" if serbian else "sq"
    tender_id = f"{municipality.code}-{str(year)[2:]}-{number:04d}-{_METHOD_DIGIT[category]}"
    base = {"ocid": ocid, "initiationType": "tender", "language": language}
    budget_line = budget_line_id(municipality.code, year, programme, economic)
    process.releases.append(
        {
            **base,
            "id": f"{ocid}-tender",
            "date": _iso(published),
            "tag": ["tender"],
            "parties": [buyer],
            "buyer": buyer_ref,
            "planning": {
                "budget": {
                    "id": budget_line,
                    "description": PROGRAMME_BY_CODE[programme].sr
                    if serbian
                    else PROGRAMME_BY_CODE[programme].sq,
                    "amount": {"amount": estimate, "currency": "EUR"},
                }
            },
            "tender": {
                "id": tender_id,
                "title": title,
                "status": "active",
                "procurementMethod": "open",
                "procurementMethodDetails": "Otvoreni postupak" if serbian else "Procedurë e hapur",
                "mainProcurementCategory": category,
                "value": {"amount": estimate, "currency": "EUR"},
                "tenderPeriod": {
                    "startDate": _iso(published),
                    "endDate": _iso(published + timedelta(days=30)),
                },
                "documents": [
                    {
                        "id": f"{tender_id}-notice",
                        "documentType": "tenderNotice",
                        "title": "Njoftim për kontratë" if not serbian else "Obaveštenje o ugovoru",
                        "url": f"{DOCUMENT_HOST}/procurement/{ocid}/notice.pdf",
                        "format": "application/pdf",
                        "language": language,
                    }
                ],
            },
        }
    )
    awarded = published + timedelta(days=rng.randint(40, 70))
    if awarded >= REFERENCE_DATE:
        return process
    supplier = _supplier_party(rng.choice(suppliers))
    supplier_ref = {"id": supplier["id"], "name": supplier["name"]}
    value = _money(estimate * rng.uniform(0.78, 0.99))
    award_id = f"{tender_id}-award-1"
    process.releases.append(
        {
            **base,
            "id": f"{ocid}-award",
            "date": _iso(awarded),
            "tag": ["award"],
            "parties": [buyer, supplier],
            "buyer": buyer_ref,
            "tender": {
                "id": tender_id,
                "status": "complete",
                "numberOfTenderers": rng.randint(2, 9),
            },
            "awards": [
                {
                    "id": award_id,
                    "title": title,
                    "status": "active",
                    "date": _iso(awarded),
                    "value": {"amount": value, "currency": "EUR"},
                    "suppliers": [supplier_ref],
                }
            ],
        }
    )
    signed = awarded + timedelta(days=rng.randint(10, 25))
    if signed >= REFERENCE_DATE:
        return process
    contract_id = f"{tender_id}-contract-1"
    duration = 90 if category == "goods" else rng.choice((180, 270, 365))
    process.contract_value = value
    process.releases.append(
        {
            **base,
            "id": f"{ocid}-contract",
            "date": _iso(signed),
            "tag": ["contract"],
            "parties": [buyer, supplier],
            "buyer": buyer_ref,
            "contracts": [
                {
                    "id": contract_id,
                    "awardID": award_id,
                    "title": title,
                    "status": "active",
                    "dateSigned": _iso(signed),
                    "period": {
                        "startDate": _iso(signed),
                        "endDate": _iso(signed + timedelta(days=duration)),
                    },
                    "value": {"amount": value, "currency": "EUR"},
                }
            ],
        }
    )
    payments: list[dict[str, Any]] = []
    day = signed + timedelta(days=30)
    paid = 0.0
    instalments = rng.randint(1, 4)
    for instalment in range(instalments):
        if day >= REFERENCE_DATE:
            break
        amount = _money(value / instalments)
        paid = _money(paid + amount)
        payments.append(
            {
                "id": f"{contract_id}-payment-{instalment + 1}",
                "source": f"{DOCUMENT_HOST}/treasury/budget/{budget_line}",
                "date": _iso(day),
                "value": {"amount": amount, "currency": "EUR"},
                "payer": buyer_ref,
                "payee": supplier_ref,
            }
        )
        day += timedelta(days=duration // instalments or 30)
    if payments:
        process.paid = paid
        finished = len(payments) == instalments
        process.releases.append(
            _implementation_release(
                process,
                base=base,
                when=payments[-1]["date"],
                sequence=1,
                parties=[buyer, supplier],
                buyer=buyer_ref,
                contract_id=contract_id,
                award_id=award_id,
                status="terminated" if finished else "active",
                payments=payments,
            )
        )
    return process


def _implementation_release(
    process: Process,
    *,
    base: dict[str, Any],
    when: str,
    sequence: int,
    parties: list[dict[str, Any]],
    buyer: dict[str, Any],
    contract_id: str,
    award_id: str,
    status: str,
    payments: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        **base,
        "id": f"{process.ocid}-implementation-{sequence}",
        "date": when,
        "tag": ["implementation"],
        "parties": parties,
        "buyer": buyer,
        "contracts": [
            {
                "id": contract_id,
                "awardID": award_id,
                "status": status,
                "implementation": {"transactions": payments},
            }
        ],
    }


def record_payment(process: Process, amount: float, when: datetime) -> dict[str, Any]:
    """A further payment on a process's contract, published as a new implementation release.

    The sandbox's change knob: a test calls it (through the admin API) to see the gateway
    notice new data.
    """
    contract_release = next(r for r in process.releases if "contracts" in r)
    contract = contract_release["contracts"][0]
    buyer = contract_release["buyer"]
    supplier = contract_release["parties"][1]
    sequence = sum(1 for r in process.releases if "implementation" in r["tag"]) + 1
    stamp = when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    payment = {
        "id": f"{contract['id']}-payment-extra-{sequence}",
        "date": stamp,
        "value": {"amount": _money(amount), "currency": "EUR"},
        "payer": buyer,
        "payee": {"id": supplier["id"], "name": supplier["name"]},
    }
    release = _implementation_release(
        process,
        base={k: contract_release[k] for k in ("ocid", "initiationType", "language")},
        when=stamp,
        sequence=sequence,
        parties=contract_release["parties"],
        buyer=buyer,
        contract_id=contract["id"],
        award_id=contract["awardID"],
        status="active",
        payments=[payment],
    )
    process.releases.append(release)
    process.paid = _money(process.paid + amount)
    return release


# ---- urban plans ---------------------------------------------------------------------------------

_PLAN_KINDS = {
    "detailed": (
        "Plani rregullues i hollësishëm",
        "Detaljni regulacioni plan",
        "Detailed regulatory plan",
    ),
    "neighbourhood": (
        "Plani rregullues i lagjes",
        "Regulacioni plan naselja",
        "Neighbourhood regulatory plan",
    ),
}


def _square(centre: tuple[float, float], half_km: float) -> dict[str, Any]:
    lon, lat = centre
    d_lat = half_km / 111.0
    d_lon = half_km / (111.0 * math.cos(math.radians(lat)))
    ring = [
        [round(lon - d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat - d_lat, 6)],
        [round(lon + d_lon, 6), round(lat + d_lat, 6)],
        [round(lon - d_lon, 6), round(lat + d_lat, 6)],
        [round(lon - d_lon, 6), round(lat - d_lat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _plans(
    seed: int, municipality: Municipality, seat: tuple[float, float]
) -> list[dict[str, Any]]:
    rng = random.Random(f"plans-{seed}-{municipality.code}")
    count = 2 + min(4, municipality.population_weight // 40)
    plans = []
    for number in range(1, count + 1):
        kind = "detailed" if number % 2 else "neighbourhood"
        place = municipality.settlements[(number - 1) % len(municipality.settlements)]
        sq, sr, en = _PLAN_KINDS[kind]
        status = rng.choice(("approved", "approved", "public_review", "draft"))
        plan_id = f"{municipality.code}-PRR-{number:03d}"
        review_from = REFERENCE_DATE - timedelta(days=rng.randint(5, 25))
        plan: dict[str, Any] = {
            "planId": plan_id,
            "municipalityCode": municipality.code,
            "kind": kind,
            "name": {"sq": f"{sq} „{place}“", "sr": f"{sr} „{place}“", "en": f"{en} “{place}”"},
            "status": status,
            "documents": [],
        }
        if status in ("public_review", "approved"):
            plan["publicReview"] = {
                "from": review_from.isoformat(),
                "until": (review_from + timedelta(days=30)).isoformat(),
            }
        if status == "approved":
            approved = date(2019 + rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28))
            plan["publicReview"] = {
                "from": (approved - timedelta(days=75)).isoformat(),
                "until": (approved - timedelta(days=45)).isoformat(),
            }
            plan["approvedOn"] = approved.isoformat()
            plan["validUntil"] = approved.replace(year=approved.year + 10).isoformat()
        published = date.fromisoformat(plan.get("approvedOn", review_from.isoformat()))
        plan["documents"] = [
            {
                "title": f"{sq} „{place}“ – harta",
                "url": f"{DOCUMENT_HOST}/plans/{plan_id}/map.pdf",
                "mediaType": "application/pdf",
                "publishedOn": published.isoformat(),
            },
            {
                "title": f"{sq} „{place}“ – pjesa tekstuale",
                "url": f"{DOCUMENT_HOST}/plans/{plan_id}/text.pdf",
                "mediaType": "application/pdf",
                "publishedOn": published.isoformat(),
            },
        ]
        offset = (rng.uniform(-0.02, 0.02), rng.uniform(-0.015, 0.015))
        plan["boundary"] = _square(
            (seat[0] + offset[0], seat[1] + offset[1]), rng.uniform(0.2, 0.6)
        )
        plans.append(plan)
    return plans


# ---- category III permits (ministry) -------------------------------------------------------------

_CENTRAL_WORKS = (
    "Ndërtimi i stacionit të transformimit 110/35 kV",
    "Ndërtimi i impiantit për trajtimin e ujërave të zeza",
    "Ndërtimi i qendrës tregtare",
    "Ndërtimi i stadiumit",
    "Ndërtimi i fabrikës për prodhimin e materialeve ndërtimore",
)


def _central_permits(seed: int, year: int, data: SeedData) -> list[dict[str, Any]]:
    rng = random.Random(f"central-permits-{seed}-{year}")
    through = reported_through(year)
    parcels = [data.parcels[key] for key in sorted(data.parcels)]
    businesses = [data.businesses[k] for k in sorted(data.businesses)]
    permits = []
    for number in range(1, 2 + through):
        parcel = rng.choice(parcels)
        applied = date(year, 1, 5) + timedelta(days=rng.randint(0, max(1, through * 30 - 50)))
        issued = applied + timedelta(days=rng.randint(20, 45))
        if issued >= REFERENCE_DATE:
            continue
        public = rng.random() < 0.3
        business = rng.choice(businesses)
        permits.append(
            {
                "permitNumber": f"MMPHI-{year}-III-{number:03d}",
                "kind": "construction",
                "municipalityCode": parcel.municipality_code,
                "cadastralZone": parcel.cadastral_zone,
                "parcelNumber": parcel.parcel_number,
                "investorType": "public_body" if public else "legal_person",
                "investorName": "Ndërmarrje publike (sandbox)" if public else business.name,
                "description": rng.choice(_CENTRAL_WORKS),
                "conditions": [
                    "Pëlqimi mjedisor duhet të jetë në fuqi gjatë gjithë ndërtimit.",
                    "Mbikëqyrja profesionale e punimeve nga një person i licencuar.",
                ],
                "appliedOn": applied.isoformat(),
                "issuedOn": issued.isoformat(),
                "validUntil": issued.replace(year=issued.year + 3).isoformat(),
            }
        )
    return permits


# ---- the whole data set --------------------------------------------------------------------------


@dataclass
class OpenSeed:
    """Every document the transparency simulators serve, keyed as their paths are."""

    seed: int
    budgets: dict[tuple[str, int], dict[str, Any]]
    revenues: dict[tuple[str, int], dict[str, Any]]
    processes: dict[tuple[str, int], list[Process]]
    plans: dict[str, list[dict[str, Any]]]
    central_permits: dict[int, list[dict[str, Any]]]

    def process_with_contract(self, municipality: str, year: int) -> Process:
        """The first process of a municipality and year that has a signed contract."""
        for process in self.processes[(municipality, year)]:
            if process.contract_value:
                return process
        raise LookupError(f"no signed contract in {municipality}/{year}")


def procurement_volume(municipality: Municipality) -> int:
    """How many contracting processes a municipality runs in a year (by its size)."""
    return max(3, min(14, municipality.population_weight // 14))


def build_open_seed(data: SeedData) -> OpenSeed:
    """The transparency data belonging to one registry seed (same seed, same documents)."""
    seed = data.seed
    _, seats = read_inputs()
    businesses = [data.businesses[k] for k in sorted(data.businesses)]
    active = [b for b in businesses if b.status == "active"] or businesses
    budgets, revenues, processes, plans = {}, {}, {}, {}
    for municipality in MUNICIPALITIES:
        local = [b for b in active if b.municipality_code == municipality.code]
        suppliers = local + active[:20] if len(local) >= 3 else active
        for year in OPEN_YEARS:
            budgets[(municipality.code, year)] = _budget(seed, municipality, year)
            revenues[(municipality.code, year)] = _revenues(seed, municipality, year)
            processes[(municipality.code, year)] = [
                _process(seed, municipality, year, number, suppliers)
                for number in range(1, procurement_volume(municipality) + 1)
            ]
        plans[municipality.code] = _plans(seed, municipality, seats[municipality.code])
    central = {year: _central_permits(seed, year, data) for year in OPEN_YEARS}
    return OpenSeed(seed, budgets, revenues, processes, plans, central)
