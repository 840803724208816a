"""What the load consists of: portal requests for real citizens, and the registry calls they cause.

Applicants are taken from the sandbox's own seed (``alive_parcel_owner(i)``), many distinct
ones, so the registries answer from their data and no cache anywhere could flatter a figure.
Every request a load generator sends carries a fresh ``Idempotency-Key`` (the generators add
it), so the gateway never answers from its idempotency store by accident.

``direct_calls`` records the exact bytes the gateway's adapters send for the sync route (the
civil ``GetPerson`` SOAP envelope with its headers, the cadastre ``getPossessionList`` URL) by
running the real adapters against a transport that only writes down what it is given; the
"direct" case then replays those bytes straight at the sandbox, without the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from adapters.policy import RegistryPolicy
from adapters.registry import build_registry
from adapters.transport import TransportResponse
from sandbox.seed import SeedData, build_seed

ROOT = Path(__file__).resolve().parents[1]
PORTAL_KEY = "ekomunat-dev-portal-key"
SYNC_SERVICE = "possession-list"
ASYNC_SERVICE = "municipal-service-complaint"


@dataclass(frozen=True)
class Applicant:
    personal_number: str
    first_name: str
    last_name: str
    municipality: str
    cadastral_zone: str


def applicants(count: int, seed: SeedData | None = None) -> list[Applicant]:
    """``count`` distinct living parcel owners, each with the zone of one of their parcels."""
    data = seed or build_seed()
    owners = sorted(
        (p for p in data.persons.values() if p.alive and p.personal_number in data.possessions),
        key=lambda p: p.personal_number,
    )
    chosen = [owners[i % len(owners)] for i in range(min(count, len(owners)))]
    return [
        Applicant(
            personal_number=p.personal_number,
            first_name=p.first_name,
            last_name=p.last_name,
            municipality=p.municipality_code,
            cadastral_zone=data.possessions[p.personal_number][0][0].cadastral_zone,
        )
        for p in chosen
    ]


def sync_body(applicant: Applicant) -> dict[str, Any]:
    return {
        "service": SYNC_SERVICE,
        "municipality": applicant.municipality,
        "language": "en",
        "applicant": {
            "personal_number": applicant.personal_number,
            "first_name": applicant.first_name,
            "last_name": applicant.last_name,
        },
        "form": {"purpose": "other", "cadastral_zone": applicant.cadastral_zone},
    }


def async_body(applicant: Applicant, municipality: str | None = None) -> dict[str, Any]:
    return {
        "service": ASYNC_SERVICE,
        "municipality": municipality or applicant.municipality,
        "language": "sq",
        "applicant": {
            "personal_number": applicant.personal_number,
            "first_name": applicant.first_name,
            "last_name": applicant.last_name,
        },
        "form": {
            "service_code": "building-permit",
            "service_date": "2026-10-14",
            "description": "The permit office has not answered my application for two months.",
        },
    }


def write_bodies(path: Path, bodies: Sequence[Mapping[str, Any]]) -> Path:
    """One compact JSON body per line: what the wrk script and the Python generator read."""
    path.write_text(
        "".join(json.dumps(body, separators=(",", ":")) + "\n" for body in bodies),
        encoding="utf-8",
    )
    return path


def portal_headers() -> dict[str, str]:
    """The headers of every portal request, less the per-request Idempotency-Key."""
    return {"Authorization": f"Bearer {PORTAL_KEY}", "Content-Type": "application/json"}


# ---- the registry calls of the sync route, as the adapters send them ----------------------------


class _Captured(Exception):
    """Raised by the recording transport once it has what it came for."""


class _RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        self.sent.append(
            {
                "method": method,
                "url": url,
                "headers": dict(headers),
                "body": body.decode("utf-8") if body is not None else None,
            }
        )
        raise _Captured

    async def aclose(self) -> None:
        return None


def direct_calls(urls: Mapping[str, str], people: Sequence[Applicant]) -> list[dict[str, Any]]:
    """Per applicant: the civil GetPerson and cadastre getPossessionList requests, as sent."""
    structlog.configure(
        processors=[],
        logger_factory=structlog.ReturnLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    policy = RegistryPolicy(retries=1)
    recorders = {"civil": _RecordingTransport(), "cadastre": _RecordingTransport()}
    contracts = {
        "civil": ("soap", ROOT / "wsdl" / "civil-registry.wsdl", "GetPerson"),
        "cadastre": ("rest", ROOT / "wsdl" / "cadastre.openapi.yaml", "getPossessionList"),
    }
    clients = {
        name: build_registry(
            name,
            kind=kind,  # type: ignore[arg-type]
            contract=contract,
            endpoint=urls[name],
            policy=policy,
            transport=recorders[name],
        )
        for name, (kind, contract, _operation) in contracts.items()
    }

    async def record() -> None:
        for person in people:
            for name, (_kind, _contract, operation) in contracts.items():
                with contextlib.suppress(_Captured):
                    await clients[name].call(operation, {"personalNumber": person.personal_number})

    asyncio.run(record())
    return [
        {"civil": civil, "cadastre": cadastre}
        for civil, cadastre in zip(recorders["civil"].sent, recorders["cadastre"].sent, strict=True)
    ]
