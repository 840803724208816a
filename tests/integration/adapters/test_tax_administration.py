"""The ATK adapter against the sandbox tax administration, over real HTTP."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from adapters.errors import RegistryNotFound, RegistryUnavailable
from contracts.records import TaxClearance
from tests.fixtures.sandbox import RunningSandbox

from .registries import call_once, client


def ask(sandbox: RunningSandbox, number: str, **policy: object) -> TaxClearance:
    record = asyncio.run(
        call_once(client(sandbox, "tax", **policy), "getTaxClearance", businessNumber=number)
    )
    assert isinstance(record, TaxClearance)
    return record


def test_a_business_that_owes_tax_is_read_with_every_unpaid_obligation(
    sandbox: RunningSandbox,
) -> None:
    _, business = sandbox.tax.business_owner(owes_tax=True)
    expected = sandbox.tax.taxpayers[business.registration_number]

    record = ask(sandbox, business.registration_number)

    assert not record.cleared
    assert record.fiscal_number == expected.fiscal_number
    assert [(o.tax_type, o.period, o.amount_eur) for o in record.outstanding] == [
        (o.tax_type, o.period, Decimal(o.amount_eur)) for o in expected.outstanding
    ]


def test_a_business_that_owes_nothing_is_cleared(sandbox: RunningSandbox) -> None:
    _, business = sandbox.tax.business_owner(owes_tax=False)

    record = ask(sandbox, business.registration_number)

    assert record.cleared
    assert record.taxpayer_name == business.name


def test_a_business_atk_does_not_know_is_not_found(sandbox: RunningSandbox) -> None:
    with pytest.raises(RegistryNotFound):
        ask(sandbox, sandbox.seed.unknown_registration_number())


def test_atk_down_is_unavailable_after_the_retries(sandbox_reset: RunningSandbox) -> None:
    _, business = sandbox_reset.tax.business_owner(owes_tax=False)
    sandbox_reset.set_faults("tax", down="refuse")

    with pytest.raises(RegistryUnavailable) as failed:
        ask(sandbox_reset, business.registration_number, retries=2)

    assert failed.value.code == "registry.tax.unavailable"
