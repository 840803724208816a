"""Deterministic seed data shared by the three sandbox registries.

`build_seed(seed, persons)` always yields the same data for the same arguments, in any process,
so a test can build it in-process and know exactly what the sandbox servers (started with the same
arguments) will answer. The three registries are consistent with each other: every parcel owner
and every business owner or authorised person is a person in the civil registry, a person's
possession list is exactly the parcels where they are an owner, spouses point at each other, and
every municipality has residents.

Dates are computed against a fixed reference day, not today, so the data does not drift.
Married women often carry their husband's family name; their birth record keeps the birth name.
"""

import random
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar

from contracts.personal_numbers import personal_number_check_digit
from sandbox import business_vocabulary as vocab
from sandbox.geography import (
    BASIC_COURTS,
    MUNICIPALITIES,
    MUNICIPALITY_BY_CODE,
    Municipality,
    streets_for,
)
from sandbox.people_names import NAME_POOLS
from sandbox.records import (
    Activity,
    Address,
    AuthorisedPerson,
    Business,
    BusinessOwner,
    Encumbrance,
    Marriage,
    Parcel,
    ParcelOwner,
    Person,
)

DEFAULT_SEED = 20261123
DEFAULT_PERSONS = 5000
REFERENCE_DATE = date(2026, 11, 1)
BUSINESS_REGISTRY_OPENED = date(2002, 1, 15)

T = TypeVar("T")


@dataclass(slots=True)
class SeedData:
    """Everything the three registries serve, with the indexes their operations need."""

    seed: int
    persons: dict[str, Person]
    businesses: dict[str, Business]
    parcels: dict[tuple[str, str], Parcel]
    possessions: dict[str, list[tuple[Parcel, ParcelOwner]]] = field(default_factory=dict)
    business_roles: dict[str, list[tuple[Business, str]]] = field(default_factory=dict)

    # ---- pickers for tests and drills -------------------------------------------------------

    def _sorted_persons(self) -> list[Person]:
        return [self.persons[k] for k in sorted(self.persons)]

    def alive_parcel_owner(self, index: int = 0) -> Person:
        """An alive adult who holds at least one parcel (index picks another one)."""
        found = [
            p for p in self._sorted_persons() if p.alive and p.personal_number in self.possessions
        ]
        return found[index % len(found)]

    def person_without_parcels(self, index: int = 0) -> Person:
        """An alive adult who holds no parcel: the cadastre answers 404 for them."""
        found = [
            p
            for p in self._sorted_persons()
            if p.alive and _age(p) >= 18 and p.personal_number not in self.possessions
        ]
        return found[index % len(found)]

    def deceased_person(self, index: int = 0) -> Person:
        found = [p for p in self._sorted_persons() if not p.alive]
        return found[index % len(found)]

    def married_person(self, index: int = 0) -> Person:
        found = [p for p in self._sorted_persons() if p.marriage is not None]
        return found[index % len(found)]

    def person_in(self, municipality_code: str, index: int = 0) -> Person:
        found = [p for p in self._sorted_persons() if p.municipality_code == municipality_code]
        return found[index % len(found)]

    def active_business_owner(self, index: int = 0) -> tuple[Person, Business]:
        """An alive person who owns an active business, with that business."""
        pairs = []
        for number in sorted(self.businesses):
            business = self.businesses[number]
            if business.status != "active":
                continue
            for owner in business.owners:
                person = self.persons[owner.personal_number]
                if person.alive:
                    pairs.append((person, business))
        return pairs[index % len(pairs)]

    def business_with_status(self, status: str, index: int = 0) -> Business:
        found = [
            self.businesses[k]
            for k in sorted(self.businesses)
            if self.businesses[k].status == status
        ]
        return found[index % len(found)]

    def person_without_business(self, index: int = 0) -> Person:
        found = [p for p in self._sorted_persons() if p.personal_number not in self.business_roles]
        return found[index % len(found)]

    def parcel_with_encumbrance(self, kind: str, index: int = 0) -> Parcel:
        found = [
            self.parcels[k]
            for k in sorted(self.parcels)
            if any(e.kind == kind for e in self.parcels[k].encumbrances)
        ]
        return found[index % len(found)]

    def co_owned_parcel(self, index: int = 0) -> Parcel:
        found = [self.parcels[k] for k in sorted(self.parcels) if len(self.parcels[k].owners) > 1]
        return found[index % len(found)]

    def business_owned_parcel(self, index: int = 0) -> Parcel:
        found = [
            self.parcels[k]
            for k in sorted(self.parcels)
            if any(o.business_number for o in self.parcels[k].owners)
        ]
        return found[index % len(found)]

    def unknown_personal_number(self, index: int = 0) -> str:
        """A well-formed personal number (valid check digit) that no registry knows."""
        rng = random.Random(f"unknown-person-{self.seed}-{index}")
        while True:
            number = _new_personal_number(rng)
            if number not in self.persons:
                return number

    def unknown_registration_number(self, index: int = 0) -> str:
        rng = random.Random(f"unknown-business-{self.seed}-{index}")
        while True:
            number = f"{rng.randint(100_000_000, 799_999_999)}"
            if number not in self.businesses:
                return number

    def unknown_parcel(self, index: int = 0) -> tuple[str, str]:
        """A well-formed (zone, parcel number) the cadastre does not hold."""
        zone, _ = sorted(self.parcels)[index % len(self.parcels)]
        number = 90000 + index
        while (zone, str(number)) in self.parcels:
            number += 1
        return zone, str(number)

    def municipality_codes(self) -> frozenset[str]:
        return frozenset(p.municipality_code for p in self.persons.values())


def build_seed(seed: int = DEFAULT_SEED, persons: int = DEFAULT_PERSONS) -> SeedData:
    """Build the whole data set; the same arguments give the same data."""
    rng = random.Random(seed)
    people = _build_persons(rng, persons)
    _marry(rng, people)
    businesses = _build_businesses(rng, people, max(20, persons * 3 // 10))
    parcels = _build_parcels(rng, people, businesses, persons)
    data = SeedData(
        seed=seed,
        persons={p.personal_number: p for p in people},
        businesses={b.registration_number: b for b in businesses},
        parcels={p.key: p for p in parcels},
    )
    _index(data)
    return data


# ---- persons -----------------------------------------------------------------------------------


def _new_personal_number(rng: random.Random) -> str:
    first_nine = f"{rng.randint(1, 8)}{rng.randint(0, 99_999_999):08d}"
    return f"{first_nine}{personal_number_check_digit(first_nine)}"


def _pick_weighted(rng: random.Random, items: tuple[tuple[T, float], ...]) -> T:
    cumulative = list(accumulate(w for _, w in items))
    return items[bisect(cumulative, rng.random() * cumulative[-1])][0]


def _random_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _age(person: Person, on: date = REFERENCE_DATE) -> int:
    born = person.date_of_birth
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _municipality_counts(total: int) -> dict[str, int]:
    """Share `total` persons out by population, with at least a few in every municipality."""
    floor = max(3, total // 250)
    weights = {m.code: m.population_weight for m in MUNICIPALITIES}
    spare = total - floor * len(weights)
    weight_sum = sum(weights.values())
    counts = {code: floor + spare * w // weight_sum for code, w in weights.items()}
    counts["19"] += total - sum(counts.values())
    return counts


def _address(rng: random.Random, municipality: Municipality, settlement: str) -> Address:
    street = rng.choice(streets_for(municipality))
    number = str(rng.randint(1, 180))
    if rng.random() < 0.05:
        number += rng.choice("ABC")
    return Address(
        street=street,
        house_number=number,
        settlement=settlement,
        postal_code=municipality.postal_code,
        municipality_code=municipality.code,
    )


def _build_persons(rng: random.Random, total: int) -> list[Person]:
    weights = tuple((m, float(m.population_weight)) for m in MUNICIPALITIES)
    used: set[str] = set()
    registrations: defaultdict[tuple[str, int], int] = defaultdict(int)
    people: list[Person] = []
    for code, count in _municipality_counts(total).items():
        municipality = MUNICIPALITY_BY_CODE[code]
        for _ in range(count):
            number = _new_personal_number(rng)
            while number in used:
                number = _new_personal_number(rng)
            used.add(number)
            community = _pick_weighted(rng, municipality.communities)
            pool = NAME_POOLS[community]
            sex = rng.choice("MF")
            first = rng.choice(pool.male if sex == "M" else pool.female)
            family = rng.choice(pool.family)
            age_days = int(rng.triangular(0, 95, 24) * 365.25)
            born = REFERENCE_DATE - timedelta(days=age_days + 1)
            birthplace = municipality if rng.random() < 0.85 else _pick_weighted(rng, weights)
            registrations[(birthplace.code, born.year)] += 1
            seq = registrations[(birthplace.code, born.year)]
            registered_on = min(born + timedelta(days=rng.randint(1, 30)), REFERENCE_DATE)
            death_chance = 0.004 + (age_days / 365.25) / 95 * 0.12
            died = (
                _random_date(rng, born + timedelta(days=1), REFERENCE_DATE)
                if rng.random() < death_chance
                else None
            )
            settlement = rng.choice(municipality.settlements)
            adult_from = _years_after(born, 18)
            since = (
                born
                if rng.random() < 0.4 or adult_from > REFERENCE_DATE
                else _random_date(rng, adult_from, REFERENCE_DATE)
            )
            people.append(
                Person(
                    personal_number=number,
                    first_name=first,
                    last_name=family,
                    birth_last_name=family,
                    father_name=rng.choice(pool.male),
                    mother_name=rng.choice(pool.female),
                    sex=sex,
                    date_of_birth=born,
                    place_of_birth=rng.choice(birthplace.settlements),
                    birth_municipality_code=birthplace.code,
                    birth_registration_number=f"L-{birthplace.code}-{born.year}-{seq:05d}",
                    birth_registered_on=registered_on,
                    citizenship="XK",
                    status="deceased" if died else "alive",
                    date_of_death=died,
                    address=_address(rng, municipality, settlement),
                    residence_since=since,
                    community=community,
                )
            )
    return people


def _marry(rng: random.Random, people: list[Person]) -> None:
    """Pair adults within municipality and community; set the others' marital status."""
    groups: defaultdict[tuple[str, str, str], list[Person]] = defaultdict(list)
    for person in people:
        if person.alive and _age(person) >= 20:
            groups[(person.municipality_code, person.community, person.sex)].append(person)
    registrations: defaultdict[tuple[str, int], int] = defaultdict(int)
    for (code, community, sex), men in sorted(groups.items()):
        if sex != "M":
            continue
        women = groups.get((code, community, "F"), [])
        pairs = int(min(len(men), len(women)) * 0.62)
        for husband, wife in zip(
            rng.sample(men, len(men))[:pairs], rng.sample(women, len(women))[:pairs], strict=True
        ):
            earliest = _years_after(max(husband.date_of_birth, wife.date_of_birth), 19)
            married_on = _random_date(
                rng, earliest, min(_years_after(earliest, 15), REFERENCE_DATE)
            )
            registrations[(code, married_on.year)] += 1
            reg = f"M-{code}-{married_on.year}-{registrations[(code, married_on.year)]:05d}"
            if rng.random() < 0.7:
                wife.last_name = husband.last_name
            wife.address = husband.address
            wife.residence_since = max(wife.residence_since, married_on)
            husband.marital_status = wife.marital_status = "married"
            husband.marriage = Marriage(wife.personal_number, wife.full_name, married_on, code, reg)
            wife.marriage = Marriage(
                husband.personal_number, husband.full_name, married_on, code, reg
            )
    for person in people:
        if person.marriage is not None:
            continue
        age = _age(person, person.date_of_death or REFERENCE_DATE)
        draw = rng.random()
        if age >= 60 and draw < 0.45:
            person.marital_status = "widowed"
        elif age >= 25 and draw < 0.12:
            person.marital_status = "divorced"


# ---- businesses --------------------------------------------------------------------------------


def _trade_word(rng: random.Random, municipality: Municipality) -> str:
    if municipality.code == "32":
        return rng.choice(vocab.TRADE_WORDS_TR)
    if municipality.serb_majority:
        return rng.choice(vocab.TRADE_WORDS_SR)
    return rng.choice(vocab.TRADE_WORDS_SQ)


def _split_percent(parts: int) -> list[Decimal]:
    share = (Decimal(100) / parts).quantize(Decimal("0.01"))
    shares = [share] * parts
    shares[-1] = Decimal(100) - share * (parts - 1)
    return shares


_OWNER_COUNTS = {
    "individual": (1, 1),
    "llc": (1, 3),
    "general_partnership": (2, 3),
    "limited_partnership": (2, 2),
    "jsc": (3, 5),
    "foreign_branch": (0, 0),
    "agricultural_cooperative": (5, 7),
}
_CAPITAL = {
    "llc": (1, 100, 500, 1000, 2000, 5000, 10000, 25000, 50000),
    "jsc": (25000, 50000, 100000, 250000, 1000000),
    "agricultural_cooperative": (500, 1000, 2500, 5000),
}


def _build_businesses(rng: random.Random, people: list[Person], count: int) -> list[Business]:
    candidates = [p for p in people if p.alive and _age(p) >= 20]
    by_municipality: defaultdict[str, list[Person]] = defaultdict(list)
    for person in candidates:
        by_municipality[person.municipality_code].append(person)
    used: set[str] = set()
    businesses: list[Business] = []
    for _ in range(count):
        form = _pick_weighted(rng, vocab.LEGAL_FORM_WEIGHTS)
        founder = rng.choice(candidates)
        municipality = MUNICIPALITY_BY_CODE[
            founder.municipality_code if rng.random() < 0.85 else rng.choice(MUNICIPALITIES).code
        ]
        low, high = _OWNER_COUNTS[form]
        local = by_municipality[founder.municipality_code]
        owners_people = [founder] if high else []
        while len(owners_people) < rng.randint(low, high):
            extra = rng.choice(local if len(local) > high else candidates)
            if extra not in owners_people:
                owners_people.append(extra)
        shares = _split_percent(len(owners_people)) if owners_people else []
        if form == "limited_partnership":
            shares = [Decimal("60.00"), Decimal("40.00")]
        number = f"{rng.randint(810_000_000, 811_999_999)}"
        while number in used:
            number = f"{rng.randint(810_000_000, 811_999_999)}"
        used.add(number)
        adult_from = _years_after(founder.date_of_birth, 18)
        registered_on = _random_date(rng, max(BUSINESS_REGISTRY_OPENED, adult_from), REFERENCE_DATE)
        pool = (
            vocab.AGRICULTURAL_ACTIVITIES
            if form == "agricultural_cooperative"
            else vocab.NACE_ACTIVITIES
        )
        chosen = rng.sample(pool, rng.randint(1, 3))
        activities = [Activity(code, text, i == 0) for i, (code, text) in enumerate(chosen)]
        word = _trade_word(rng, municipality)
        if form == "foreign_branch":
            word = rng.choice(vocab.FOREIGN_PARENTS)
        capital_choices = _CAPITAL.get(form)
        business = Business(
            registration_number=number,
            name=vocab.business_name(form, word, founder.full_name),
            legal_form=form,
            status=_pick_weighted(rng, (("active", 0.80), ("suspended", 0.06), ("closed", 0.14))),
            registered_on=registered_on,
            capital=Decimal(rng.choice(capital_choices)) if capital_choices else None,
            activities=activities,
            address=_address(rng, municipality, rng.choice(municipality.settlements)),
            owners=[
                BusinessOwner(p.personal_number, p.full_name, s)
                for p, s in zip(owners_people, shares, strict=True)
            ],
        )
        business.authorised_persons = _authorised(rng, form, owners_people, local or candidates)
        businesses.append(business)
    return businesses


def _authorised(
    rng: random.Random, form: str, owners: list[Person], local: list[Person]
) -> list[AuthorisedPerson]:
    if form == "individual":
        return [
            AuthorisedPerson(
                owners[0].personal_number, owners[0].full_name, "authorised representative"
            )
        ]
    if form == "foreign_branch":
        manager = rng.choice(local)
        return [AuthorisedPerson(manager.personal_number, manager.full_name, "branch manager")]
    if form == "agricultural_cooperative":
        return [
            AuthorisedPerson(
                owners[0].personal_number, owners[0].full_name, "chair of the cooperative"
            )
        ]
    director = owners[0] if rng.random() < 0.6 else rng.choice(local)
    result = [AuthorisedPerson(director.personal_number, director.full_name, "director")]
    if form == "jsc" or rng.random() < 0.15:
        deputy = rng.choice(local)
        if deputy is not director:
            result.append(
                AuthorisedPerson(
                    deputy.personal_number, deputy.full_name, "authorised representative"
                )
            )
    return result


# ---- parcels -----------------------------------------------------------------------------------

_LAND_USES = (
    ("residential", 0.36),
    ("agricultural", 0.40),
    ("forest", 0.11),
    ("commercial", 0.09),
    ("industrial", 0.04),
)
_AREAS = {
    "residential": (180, 1500),
    "agricultural": (800, 25000),
    "forest": (2000, 60000),
    "commercial": (150, 3000),
    "industrial": (1000, 20000),
}
_SHARES = {
    1: ((1, 1),),
    2: ((1, 2), (1, 2)),
    3: ((1, 3), (1, 3), (1, 3)),
    4: ((1, 4), (1, 4), (1, 4), (1, 4)),
}


def _build_parcels(
    rng: random.Random, people: list[Person], businesses: list[Business], total_persons: int
) -> list[Parcel]:
    adults = [p for p in people if _age(p) >= 18]
    landowners = [p for p in adults if rng.random() < 0.72]
    owners_by_municipality: defaultdict[str, list[Person]] = defaultdict(list)
    for person in landowners:
        owners_by_municipality[person.municipality_code].append(person)
    businesses_by_municipality: defaultdict[str, list[Business]] = defaultdict(list)
    for business in businesses:
        businesses_by_municipality[business.municipality_code].append(business)
    counts = _municipality_counts(total_persons * 6 // 5)
    parcels: list[Parcel] = []
    for municipality in MUNICIPALITIES:
        zones = [
            (f"{municipality.code}{i + 1:04d}", name)
            for i, name in enumerate(municipality.settlements)
        ]
        next_number = dict.fromkeys((z for z, _ in zones), 0)
        local_owners = owners_by_municipality[municipality.code] or landowners
        for _ in range(counts[municipality.code]):
            zone, zone_name = rng.choice(zones)
            next_number[zone] += rng.randint(1, 40)
            number = str(next_number[zone])
            if rng.random() < 0.12:
                number += f"-{rng.randint(1, 6)}"
            land_use = _pick_weighted(rng, _LAND_USES)
            low, high = _AREAS[land_use]
            address = None
            if land_use in ("residential", "commercial"):
                street = rng.choice(streets_for(municipality))
                address = f"{street} {rng.randint(1, 180)}, {zone_name}"
            parcel = Parcel(
                zone,
                zone_name,
                number,
                municipality.code,
                float(rng.randint(low, high)),
                land_use,
                address,
            )
            parcel.owners = _parcel_owners(
                rng, parcel, local_owners, landowners, businesses_by_municipality[municipality.code]
            )
            parcel.encumbrances = _encumbrances(rng, parcel, municipality, landowners)
            parcels.append(parcel)
    return parcels


def _parcel_owners(
    rng: random.Random,
    parcel: Parcel,
    local: list[Person],
    everyone: list[Person],
    businesses: list[Business],
) -> list[ParcelOwner]:
    if businesses and parcel.land_use in ("commercial", "industrial") and rng.random() < 0.45:
        company = rng.choice(businesses)
        return [ParcelOwner(None, company.registration_number, company.name, 1, 1, "ownership")]
    count = _pick_weighted(rng, ((1, 0.70), (2, 0.18), (3, 0.08), (4, 0.04)))
    chosen: list[Person] = []
    while len(chosen) < count:
        candidate = rng.choice(local if rng.random() < 0.88 else everyone)
        if candidate not in chosen:
            chosen.append(candidate)
    shares = _SHARES[count]
    if count == 2 and rng.random() < 0.3:
        shares = ((1, 3), (2, 3))
    right = "co-ownership"
    if count == 1:
        right = "possession" if rng.random() < 0.05 else "ownership"
    return [
        ParcelOwner(p.personal_number, None, p.full_name, num, den, right)
        for p, (num, den) in zip(chosen, shares, strict=True)
    ]


def _encumbrances(
    rng: random.Random, parcel: Parcel, municipality: Municipality, people: list[Person]
) -> list[Encumbrance]:
    if rng.random() >= 0.13:
        return []
    result = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        kind = _pick_weighted(
            rng, (("mortgage", 0.5), ("dispute", 0.2), ("easement", 0.2), ("pre-emption", 0.1))
        )
        registered = _random_date(rng, date(2005, 1, 1), REFERENCE_DATE)
        if kind == "mortgage":
            amount = Decimal(rng.randint(10, 500) * 500)
            result.append(
                Encumbrance(
                    kind,
                    registered,
                    rng.choice(vocab.BANKS),
                    f"Hipotekë për sigurimin e kredisë nr. "
                    f"{rng.randint(1000, 99999)}/{registered.year}",
                    amount,
                )
            )
        elif kind == "dispute":
            court = BASIC_COURTS[municipality.court_city]
            result.append(
                Encumbrance(
                    kind,
                    registered,
                    court,
                    f"Kontest pronësor në procedurë, lënda C.nr. "
                    f"{rng.randint(1, 3000)}/{registered.year}",
                )
            )
        elif kind == "easement":
            neighbour = rng.choice(people)
            result.append(
                Encumbrance(
                    kind,
                    registered,
                    neighbour.full_name,
                    f"E drejtë kalimi në favor të parcelës nr. "
                    f"{rng.randint(1, 4000)}, zona {parcel.cadastral_zone_name}",
                )
            )
        else:
            neighbour = rng.choice(people)
            result.append(
                Encumbrance(
                    kind,
                    registered,
                    neighbour.full_name,
                    "E drejtë e parablerjes së pronarit të tokës kufitare",
                )
            )
    return result


def _index(data: SeedData) -> None:
    possessions: defaultdict[str, list[tuple[Parcel, ParcelOwner]]] = defaultdict(list)
    for key in sorted(data.parcels):
        parcel = data.parcels[key]
        for owner in parcel.owners:
            if owner.personal_number:
                possessions[owner.personal_number].append((parcel, owner))
    roles: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for number in sorted(data.businesses):
        business = data.businesses[number]
        for person in business.authorised_persons:
            roles[person.personal_number][number] = "authorised"
        for holder in business.owners:
            roles[holder.personal_number][number] = "owner"
    data.possessions = dict(possessions)
    data.business_roles = {
        pn: [(data.businesses[n], role) for n, role in sorted(held.items())]
        for pn, held in roles.items()
    }
