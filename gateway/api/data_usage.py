"""Who read a person's data and why: the citizen's view, the Agency's export, the checkpoints.

``GET /v1/persons/{personal_number}/data-usage`` serves the portal on the citizen's behalf:
the portal authenticates the citizen, the gateway checks the portal's own ``data-usage``
right (routing.yaml) and answers in the citizen's language, newest first, a page at a time.
``GET /v1/ops/audit/data-usage.csv`` is the operators' export for the Information and
Privacy Agency, restricted records included. ``GET /v1/open/audit-checkpoints`` publishes
the signed heads of the audit log, with the key they verify under, for anyone to keep.
The model is told in docs/data-protection.md.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gateway.api.auth import CurrentClient, require_role
from gateway.api.deps import (
    AuditTrailDep,
    CheckpointSignerDep,
    DataUsageViewDep,
    GatewayDep,
)
from gateway.api.ops import Operator, operator
from gateway.api.problems import problem_responses, request_language
from gateway.audit.chain import timestamp
from gateway.open.spreadsheet import csv_text
from gateway.refusals import Refusal
from gateway.store.audit import AuditRepository

DATA_USAGE_ROLE = "data-usage"
PERSONAL_NUMBER = re.compile(r"^[0-9]{10}$")
CSV_COLUMNS = (
    "recorded_at",
    "client",
    "municipality",
    "person_key",
    "registry",
    "operation",
    "fields",
    "service",
    "legal_basis",
    "purpose",
    "request_id",
    "disclosed_from",
    "audit_seq",
)

router = APIRouter(prefix="/v1/persons", tags=["data usage"])
open_router = APIRouter(prefix="/v1/open", tags=["open data"])
ops_router = APIRouter(
    prefix="/v1/ops/audit",
    tags=["operations"],
    dependencies=[Depends(operator)],
    responses=problem_responses(401, 403),
)


class DataUsageRecord(BaseModel):
    recorded_at: str = Field(description="when the registry was asked (ISO 8601, UTC)")
    institution: str = Field(description="the client that asked, as routing.yaml names it")
    municipality: str = Field(description="KAS code of the municipality the request was for")
    municipality_name: str | None
    registry: str
    registry_name: str = Field(description="the registry's name in the citizen's language")
    operation: str
    fields: list[str] = Field(description="the names of the fields read, never their values")
    service: str
    service_name: str
    legal_basis: str = Field(description="the law under which the record was read")
    purpose: str = Field(description="why the service read it, as its route declares")
    request_id: str


class DataUsagePage(BaseModel):
    language: str
    records: list[DataUsageRecord]
    next_cursor: str | None = Field(description="the next (older) page; null on the last")


class CheckpointView(BaseModel):
    count: int = Field(description="entries in the log when it was signed")
    head_hash: str = Field(description="SHA-256 hash of the entry at that count (hex)")
    signed_at: str
    signature: str = Field(description="Ed25519 signature (base64url) of the signed bytes")


class CheckpointFeed(BaseModel):
    algorithm: str
    public_key: str = Field(description="the Ed25519 public key, raw 32 bytes, base64url")
    signed_bytes: str = Field(description="how the signed bytes are formed")
    checkpoints: list[CheckpointView] = Field(description="newest first")


@router.get(
    "/{personal_number}/data-usage",
    response_model=DataUsagePage,
    responses=problem_responses(400, 401, 403, 404, 422, 503),
)
async def person_data_usage(
    request: Request,
    client: CurrentClient,
    view: DataUsageViewDep,
    personal_number: Annotated[
        str, Path(max_length=64, description="the citizen's ten-digit personal number")
    ],
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Which institution read which of the citizen's data, when, under which law and why."""
    language = request_language(request)
    require_role(client, DATA_USAGE_ROLE)
    if not PERSONAL_NUMBER.match(personal_number):
        raise Refusal("person.personal_number.invalid")
    page = await asyncio.to_thread(view.page, personal_number, language, cursor=cursor, limit=limit)
    body = DataUsagePage.model_validate(page).model_dump_json()
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Language": language, "Cache-Control": "no-store"},
    )


@ops_router.get(
    "/data-usage.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV, one record a line"},
        **problem_responses(400, 503),
    },
)
async def export_data_usage(
    gateway: GatewayDep,
    trail: AuditTrailDep,
    client: Operator,
    recorded_from: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    recorded_before: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
) -> Response:
    """Every data-usage record (restricted ones too) for the Information and Privacy Agency."""
    for moment in (recorded_from, recorded_before):
        if moment is not None and moment.tzinfo is None:
            raise Refusal("request.query.invalid", detail="times need a time zone (Z or +hh:mm)")

    def export() -> str:
        with gateway.store.unit_of_work(read_only=True) as uow:
            found = uow.bind(AuditRepository).usage_between(recorded_from, recorded_before)
        return csv_text(
            CSV_COLUMNS,
            (
                (
                    timestamp(stored.recorded_at),
                    stored.row.client_id,
                    stored.row.municipality,
                    stored.row.person_key,
                    stored.row.registry,
                    stored.row.operation,
                    " ".join(stored.row.fields),
                    stored.row.service,
                    stored.row.legal_basis,
                    stored.row.purpose,
                    stored.row.request_id,
                    timestamp(stored.row.disclosed_from) if stored.row.disclosed_from else None,
                    stored.seq,
                )
                for stored in found
            ),
        )

    text = await asyncio.to_thread(export)
    await trail.operator_action("audit.data_usage.exported", client.name)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="data-usage.csv"'},
    )


@open_router.get(
    "/audit-checkpoints", response_model=CheckpointFeed, responses=problem_responses(503)
)
async def audit_checkpoints(
    gateway: GatewayDep,
    signer: CheckpointSignerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CheckpointFeed:
    """The audit log's signed checkpoints, newest first, with the key that verifies them."""

    def read() -> list[CheckpointView]:
        with gateway.store.unit_of_work(read_only=True) as uow:
            found = uow.bind(AuditRepository).checkpoints(limit=limit)
        return [
            CheckpointView(
                count=c.count,
                head_hash=c.head_hash,
                signed_at=timestamp(c.signed_at),
                signature=c.signature,
            )
            for c in found
        ]

    return CheckpointFeed(
        algorithm="Ed25519",
        public_key=signer.public_key,
        signed_bytes='UTF-8 of {"count":<count>,"head_hash":"<head_hash>",'
        '"signed_at":"<signed_at>"} (keys sorted, no spaces)',
        checkpoints=await asyncio.to_thread(read),
    )
