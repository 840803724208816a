"""ATK's ledger agrees with the business registry's seed and is the same in every process."""

from collections import Counter

import pytest

from sandbox.seed import SeedData, build_seed
from sandbox.tax_seed import ASSESSED_ON, TaxSeed, build_tax_seed


@pytest.fixture(scope="module")
def data() -> SeedData:
    return build_seed(persons=1500)


@pytest.fixture(scope="module")
def tax(data: SeedData) -> TaxSeed:
    return build_tax_seed(data)


def test_every_business_is_a_taxpayer_under_its_number_and_name(
    data: SeedData, tax: TaxSeed
) -> None:
    assert set(tax.taxpayers) == set(data.businesses)
    assert all(tax.taxpayers[n].name == b.name for n, b in data.businesses.items())
    fiscal = [t.fiscal_number for t in tax.taxpayers.values()]
    assert len(set(fiscal)) == len(fiscal)
    assert all(len(f) == 9 and f.isdigit() and f not in data.businesses for f in fiscal)


def test_the_same_seed_gives_the_same_ledger_in_another_process(tax: TaxSeed) -> None:
    again = build_tax_seed(build_seed(persons=1500))
    other = build_tax_seed(build_seed(seed=7, persons=1500))

    assert again.taxpayers == tax.taxpayers
    assert other.taxpayers != tax.taxpayers


def test_some_active_businesses_owe_tax_and_most_do_not(data: SeedData, tax: TaxSeed) -> None:
    owing = Counter(
        (business.status, bool(tax.taxpayers[number].outstanding))
        for number, business in data.businesses.items()
    )
    active = owing["active", True] + owing["active", False]
    assert 0.1 < owing["active", True] / active < 0.3
    assert owing["suspended", True] + owing["closed", True] > 0


def test_an_owed_obligation_was_due_before_the_ledger_was_closed(tax: TaxSeed) -> None:
    obligations = [o for t in tax.taxpayers.values() for o in t.outstanding]
    assert obligations
    assert all(o.due_on < ASSESSED_ON and o.amount_eur > 0 for o in obligations)


def test_the_pickers_give_owners_of_active_businesses_on_either_side(tax: TaxSeed) -> None:
    for owes_tax in (True, False):
        person, business = tax.business_owner(owes_tax=owes_tax, index=3)
        assert business.status == "active"
        assert person.alive
        assert person.personal_number in {o.personal_number for o in business.owners}
        assert bool(tax.taxpayers[business.registration_number].outstanding) is owes_tax
