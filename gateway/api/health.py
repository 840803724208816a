"""``/health`` (the process is alive) and ``/ready`` (it can serve requests now).

A load balancer takes an instance out of rotation on a failing ``/ready``; the broker being
down does not make the gateway unready, since async requests wait in the outbox, but it is
reported so that operators see it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.deps import GatewayDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Component(BaseModel):
    name: str
    ready: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    components: list[Component]


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def ready(gateway: GatewayDep) -> JSONResponse:
    """Each component's readiness; 503 when one the gateway cannot serve without is down."""
    reports = await gateway.readiness()
    body = Readiness(
        ready=all(r.ready for r in reports),
        components=[Component(name=r.name, ready=r.ready, detail=r.detail) for r in reports],
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)
