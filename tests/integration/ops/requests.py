"""Portal requests the operations tests send through the real app (sync, async, refused)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.fixtures.gateway import citizen_request, portal_headers


def body(person: Any, service: str, form: dict[str, Any], municipality: str | None = None):  # type: ignore[no-untyped-def]
    return citizen_request(person, service, form, municipality=municipality)


def birth_certificate(client: TestClient, person: Any):  # type: ignore[no-untyped-def]
    """A sync service: one civil registry call, one rule, answered at once."""
    return client.post(
        "/v1/requests",
        json=body(person, "birth-certificate", {"purpose": "employment"}),
        headers=portal_headers(),
    )


def complaint(client: TestClient, person: Any, municipality: str | None = None):  # type: ignore[no-untyped-def]
    """An async service: accepted, its hand-off waits in the outbox."""
    return client.post(
        "/v1/requests",
        json=body(
            person,
            "municipal-service-complaint",
            {"description": "The office was closed during opening hours."},
            municipality,
        ),
        headers=portal_headers(),
    )
