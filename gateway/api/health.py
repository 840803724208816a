"""``/health`` (the process is alive) and ``/ready`` (it can serve requests now).

A load balancer takes an instance out of rotation on a failing ``/ready``; the broker being
down does not make the gateway unready, since async requests wait in the outbox, but it is
reported so that operators see it. The open-data feeds are reported per source (``ready``,
``degraded`` with the age of the data served, ``not_ready`` while a source has never given
good data); they do not fail ``/ready`` either, since citizens' requests do not need them,
but they make the overall ``status`` ``degraded``.
"""

from __future__ import annotations

from typing import Literal, cast

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.api.deps import GatewayDep
from gateway.features import ReadinessReport

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


Status = Literal["ready", "degraded", "not_ready"]


class Source(BaseModel):
    """One transparency source behind the open-data feeds."""

    name: str
    status: Status
    detail: str
    age_s: float | None = Field(description="age of the oldest document served, in seconds")


class Component(BaseModel):
    name: str
    ready: bool
    status: Status
    required: bool = Field(description="whether /ready fails when this component is not ready")
    detail: str
    sources: list[Source] = Field(default_factory=list)


class Readiness(BaseModel):
    ready: bool
    status: Status = Field(
        description="not_ready when a required component is not ready; degraded when any "
        "other component is not ready or degraded"
    )
    components: list[Component]


def _component(report: ReadinessReport) -> Component:
    # A report's Readiness (a StrEnum) has exactly the values of Status.
    status = cast(Status, report.status or ("ready" if report.ready else "not_ready"))
    return Component(
        name=report.name,
        ready=report.ready,
        status=status,
        required=report.required,
        detail=report.detail,
        sources=[
            Source(name=s.name, status=cast(Status, s.status), detail=s.detail, age_s=s.age_s)
            for s in report.sources
        ],
    )


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def ready(gateway: GatewayDep) -> JSONResponse:
    """Each component's readiness; 503 when one the gateway cannot serve without is down."""
    components = [_component(report) for report in await gateway.readiness()]
    ready = all(c.ready for c in components if c.required)
    whole = all(c.status == "ready" for c in components)
    body = Readiness(
        ready=ready,
        status="not_ready" if not ready else "ready" if whole else "degraded",
        components=components,
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)
