"""Tax Administration of Kosovo (ATK) REST answers -> canonical tax-clearance records.

The OpenAPI file (``wsdl/tax-administration.openapi.yaml``) names the one operation and the
engine has validated each answer against its schema, so the mapper reads required keys
directly. A 404 (a business that is not registered as a taxpayer) is "not found"; a taxpayer
that owes nothing is a real answer with an empty ``outstanding`` list.
"""

from __future__ import annotations

from decimal import Decimal

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.records import TaxClearance, UnpaidObligation


def _clearance(answer: JsonObject) -> TaxClearance:
    return TaxClearance(
        business_number=answer["businessNumber"],
        fiscal_number=answer["fiscalNumber"],
        taxpayer_name=answer["taxpayerName"],
        assessed_on=answer["assessedOn"],
        outstanding=tuple(
            UnpaidObligation(
                tax_type=item["taxType"],
                period=item["period"],
                # Through str: a JSON float such as 0.1 must become Decimal("0.1"), not its
                # binary neighbour.
                amount_eur=Decimal(str(item["amountEur"])),
                due_on=item["dueOn"],
            )
            for item in answer["outstanding"]
        ),
    )


MAPPING = RestMapping(records={"getTaxClearance": RecordMapper(TaxClearance, _clearance)})
