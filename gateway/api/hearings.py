"""``/v1/hearings``: a municipality publishes its public hearings and its reports on them.

A client with the ``municipality`` role speaks for its own municipality only. It publishes a
hearing (topic, place, time, documents, the comment window; ``contracts/hearings.py``) and,
once the window has ended, its report on the comments, which closes the hearing. Citizens
comment through the portal (``POST /v1/requests``, service ``public-hearing-comment``, the
hearing's reference in ``form.hearing_reference``, anonymously if they wish). The public reads
every hearing at ``/v1/open/hearings``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.hearings import HearingReport, PublicHearing
from gateway.api.auth import CurrentClient, speaker_of
from gateway.api.deps import HearingDeskDep
from gateway.api.problems import problem_responses

router = APIRouter(prefix="/v1/hearings", tags=["public hearings"])

HearingId = Annotated[uuid.UUID, Path(description="the id returned on publication")]


class HearingView(BaseModel):
    hearing_id: str
    municipality: str
    reference: str
    topic: dict[str, str]
    description: dict[str, str] | None
    place: dict[str, str]
    held_at: str
    comments_from: str
    comments_until: str
    comment_period: str
    status: str
    comments_received: int
    documents: list[dict[str, Any]]
    report: dict[str, str] | None
    report_documents: list[dict[str, Any]]
    report_published_at: str | None
    published_at: str
    status_url: str


@router.post(
    "",
    status_code=201,
    response_model=HearingView,
    responses=problem_responses(401, 403, 409, 422),
)
async def publish_hearing(
    body: PublicHearing, client: CurrentClient, desk: HearingDeskDep
) -> JSONResponse:
    """Publish a public hearing of your municipality; citizens may comment within its window.

    The same hearing published again under its reference gets the first answer; a different
    one under a reference already used is a `409 hearing.reference.taken`.
    """
    view, replayed = await desk.publish(speaker_of(client), body)
    headers = {"Location": view["status_url"]}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(view, status_code=201, headers=headers)


@router.get("/{hearing_id}", response_model=HearingView, responses=problem_responses(401, 403, 404))
async def get_hearing(
    hearing_id: HearingId, client: CurrentClient, desk: HearingDeskDep
) -> dict[str, Any]:
    """The hearing, the comments it has received and its report (your own; operators all)."""
    municipality = None if client.has_role("operator") else speaker_of(client).municipality
    return await desk.view(str(hearing_id), municipality=municipality)


@router.post(
    "/{hearing_id}/report",
    response_model=HearingView,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def report_on_hearing(
    hearing_id: HearingId, body: HearingReport, client: CurrentClient, desk: HearingDeskDep
) -> dict[str, Any]:
    """Publish your report on the comments (after the comment period); it closes the hearing."""
    return await desk.report(speaker_of(client), str(hearing_id), body)
