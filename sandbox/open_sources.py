"""The transparency sources as servers: treasury, procurement, urban planning, ministry permits.

Each source is an aiohttp application on its own port and in its own process, beside the
three registries and started by the same launcher (``sandbox.launcher``). They share the
registries' machinery: the fault knobs and the admin API (``/_sandbox/faults`` ...) on the
public port and on a second admin port, the ``down`` middleware, the trickle, the hostile and
malformed answers. Each also serves its OpenAPI file at ``/openapi.yaml`` and has change knobs
under ``/_sandbox/<source>/`` that tests use to make the data move.
"""

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.answers import Answer
from sandbox.contract_files import WSDL_DIR
from sandbox.faults import JSON_HOSTILE_KINDS, FaultKnobs, FaultState
from sandbox.hostile import hostile_json
from sandbox.http_app import (
    ADMIN_PREFIX,
    FaultControl,
    add_admin_routes,
    down_middleware,
    run_operation,
)
from sandbox.ministry_permits import MinistryPermits
from sandbox.open_answers import unavailable
from sandbox.open_seed import OpenSeed, build_open_seed
from sandbox.procurement import Procurement
from sandbox.seed import SeedData
from sandbox.server import ServerAddress
from sandbox.treasury import Treasury
from sandbox.urban_planning import UrbanPlanning

OPEN_SOURCES = ("treasury", "procurement", "urban_planning", "ministry_permits")
CONTRACTS = {
    "treasury": WSDL_DIR / "treasury.openapi.yaml",
    "procurement": WSDL_DIR / "procurement.openapi.yaml",
    "urban_planning": WSDL_DIR / "urban-planning.openapi.yaml",
    "ministry_permits": WSDL_DIR / "ministry-permits.openapi.yaml",
}
PORT_OFFSETS = {"treasury": 4, "procurement": 5, "urban_planning": 6, "ministry_permits": 7}
"""Public port = port base + offset; admin port = port base + 10 + offset (as the registries)."""

Handler = Callable[[web.Request], Any]


class SourceFlavour:
    """How a JSON source says "unavailable" and how it turns hostile."""

    def __init__(self, source: str) -> None:
        self._source = source

    def unavailable(self) -> Answer:
        return unavailable(self._source)

    def hostile(self, answer: Answer, kind: str, canary_url: str) -> Answer:
        return hostile_json(answer)


def describe_open_source(address: ServerAddress) -> str:
    """The launcher's line for a started source (read by people and test fixtures)."""
    origin = f"http://{address.host}:{address.port}"
    admin = f"http://{address.host}:{address.admin_port}/_sandbox"
    return f"{address.registry} url={origin} openapi={origin}/openapi.yaml admin={admin}"


def _operation(control: FaultControl, produce: Callable[[web.Request], Answer]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await run_operation(request, control, lambda: produce(request))

    return handler


def _change(apply: Callable[[web.Request, Any], Answer]) -> Handler:
    """An admin change knob: JSON in, the changed document (or a problem) out."""

    async def handler(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        answer = apply(request, body)
        return web.Response(
            status=answer.status, body=answer.body, headers={"Content-Type": answer.content_type}
        )

    return handler


def _routes(name: str, data: OpenSeed, control: FaultControl, app: web.Application) -> None:
    router = app.router
    admin = f"{ADMIN_PREFIX}{name.replace('_', '-')}"
    if name == "treasury":
        treasury = Treasury(data)
        router.add_get("/v1/fiscal-years", _operation(control, lambda r: treasury.fiscal_years()))
        router.add_get(
            "/v1/municipalities/{code}/budget/{year}",
            _operation(
                control, lambda r: treasury.budget(r.match_info["code"], r.match_info["year"])
            ),
        )
        router.add_get(
            "/v1/municipalities/{code}/own-revenues/{year}",
            _operation(
                control, lambda r: treasury.own_revenues(r.match_info["code"], r.match_info["year"])
            ),
        )
        router.add_put(f"{admin}/execution", _change(lambda r, b: treasury.set_execution(b)))
    elif name == "procurement":
        procurement = Procurement(data)
        router.add_get("/v1/years", _operation(control, lambda r: procurement.years()))
        router.add_get(
            "/v1/municipalities/{code}/release-packages/{year}",
            _operation(
                control,
                lambda r: procurement.release_package(r.match_info["code"], r.match_info["year"]),
            ),
        )
        router.add_post(f"{admin}/payments", _change(lambda r, b: procurement.record_payment(b)))
    elif name == "urban_planning":
        planning = UrbanPlanning(data)
        router.add_get(
            "/v1/municipalities/{code}/plans",
            _operation(control, lambda r: planning.plans(r.match_info["code"])),
        )
        router.add_put(
            f"{admin}/plans/{{plan_id}}",
            _change(lambda r, b: planning.set_status(r.match_info["plan_id"], b)),
        )
    elif name == "ministry_permits":
        permits = MinistryPermits(data)
        router.add_get("/v1/years", _operation(control, lambda r: permits.years()))
        router.add_get(
            "/v1/permits/{year}",
            _operation(control, lambda r: permits.permits(r.match_info["year"])),
        )
    else:
        raise ValueError(f"unknown source {name!r}; expected one of {OPEN_SOURCES}")


def build_open_source_app(
    name: str, data: OpenSeed, knobs: FaultKnobs | None = None
) -> tuple[web.Application, FaultControl]:
    """The public application of one source and the fault control its admin shares."""
    if name not in OPEN_SOURCES:
        raise ValueError(f"unknown source {name!r}; expected one of {OPEN_SOURCES}")
    control = FaultControl(name, FaultState(JSON_HOSTILE_KINDS, knobs), SourceFlavour(name))
    app = web.Application(middlewares=[down_middleware(control)])
    _routes(name, data, control, app)
    contract = CONTRACTS[name].read_bytes()

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(
            body=contract, headers={"Content-Type": "application/yaml; charset=utf-8"}
        )

    app.router.add_get("/openapi.yaml", openapi)
    add_admin_routes(app, control)
    return app, control


def build_open_source_server(
    name: str, data: SeedData, knobs: FaultKnobs | None = None
) -> tuple[web.Application, FaultControl]:
    """``build_open_source_app`` over the open seed derived from the registries' seed."""
    return build_open_source_app(name, build_open_seed(data), knobs)
