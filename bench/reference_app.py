"""The naive reference for the sync route: what the same fan-out costs with nothing else.

    python -m bench.reference_app --port P --calls TEMPLATE.json

One FastAPI app, one ``POST /v1/requests`` route, one ``aiohttp.ClientSession`` shared by
every request (opened at start-up), and ``asyncio.gather`` over the ``possession-list``
route's two registry calls: the civil registry's ``GetPerson`` over SOAP and the cadastre's
``getPossessionList`` over REST, the exact requests the gateway's adapters send (the
template is ``direct_calls`` of ``bench/workload.py`` for one applicant, whose personal number
each request's own replaces). No authentication, no envelope or form check, no idempotency,
no rule, no store, no log line, no answer check: the two answers' bodies are returned as
they came (a registry's error status still fails the request, with a 500, so that wrk counts
it as an error and not as an answer). It is served by uvicorn with the gateway's own server
options (httptools, no access log), so what the gateway costs beyond it is the gateway's code, not
the HTTP server's.

``bench/gateway_load.py`` runs it as its own process beside the gateway, against the same
sandbox, and reports ``sync / reference``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PLACEHOLDER = "{personal_number}"


def template_of(calls: dict[str, dict[str, Any]], personal_number: str) -> dict[str, Any]:
    """One applicant's two recorded calls with their personal number made a placeholder."""
    text = json.dumps(calls)
    return dict(json.loads(text.replace(personal_number, PLACEHOLDER)))


def create_app(template: dict[str, dict[str, Any]]) -> FastAPI:
    civil, cadastre = template["civil"], template["cadastre"]
    session: aiohttp.ClientSession | None = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        nonlocal session
        connector = aiohttp.TCPConnector(limit=128, limit_per_host=64)
        session = aiohttp.ClientSession(connector=connector, trust_env=False)
        try:
            yield
        finally:
            await session.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    async def fetch(call: dict[str, Any], personal_number: str) -> bytes:
        assert session is not None
        body = call["body"]
        async with session.request(
            call["method"],
            call["url"].replace(PLACEHOLDER, personal_number),
            headers=call["headers"],
            data=body.replace(PLACEHOLDER, personal_number).encode() if body else None,
        ) as response:
            # Not a check of the answer, only of the exchange: a registry's error must not
            # count as an answer served.
            response.raise_for_status()
            return await response.read()

    @app.post("/v1/requests")
    async def submit(request: Request) -> JSONResponse:
        envelope = await request.json()
        personal_number = envelope["applicant"]["personal_number"]
        person, possessions = await asyncio.gather(
            fetch(civil, personal_number), fetch(cadastre, personal_number)
        )
        return JSONResponse(
            {"person": person.decode("utf-8"), "possessions": json.loads(possessions)}
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--calls", type=Path, required=True, help="the calls' template (JSON)")
    options = parser.parse_args(argv)
    template = json.loads(options.calls.read_text(encoding="utf-8"))
    uvicorn.run(
        create_app(template),
        host="127.0.0.1",
        port=options.port,
        log_config=None,
        access_log=False,
        server_header=False,
        http="httptools",
    )


if __name__ == "__main__":
    main()
