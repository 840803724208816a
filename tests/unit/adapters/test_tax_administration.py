"""The ATK mapping module: a validated tax-clearance answer becomes its canonical record."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from adapters.errors import RegistryBadResponse, RegistryRejected
from adapters.rest import RestContract, RestEngine
from adapters.tax_administration import MAPPING
from contracts.records import TaxClearance
from gateway.settings import REPO_ROOT
from tests.unit.adapters.canned import CannedTransport, json_answer

CONTRACT = REPO_ROOT / "wsdl" / "tax-administration.openapi.yaml"


def _answer(**changes: object) -> dict[str, object]:
    answer: dict[str, object] = {
        "businessNumber": "810002278",
        "fiscalNumber": "603353831",
        "taxpayerName": 'N.T.SH. "Bletë" - Hysen Maloku',
        "assessedOn": "2026-11-01",
        "outstanding": [
            {"taxType": "vat", "period": "2026-07", "amountEur": 0.1, "dueOn": "2026-08-20"},
            {
                "taxType": "corporate_income",
                "period": "2025",
                "amountEur": 1200,
                "dueOn": "2026-03-31",
            },
        ],
    }
    answer.update(changes)
    return answer


def build(answer: dict[str, object]) -> TaxClearance:
    record = MAPPING.records["getTaxClearance"].build(answer)
    assert isinstance(record, TaxClearance)
    return record


def test_an_answer_with_unpaid_obligations_is_a_record_that_is_not_cleared() -> None:
    record = build(_answer())

    assert record.business_number == "810002278"
    assert record.fiscal_number == "603353831"
    assert record.assessed_on == date(2026, 11, 1)
    assert [(o.tax_type, o.period) for o in record.outstanding] == [
        ("vat", "2026-07"),
        ("corporate_income", "2025"),
    ]
    assert record.outstanding[0].amount_eur == Decimal("0.1")
    assert record.outstanding[1].due_on == date(2026, 3, 31)
    assert not record.cleared


def test_an_answer_with_nothing_outstanding_is_a_clearance() -> None:
    assert build(_answer(outstanding=[])).cleared


@pytest.mark.parametrize(
    "changes",
    [
        {"fiscalNumber": "60335383"},
        {"businessNumber": "81000227X"},
        {"taxpayerName": ""},
        {
            "outstanding": [
                {"taxType": "vat", "period": "2026-13", "amountEur": 5, "dueOn": "2027-01-20"}
            ]
        },
        {
            "outstanding": [
                {"taxType": "excise", "period": "2026-01", "amountEur": 5, "dueOn": "2026-02-20"}
            ]
        },
    ],
)
def test_an_answer_the_record_cannot_hold_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        build(_answer(**changes))


def _engine(transport: CannedTransport) -> RestEngine:
    return RestEngine(
        "tax",
        contract=RestContract.load(CONTRACT),
        mapping=MAPPING,
        endpoint="http://atk.example",
        transport=transport,
    )


def test_the_engine_asks_by_business_number_and_maps_the_validated_answer() -> None:
    transport = CannedTransport([json_answer(json.dumps(_answer()))])

    record = asyncio.run(
        _engine(transport).invoke("getTaxClearance", {"businessNumber": "810002278"})
    )

    assert isinstance(record, TaxClearance)
    assert not record.cleared
    assert [sent.url for sent in transport.sent] == [
        "http://atk.example/v1/taxpayers/810002278/tax-clearance"
    ]


def test_an_answer_that_breaks_the_published_schema_is_a_bad_response() -> None:
    broken = _answer(outstanding=[{"taxType": "vat", "period": "2026-07", "amountEur": 0}])
    transport = CannedTransport([json_answer(json.dumps(broken))])

    with pytest.raises(RegistryBadResponse) as refused:
        asyncio.run(_engine(transport).invoke("getTaxClearance", {"businessNumber": "810002278"}))

    assert refused.value.code == "registry.tax.bad_response"


def test_a_malformed_business_number_is_never_sent() -> None:
    transport = CannedTransport([json_answer(json.dumps(_answer()))])

    with pytest.raises(RegistryRejected):
        asyncio.run(
            _engine(transport).invoke("getTaxClearance", {"businessNumber": "../810002278"})
        )

    assert transport.sent == []
