"""The spatial-planning register simulator: each municipality's regulatory plans.

Answers wsdl/urban-planning.openapi.yaml: per municipality, its detailed and neighbourhood
regulatory plans with their stage (draft, public review, approved), validity, documents and
boundary as a GeoJSON polygon. ``set_status`` (admin API ``PUT
/_sandbox/urban-planning/plans/{planId}``) moves a plan to another stage.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.answers import Answer
from sandbox.open_answers import (
    MUNICIPALITY_PATTERN,
    bad_identifier,
    json_answer,
    not_found,
    problem,
)
from sandbox.open_seed import OpenSeed

SOURCE = "urban-planning"
STATUSES = ("draft", "public_review", "approved")
BASE_UPDATED_AT = "2026-10-30T12:00:00Z"


class UrbanPlanning:
    def __init__(self, data: OpenSeed) -> None:
        self._plans = data.plans
        self._updated: dict[str, str] = {}
        self._cache: dict[str, Answer] = {}

    def plans(self, municipality: str) -> Answer:
        answer = self._cache.get(municipality)
        if answer is None:
            if not MUNICIPALITY_PATTERN.fullmatch(municipality):
                answer = bad_identifier(SOURCE, "municipality code (two digits, 01-38)")
            elif municipality not in self._plans:
                answer = not_found(SOURCE, "plan register")
            else:
                answer = json_answer(
                    {
                        "municipalityCode": municipality,
                        "updatedAt": self._updated.get(municipality, BASE_UPDATED_AT),
                        "plans": self._plans[municipality],
                    }
                )
            self._cache[municipality] = answer
        return answer

    def set_status(self, plan_id: str, change: dict[str, Any]) -> Answer:
        """Admin: move a plan to ``status``; approving it starts a ten-year validity today."""
        status = change.get("status") if isinstance(change, dict) else None
        if status not in STATUSES:
            return problem(
                SOURCE, 422, "bad-change", "Bad change", "status: " + ", ".join(STATUSES)
            )
        municipality = plan_id.split("-")[0]
        plan = next((p for p in self._plans.get(municipality, []) if p["planId"] == plan_id), None)
        if plan is None:
            return not_found(SOURCE, "plan")
        today = date.today()
        plan["status"] = status
        if status == "public_review":
            plan["publicReview"] = {
                "from": today.isoformat(),
                "until": (today + timedelta(days=30)).isoformat(),
            }
        if status == "approved":
            plan["approvedOn"] = today.isoformat()
            plan["validUntil"] = today.replace(year=today.year + 10).isoformat()
        else:
            plan.pop("approvedOn", None)
            plan.pop("validUntil", None)
        stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._updated[municipality] = stamp
        self._cache.clear()
        return json_answer(plan)
