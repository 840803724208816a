"""``/v1/complaints``: open data on how institutions answer complaints, and a citizen's view.

``GET /v1/complaints/stats`` is public open data (no key): per institution and category,
complaints received, answered, answered late, overdue now, and the median days to answer,
as JSON or as CSV (``?format=csv`` or ``Accept: text/csv``). It reads nothing personal.

``GET /v1/complaints/{id}`` is the citizen's own view with the full status history; it
needs the complaint's token (``X-Complaint-Token``), as the Open311 private view does.
Refusals here are the gateway's problem documents, like the rest of ``/v1``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.api.deps import ComplaintDeskDep
from gateway.api.language import negotiate
from gateway.api.problems import problem_responses
from gateway.complaints.public_view import service_notice, status_label, w3
from gateway.complaints.stats import to_csv
from gateway.refusals import Refusal

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class StatsLineView(BaseModel):
    institution: str = Field(description="19.public-services, or a central institution's id")
    institution_name: str
    category: str = Field(description="the Open311 service_code")
    category_name: str
    received: int
    answered: int
    answered_late: int = Field(description="answered after the legal deadline")
    overdue: int = Field(description="unanswered, not closed, past the legal deadline now")
    median_days_to_answer: float | None


class StatsView(BaseModel):
    generated_at: str
    language: str
    submitted_from: str | None
    submitted_until: str | None
    municipality: str | None
    rows: list[StatsLineView]


class HistoryLineView(BaseModel):
    status: str
    previous_status: str | None
    occurred_at: str
    public_note: dict[str, str] | None


class ComplaintView(BaseModel):
    complaint_id: str
    service_code: str
    institution: str
    agency_responsible: str | None
    municipality: str | None
    status: str
    status_label: str
    anonymous: bool
    overdue: bool
    service_notice: str
    submitted_at: str
    deadline_at: str
    answered_at: str | None
    handed_off_at: str | None
    history: list[HistoryLineView]


@router.get(
    "/stats",
    response_model=StatsView,
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV when asked"},
        **problem_responses(422),
    },
)
async def complaint_stats(
    request: Request,
    desk: ComplaintDeskDep,
    submitted_from: Annotated[
        date | None, Query(alias="from", description="first day (UTC), inclusive")
    ] = None,
    submitted_until: Annotated[
        date | None, Query(alias="to", description="last day (UTC), inclusive")
    ] = None,
    municipality: Annotated[
        str | None, Query(pattern=r"^[0-9]{2}$", description="only this municipality (KAS)")
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None, Query(alias="format", description="json or csv")
    ] = None,
    lang: Annotated[str | None, Query(description="sq, sr or en")] = None,
) -> Response:
    """Complaints received and answered per institution and category (open data)."""
    language = negotiate(lang, request.headers.get("accept-language"))
    start = datetime.combine(submitted_from, time.min, UTC) if submitted_from else None
    end = (
        datetime.combine(submitted_until + timedelta(days=1), time.min, UTC)
        - timedelta(microseconds=1)
        if submitted_until
        else None
    )
    if start and end and end < start:
        raise Refusal("request.query.invalid", detail="'to' is before 'from'")
    if municipality and desk.catalogue.municipality_name(municipality, language) is None:
        raise Refusal("municipality.unknown", status=422)
    lines = await desk.stats(
        language=language, submitted_from=start, submitted_until=end, municipality=municipality
    )
    wants_csv = output == "csv" or (
        output is None and "text/csv" in request.headers.get("accept", "")
    )
    headers: dict[str, str] = {"Content-Language": language}
    if wants_csv:
        headers["Content-Disposition"] = 'inline; filename="complaint-stats.csv"'
        return Response(to_csv(lines), media_type=CSV_MEDIA_TYPE, headers=headers)
    view = StatsView(
        generated_at=w3(desk.now()),
        language=language,
        submitted_from=submitted_from.isoformat() if submitted_from else None,
        submitted_until=submitted_until.isoformat() if submitted_until else None,
        municipality=municipality,
        rows=[StatsLineView(**line.as_dict()) for line in lines],
    )
    return JSONResponse(view.model_dump(mode="json"), headers=headers)


@router.get(
    "/{complaint_id}",
    response_model=ComplaintView,
    responses=problem_responses(401, 404),
)
async def followed_complaint(
    request: Request,
    desk: ComplaintDeskDep,
    complaint_id: Annotated[uuid.UUID, Path(description="the Open311 service_request_id")],
    token: Annotated[
        str | None, Header(alias="X-Complaint-Token", description="the token given at submission")
    ] = None,
    lang: Annotated[str | None, Query(description="sq, sr or en")] = None,
) -> ComplaintView:
    """A complaint's status and full history, for the citizen who holds its token."""
    language = negotiate(lang, request.headers.get("accept-language"))
    request.state.language = language
    if not token:
        raise Refusal("auth.unauthenticated")
    followed = await desk.followed(str(complaint_id), token)
    if followed is None:
        raise Refusal("request.unknown")
    record, history = followed
    agency = desk.catalogue.institution_name(record.institution)
    now = desk.now()
    return ComplaintView(
        complaint_id=record.id,
        service_code=record.category,
        institution=record.institution,
        agency_responsible=agency.in_language(language) if agency else None,
        municipality=record.municipality,
        status=record.status.value,
        status_label=status_label(record, language),
        anonymous=record.anonymous,
        overdue=record.overdue(now),
        service_notice=service_notice(record, language, now),
        submitted_at=w3(record.submitted_at),
        deadline_at=w3(record.deadline_at),
        answered_at=w3(record.answered_at) if record.answered_at else None,
        handed_off_at=w3(record.handed_off_at) if record.handed_off_at else None,
        history=[
            HistoryLineView(
                status=change.status.value,
                previous_status=change.previous_status.value if change.previous_status else None,
                occurred_at=w3(change.occurred_at),
                public_note=dict(change.public_note) if change.public_note else None,
            )
            for change in history
        ],
    )
