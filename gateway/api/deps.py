"""FastAPI dependencies: how a handler reaches the parts that bootstrap built."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from contracts.catalogue import Catalogue
from gateway.bootstrap import Gateway


def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.state.gateway
    return gateway


def get_catalogue(request: Request) -> Catalogue:
    return get_gateway(request).catalogue


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
