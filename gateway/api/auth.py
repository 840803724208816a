"""Who is calling: ``Authorization: Bearer <API key>``, checked against the clients' key hashes.

Access rights are per client and service: the portal may submit the services it is granted;
operators reach the operations API. Every refusal is logged, with the client's address
(the connection's, or the forwarded one from a proxy in ``GATEWAY_TRUSTED_PROXIES``), without
the key.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from gateway.access import Client, Speaker, hash_key
from gateway.api.deps import gateway_of
from gateway.refusals import Refusal

log = structlog.get_logger()


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn applies trusted proxies' headers)."""
    return request.client.host if request.client is not None else "unknown"


async def authenticate(request: Request) -> Client:
    # The gateway straight from the request, not as a sub-dependency: FastAPI solves each
    # dependency anew per request, and that solve cost more than the lookup
    # (``bench/results/optimisation.md``, round 4, the HTTP layer).
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    client = None
    if scheme.lower() == "bearer" and key.strip():
        client = gateway_of(request).clients_by_key_hash.get(hash_key(key.strip()))
    if client is None:
        log.warning(
            "auth.refused",
            reason="unauthenticated",
            path=request.url.path,
            client_address=client_address(request),
        )
        raise Refusal("auth.unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    structlog.contextvars.bind_contextvars(client=client.name)
    return client


CurrentClient = Annotated[Client, Depends(authenticate)]


def require_role(client: Client, role: str) -> None:
    if not client.has_role(role):
        log.warning("auth.refused", reason="role", role=role, client=client.name)
        raise Refusal("auth.forbidden")


def speaker_of(client: Client) -> Speaker:
    """The municipality a client speaks for; only ``municipality`` clients speak for one."""
    require_role(client, "municipality")
    municipality = client.config.municipality
    if municipality is None:  # the routes check refuses such a client; kept as a clear failure
        log.warning("auth.refused", reason="no municipality", client=client.name)
        raise Refusal("auth.forbidden")
    return Speaker(client=client.name, municipality=municipality)
