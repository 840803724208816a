"""Treasury REST answers -> canonical budget and own-source revenue records.

The OpenAPI file (``wsdl/treasury.openapi.yaml``) names the operations and the engine has
validated each answer against its schema, so the mappers read required keys directly; the
records check what the schema cannot (one amount per reported month).
"""

from __future__ import annotations

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.catalogue import LocalizedText
from contracts.open_records import (
    BudgetLine,
    FiscalYears,
    MunicipalBudget,
    MunicipalRevenues,
    Programme,
    RevenueLine,
)


def _years(answer: JsonObject) -> FiscalYears:
    return FiscalYears(years=tuple(answer["years"]))


def _budget(answer: JsonObject) -> MunicipalBudget:
    return MunicipalBudget(
        municipality_code=answer["municipalityCode"],
        year=answer["year"],
        currency=answer["currency"],
        reported_through_month=answer["reportedThroughMonth"],
        updated_at=answer["updatedAt"],
        lines=tuple(
            BudgetLine(
                line_id=line["lineId"],
                programme=Programme(
                    code=line["programme"]["code"],
                    name=LocalizedText(**line["programme"]["name"]),
                ),
                economic_category=line["economicCategory"],
                approved=line["approved"],
                executed=tuple(line["executed"]),
            )
            for line in answer["lines"]
        ),
    )


def _revenues(answer: JsonObject) -> MunicipalRevenues:
    return MunicipalRevenues(
        municipality_code=answer["municipalityCode"],
        year=answer["year"],
        currency=answer["currency"],
        reported_through_month=answer["reportedThroughMonth"],
        updated_at=answer["updatedAt"],
        lines=tuple(
            RevenueLine(
                line_id=line["lineId"],
                source=line["source"],
                planned=line["planned"],
                collected=tuple(line["collected"]),
            )
            for line in answer["lines"]
        ),
    )


MAPPING = RestMapping(
    records={
        "getFiscalYears": RecordMapper(FiscalYears, _years),
        "getBudget": RecordMapper(MunicipalBudget, _budget),
        "getOwnRevenues": RecordMapper(MunicipalRevenues, _revenues),
    }
)
