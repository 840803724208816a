"""FastAPI dependencies: how a handler reaches the parts that bootstrap built.

The dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its
thread pool, and a thread hop per dependency per request cost more CPU than the whole lookup
(``bench/results/optimisation.md``). Code that is not a dependency calls ``gateway_of``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from contracts.catalogue import Catalogue
from gateway.bootstrap import Gateway


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.state.gateway
    return gateway


async def get_gateway(request: Request) -> Gateway:
    return gateway_of(request)


async def get_catalogue(request: Request) -> Catalogue:
    return gateway_of(request).catalogue


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
