"""aiohttp applications for the three sandbox registries, with their fault knobs and admin API.

Each registry gets one application on its public port. Its routes are the contract (SOAP endpoint
plus `?wsdl` and the XSD, or the cadastre's REST paths plus `/openapi.yaml`) and the admin API
under `/_sandbox/` (faults, stats, health, canary), which no fault knob ever touches. The same
admin API is also served alone on a second port, so a server that refuses connections on its
public port can still be switched back on.
"""

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from aiohttp import web
from pydantic import ValidationError

from sandbox import business_registry, cadastre, civil_registry, contract_files
from sandbox.answers import Answer
from sandbox.faults import JSON_HOSTILE_KINDS, SOAP_HOSTILE_KINDS, FaultKnobs, FaultState
from sandbox.hostile import hostile_json, hostile_xml, truncated
from sandbox.seed import SeedData
from sandbox.soap_service import SoapService

REGISTRIES = ("civil", "business", "cadastre")
ADMIN_PREFIX = "/_sandbox/"


class Flavour(Protocol):
    """How one registry answers when a knob says "unavailable" or "hostile"."""

    def unavailable(self) -> Answer: ...

    def hostile(self, answer: Answer, kind: str, canary_url: str) -> Answer: ...


class SoapFlavour:
    def __init__(self, service: SoapService) -> None:
        self._service = service

    def unavailable(self) -> Answer:
        return self._service.unavailable()

    def hostile(self, answer: Answer, kind: str, canary_url: str) -> Answer:
        return hostile_xml(answer, kind, canary_url)


class JsonFlavour:
    def unavailable(self) -> Answer:
        return cadastre.unavailable()

    def hostile(self, answer: Answer, kind: str, canary_url: str) -> Answer:
        return hostile_json(answer)


class FaultControl:
    """The knobs of one server, and who to tell when `down` changes."""

    def __init__(self, registry: str, state: FaultState, flavour: Flavour) -> None:
        self.registry = registry
        self.state = state
        self.flavour = flavour
        self.on_listening: Callable[[bool], Awaitable[None]] | None = None

    async def apply(self, knobs: FaultKnobs) -> None:
        self.state.replace(knobs)
        if self.on_listening is not None:
            await self.on_listening(knobs.down != "refuse")


# ---- answering ---------------------------------------------------------------------------------


async def send(request: web.Request, answer: Answer, knobs: FaultKnobs) -> web.StreamResponse:
    """Put an answer on the wire, trickled when the drip knob is on."""
    if knobs.drip_bytes <= 0:
        return web.Response(
            status=answer.status, body=answer.body, headers={"Content-Type": answer.content_type}
        )
    response = web.StreamResponse(
        status=answer.status, headers={"Content-Type": answer.content_type}
    )
    response.content_length = len(answer.body)
    await response.prepare(request)
    for start in range(0, len(answer.body), knobs.drip_bytes):
        await response.write(answer.body[start : start + knobs.drip_bytes])
        await asyncio.sleep(knobs.drip_interval_ms / 1000)
    await response.write_eof()
    return response


async def run_operation(
    request: web.Request, control: FaultControl, produce: Callable[[], Answer]
) -> web.StreamResponse:
    """Answer one contract operation, letting the fault knobs bend the answer."""
    state = control.state
    knobs = state.knobs
    state.count("operations")
    if knobs.latency_ms:
        await asyncio.sleep(knobs.latency_ms / 1000)
    if state.failures.fires(knobs.failure_rate):
        state.count("failures")
        answer = control.flavour.unavailable()
    else:
        answer = produce()
    if state.malformations.fires(knobs.malformed_rate):
        state.count("malformed")
        answer = truncated(answer)
    elif knobs.hostile is not None:
        state.count("hostile")
        answer = control.flavour.hostile(
            answer, knobs.hostile, f"http://{request.host}{ADMIN_PREFIX}canary"
        )
    return await send(request, answer, knobs)


def down_middleware(control: FaultControl) -> Callable[..., Awaitable[web.StreamResponse]]:
    """While the server is "down", every non-admin request loses its connection unanswered."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if control.state.knobs.down != "up" and not request.path.startswith(ADMIN_PREFIX):
            control.state.count("dropped")
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        return await handler(request)

    return middleware


# ---- admin API ---------------------------------------------------------------------------------


def _json_response(document: object, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(document), content_type="application/json")


def add_admin_routes(app: web.Application, control: FaultControl) -> None:
    async def get_faults(request: web.Request) -> web.Response:
        return _json_response(control.state.knobs.model_dump())

    async def put_faults(request: web.Request) -> web.Response:
        try:
            knobs = FaultKnobs.model_validate(await request.json())
            control.state.check(knobs)
        except (ValidationError, ValueError) as exc:
            return _json_response({"error": str(exc)}, status=422)
        await control.apply(knobs)
        return _json_response(knobs.model_dump())

    async def delete_faults(request: web.Request) -> web.Response:
        await control.apply(FaultKnobs())
        return _json_response(control.state.knobs.model_dump())

    async def stats(request: web.Request) -> web.Response:
        return _json_response(control.state.stats)

    async def health(request: web.Request) -> web.Response:
        return _json_response({"registry": control.registry, "status": "ok"})

    async def canary(request: web.Request) -> web.Response:
        control.state.count("canary_hits")
        return web.Response(text="canary")

    app.router.add_get(ADMIN_PREFIX + "faults", get_faults)
    app.router.add_put(ADMIN_PREFIX + "faults", put_faults)
    app.router.add_delete(ADMIN_PREFIX + "faults", delete_faults)
    app.router.add_get(ADMIN_PREFIX + "stats", stats)
    app.router.add_get(ADMIN_PREFIX + "health", health)
    app.router.add_get(ADMIN_PREFIX + "canary", canary)


def admin_app(control: FaultControl) -> web.Application:
    app = web.Application()
    add_admin_routes(app, control)
    return app


# ---- SOAP registries ---------------------------------------------------------------------------

_ADDRESS = re.compile(rb'(<soap:address\s+location=")[^"]*(")')


def _soap_app(
    control: FaultControl, service: SoapService, service_path: str, wsdl: Path, xsd: Path
) -> web.Application:
    wsdl_bytes = wsdl.read_bytes()
    xsd_bytes = xsd.read_bytes()

    def described(request: web.Request) -> web.Response:
        location = f"{request.scheme}://{request.host}{service_path}".encode()
        body = _ADDRESS.sub(lambda m: m.group(1) + location + m.group(2), wsdl_bytes)
        return web.Response(body=body, headers={"Content-Type": "text/xml; charset=utf-8"})

    async def endpoint_get(request: web.Request) -> web.Response:
        if "wsdl" in {k.lower() for k in request.query}:
            return described(request)
        return web.Response(
            status=405, text="POST SOAP 1.1 requests here; GET ?wsdl for the service description.\n"
        )

    async def wsdl_file(request: web.Request) -> web.Response:
        return described(request)

    async def xsd_file(request: web.Request) -> web.Response:
        return web.Response(body=xsd_bytes, headers={"Content-Type": "text/xml; charset=utf-8"})

    async def operation(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        return await run_operation(request, control, lambda: service.handle(body))

    app = web.Application(middlewares=[down_middleware(control)])
    app.router.add_post(service_path, operation)
    app.router.add_get(service_path, endpoint_get)
    app.router.add_get(f"/wsdl/{wsdl.name}", wsdl_file)
    app.router.add_get(f"/xsd/{xsd.name}", xsd_file)
    add_admin_routes(app, control)
    return app


# ---- cadastre ----------------------------------------------------------------------------------


def _cadastre_app(control: FaultControl, registry: cadastre.Cadastre) -> web.Application:
    openapi_bytes = contract_files.CADASTRE_OPENAPI.read_bytes()

    async def parcel(request: web.Request) -> web.StreamResponse:
        zone, number = request.match_info["zone"], request.match_info["number"]
        return await run_operation(request, control, lambda: registry.get_parcel(zone, number))

    async def owners(request: web.Request) -> web.StreamResponse:
        zone, number = request.match_info["zone"], request.match_info["number"]
        return await run_operation(
            request, control, lambda: registry.get_parcel_owners(zone, number)
        )

    async def encumbrances(request: web.Request) -> web.StreamResponse:
        zone, number = request.match_info["zone"], request.match_info["number"]
        return await run_operation(
            request, control, lambda: registry.get_parcel_encumbrances(zone, number)
        )

    async def possession_list(request: web.Request) -> web.StreamResponse:
        number = request.match_info["personal_number"]
        return await run_operation(request, control, lambda: registry.get_possession_list(number))

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(
            body=openapi_bytes, headers={"Content-Type": "application/yaml; charset=utf-8"}
        )

    app = web.Application(middlewares=[down_middleware(control)])
    app.router.add_get("/v1/parcels/{zone}/{number}", parcel)
    app.router.add_get("/v1/parcels/{zone}/{number}/owners", owners)
    app.router.add_get("/v1/parcels/{zone}/{number}/encumbrances", encumbrances)
    app.router.add_get("/v1/persons/{personal_number}/possession-list", possession_list)
    app.router.add_get("/openapi.yaml", openapi)
    add_admin_routes(app, control)
    return app


def build_registry_app(
    registry: str, data: SeedData, knobs: FaultKnobs | None = None
) -> tuple[web.Application, FaultControl]:
    """The public application of one registry and the fault control it shares with the admin."""
    if registry == "civil":
        service = civil_registry.civil_registry_service(data)
        control = FaultControl(
            registry, FaultState(SOAP_HOSTILE_KINDS, knobs), SoapFlavour(service)
        )
        app = _soap_app(
            control,
            service,
            civil_registry.SERVICE_PATH,
            contract_files.CIVIL_WSDL,
            contract_files.CIVIL_XSD,
        )
    elif registry == "business":
        service = business_registry.business_registry_service(data)
        control = FaultControl(
            registry, FaultState(SOAP_HOSTILE_KINDS, knobs), SoapFlavour(service)
        )
        app = _soap_app(
            control,
            service,
            business_registry.SERVICE_PATH,
            contract_files.BUSINESS_WSDL,
            contract_files.BUSINESS_XSD,
        )
    elif registry == "cadastre":
        control = FaultControl(registry, FaultState(JSON_HOSTILE_KINDS, knobs), JsonFlavour())
        app = _cadastre_app(control, cadastre.Cadastre(data))
    else:
        raise ValueError(f"unknown registry {registry!r}; expected one of {REGISTRIES}")
    return app, control
