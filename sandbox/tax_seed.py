"""The tax administration's (ATK) data, derived from the business registry's seed.

``build_tax_seed(data)`` gives every business of ``data`` (whatever its status) a taxpayer
record under the same business number, with its own fiscal number and the registry's name, so
the two simulators agree on who exists. About one active business in five, and more of the
suspended and closed ones, has unpaid tax. The draw uses its own random stream seeded from the
data's seed and walks the businesses in number order: the same seed gives the same ledger in
any process, and the business registry's own data does not move because ATK exists.
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sandbox.records import Business, Person
from sandbox.seed import REFERENCE_DATE, SeedData

ASSESSED_ON = REFERENCE_DATE
UNPAID_SHARE = {"active": 0.20, "suspended": 0.55, "closed": 0.35}
"""The chance that a business of each registry status owes tax."""
_TAX_TYPES = ("vat", "corporate_income", "personal_income", "pension_contributions")


@dataclass(frozen=True, slots=True)
class UnpaidObligation:
    tax_type: str
    period: str
    amount_eur: Decimal
    due_on: date


@dataclass(frozen=True, slots=True)
class Taxpayer:
    business_number: str
    fiscal_number: str
    name: str
    outstanding: tuple[UnpaidObligation, ...]


@dataclass(slots=True)
class TaxSeed:
    """Every taxpayer by business number, with pickers for tests."""

    registry: SeedData
    taxpayers: dict[str, Taxpayer]

    def business_owner(self, *, owes_tax: bool, index: int = 0) -> tuple[Person, Business]:
        """An alive owner of an active business that owes tax (or owes nothing), with it."""
        pairs = []
        for number in sorted(self.registry.businesses):
            business = self.registry.businesses[number]
            if business.status != "active" or bool(self.taxpayers[number].outstanding) != owes_tax:
                continue
            for owner in business.owners:
                person = self.registry.persons[owner.personal_number]
                if person.alive:
                    pairs.append((person, business))
        return pairs[index % len(pairs)]


def _months_before(day: date, months: int) -> tuple[int, int]:
    total = day.year * 12 + day.month - 1 - months
    return total // 12, total % 12 + 1


def _obligation(rng: random.Random) -> UnpaidObligation:
    tax_type = rng.choice(_TAX_TYPES)
    amount = Decimal(rng.randint(2_000, 1_800_000)) / 100
    if tax_type == "corporate_income":
        # Annual: the year's return and payment are due by the end of March of the next year.
        year = ASSESSED_ON.year - rng.randint(1, 3)
        return UnpaidObligation(tax_type, str(year), amount, date(year + 1, 3, 31))
    # Monthly: due on the 20th of the month after the period.
    year, month = _months_before(ASSESSED_ON, rng.randint(2, 30))
    due_year, due_month = _months_before(date(year, month, 1), -1)
    return UnpaidObligation(tax_type, f"{year}-{month:02d}", amount, date(due_year, due_month, 20))


def build_tax_seed(data: SeedData) -> TaxSeed:
    """ATK's ledger for the businesses of ``data``; the same data gives the same ledger."""
    rng = random.Random(f"tax-administration-{data.seed}")
    used: set[str] = set()
    taxpayers: dict[str, Taxpayer] = {}
    for number in sorted(data.businesses):
        business = data.businesses[number]
        fiscal = f"{rng.randint(600_000_000, 609_999_999)}"
        while fiscal in used:
            fiscal = f"{rng.randint(600_000_000, 609_999_999)}"
        used.add(fiscal)
        outstanding: tuple[UnpaidObligation, ...] = ()
        if rng.random() < UNPAID_SHARE[business.status]:
            drawn = {(o.tax_type, o.period): o for o in (_obligation(rng) for _ in range(3))}
            outstanding = tuple(
                sorted(drawn.values(), key=lambda o: (o.due_on, o.tax_type))[: rng.randint(1, 3)]
            )
        taxpayers[number] = Taxpayer(number, fiscal, business.name, outstanding)
    return TaxSeed(registry=data, taxpayers=taxpayers)
