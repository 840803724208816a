"""Spatial-planning register answers -> canonical urban plan records."""

from __future__ import annotations

from adapters.operations import RecordMapper
from adapters.rest import JsonObject, RestMapping
from contracts.catalogue import LocalizedText
from contracts.open_records import PlanDocument, UrbanPlan, UrbanPlans


def _plan(plan: JsonObject) -> UrbanPlan:
    review = plan.get("publicReview") or {}
    return UrbanPlan(
        plan_id=plan["planId"],
        municipality_code=plan["municipalityCode"],
        kind=plan["kind"],
        name=LocalizedText(**plan["name"]),
        status=plan["status"],
        public_review_from=review.get("from"),
        public_review_until=review.get("until"),
        approved_on=plan.get("approvedOn"),
        valid_until=plan.get("validUntil"),
        documents=tuple(
            PlanDocument(
                title=document["title"],
                url=document["url"],
                media_type=document["mediaType"],
                published_on=document["publishedOn"],
            )
            for document in plan["documents"]
        ),
        boundary=dict(plan["boundary"]),
    )


def _plans(answer: JsonObject) -> UrbanPlans:
    return UrbanPlans(
        municipality_code=answer["municipalityCode"],
        updated_at=answer["updatedAt"],
        plans=tuple(_plan(plan) for plan in answer["plans"]),
    )


MAPPING = RestMapping(records={"listPlans": RecordMapper(UrbanPlans, _plans)})
