"""The HTTP application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.api import acts as acts_api
from gateway.api import assembly as assembly_api
from gateway.api import catalogue, dashboard, health, ops, requests
from gateway.api import complaints as complaints_api
from gateway.api import data_usage as data_usage_api
from gateway.api import hearings as hearings_api
from gateway.api import metrics as metrics_api
from gateway.api import open311 as open311_api
from gateway.api import participation as participation_api
from gateway.api.admission import Admission
from gateway.api.front_door import FrontDoorMiddleware
from gateway.api.open_data import install_open_data
from gateway.api.problems import (
    document_input_refusals,
    install_problem_handlers,
    problem_responses,
)
from gateway.bootstrap import Gateway, bootstrap
from gateway.features import start_workers, stop_workers
from gateway.logging import configure_logging
from gateway.ops.live_log import attach as attach_live_log
from gateway.settings import Settings

DESCRIPTION = """\
The eKomunat Gateway connects the e-Kosova portal with the state registries and the
municipal back-offices of Kosovo's 38 municipalities. Every refusal is an RFC 9457 problem
document (`application/problem+json`) with a stable `code` and a title in Albanian, Serbian
or English.
"""


# Every route admission may refuse documents the 503; the requests and open-data routes
# list it already (a registry or a source may be unavailable).
OVERLOAD_RESPONSES = problem_responses(503)


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (the handler's name) for client generators and schemathesis."""
    return route.name


def create_app(settings: Settings | None = None, *, gateway: Gateway | None = None) -> FastAPI:
    """Build the app; bootstrap runs in the lifespan, so importing this module does nothing."""
    settings = settings or Settings()
    configure_logging(settings)
    admission = Admission(limit=settings.max_in_flight)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        running = gateway or bootstrap(settings)
        detach_live_log = attach_live_log(running.live_log, running.metrics)
        running.metrics.in_flight.set_function(lambda: admission.in_flight)
        # The workers live exactly as long as the app serves: bootstrap starts none.
        start_workers(running)
        try:
            yield {"gateway": running}
        finally:
            await asyncio.to_thread(stop_workers, running)
            detach_live_log()
            await running.close()

    app = FastAPI(
        title="eKomunat Gateway",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    install_problem_handlers(app)
    document_input_refusals(app)
    # One middleware: every request gets its id (and its access line) before the header
    # bounds and admission decide, so a refusal can be traced like any other answer.
    app.add_middleware(
        FrontDoorMiddleware,
        admission=admission,
        max_headers=settings.max_headers,
        max_header_bytes=settings.max_header_bytes,
        refusers={"/open311": open311_api.overloaded},
    )
    # Starlette tries the routes one by one, in this order: the busiest come first (matching
    # the ~100 routes before the open-data ones was a quarter of a cached feed page's CPU).
    app.include_router(health.router)
    app.include_router(requests.router)
    install_open_data(app)
    for router in (
        catalogue.router,
        acts_api.router,
        hearings_api.router,
        assembly_api.router,
        assembly_api.open_router,
        participation_api.router,
        complaints_api.router,
        data_usage_api.router,
        data_usage_api.open_router,
    ):
        app.include_router(router, responses=OVERLOAD_RESPONSES)
    app.include_router(open311_api.router)
    app.include_router(ops.session_router)
    app.include_router(ops.router)
    app.include_router(data_usage_api.ops_router)
    app.include_router(metrics_api.router)
    app.include_router(dashboard.router)
    return app
