"""The tax administration (ATK) simulator: answers wsdl/tax-administration.openapi.yaml.

One operation, a business's tax clearance by its business number (NUI), over the ledger of
``sandbox.tax_seed`` (derived from the business registry's seed, so both simulators know the
same businesses). A malformed number is a 400 and never a lookup, a business ATK does not know
is a 404, every error is a problem document. The server runs in its own process beside the
others, with the same fault knobs and admin API (public port and a second admin port).
"""

from aiohttp import web

from sandbox.answers import Answer
from sandbox.contract_files import WSDL_DIR
from sandbox.faults import JSON_HOSTILE_KINDS, FaultKnobs, FaultState
from sandbox.http_app import FaultControl, add_admin_routes, down_middleware, run_operation
from sandbox.open_answers import bad_identifier, json_answer, not_found
from sandbox.open_sources import SourceFlavour
from sandbox.seed import SeedData
from sandbox.server import ServerAddress
from sandbox.tax_seed import ASSESSED_ON, TaxSeed, build_tax_seed

NAME = "tax"
"""The registry's name in the launcher's lines, its fault knobs and ``routing.yaml``."""
CONTRACT = WSDL_DIR / "tax-administration.openapi.yaml"
PORT_OFFSET = 8
"""Public port = port base + 8; admin port = port base + 18 (as the other servers)."""


class TaxAdministration:
    """The operation of ATK's contract over one tax seed; found answers are cached as bytes."""

    def __init__(self, data: TaxSeed) -> None:
        self._taxpayers = data.taxpayers
        self._cache: dict[str, Answer] = {}

    def tax_clearance(self, business_number: str) -> Answer:
        answer = self._cache.get(business_number)
        if answer is not None:
            return answer
        if not (
            len(business_number) == 9 and business_number.isascii() and business_number.isdigit()
        ):
            return bad_identifier(NAME, "business number (nine digits)")
        taxpayer = self._taxpayers.get(business_number)
        if taxpayer is None:
            return not_found(NAME, "taxpayer under this business number")
        answer = json_answer(
            {
                "businessNumber": taxpayer.business_number,
                "fiscalNumber": taxpayer.fiscal_number,
                "taxpayerName": taxpayer.name,
                "assessedOn": ASSESSED_ON.isoformat(),
                "outstanding": [
                    {
                        "taxType": item.tax_type,
                        "period": item.period,
                        "amountEur": float(item.amount_eur),
                        "dueOn": item.due_on.isoformat(),
                    }
                    for item in taxpayer.outstanding
                ],
            }
        )
        self._cache[business_number] = answer  # known taxpayers only: the cache stays bounded
        return answer


def build_tax_app(
    data: TaxSeed, knobs: FaultKnobs | None = None
) -> tuple[web.Application, FaultControl]:
    """The public application of ATK and the fault control its admin application shares."""
    control = FaultControl(NAME, FaultState(JSON_HOSTILE_KINDS, knobs), SourceFlavour(NAME))
    registry = TaxAdministration(data)
    contract = CONTRACT.read_bytes()

    async def clearance(request: web.Request) -> web.StreamResponse:
        number = request.match_info["business_number"]
        return await run_operation(request, control, lambda: registry.tax_clearance(number))

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(
            body=contract, headers={"Content-Type": "application/yaml; charset=utf-8"}
        )

    app = web.Application(middlewares=[down_middleware(control)])
    app.router.add_get("/v1/taxpayers/{business_number}/tax-clearance", clearance)
    app.router.add_get("/openapi.yaml", openapi)
    add_admin_routes(app, control)
    return app, control


def describe_tax(address: ServerAddress) -> str:
    """The launcher's line for the started server (read by people and test fixtures)."""
    origin = f"http://{address.host}:{address.port}"
    admin = f"http://{address.host}:{address.admin_port}/_sandbox"
    return f"{NAME} url={origin} openapi={origin}/openapi.yaml admin={admin}"


def build_tax_server(
    name: str, data: SeedData, knobs: FaultKnobs | None = None
) -> tuple[web.Application, FaultControl]:
    """``build_tax_app`` over the ledger derived from the registries' seed (the launcher's
    builder; ``name`` is always ``NAME``)."""
    return build_tax_app(build_tax_seed(data), knobs)
