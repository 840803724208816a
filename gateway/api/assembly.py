"""``/v1/assemblies``: a municipality publishes its assembly and its executive; and the
``/v1/open/assembly-*`` and ``/v1/open/mayor-meetings`` feeds the public reads them from.

A client with the ``municipality`` role speaks for its own municipality only: the
``{municipality}`` in the path (and in every body) must be its own, else
``403 assembly.not_owner``. It publishes the members of a mandate, sessions with their agendas
(a regular session's at least 7 days before), the vote on each agenda item (checked against
quorum and majority; corrected only by a new version with a reason), the approved minutes,
and the mayor's decisions and public meetings with their reports. docs/assembly.md has the
rules and what of them is inferred.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from contracts.assembly import (
    AssemblySession,
    ItemVote,
    MayorDecision,
    MayorMeeting,
    MeetingReport,
    MemberList,
    SessionChange,
    SessionMinutes,
)
from contracts.records import MunicipalityCode
from gateway.api.auth import CurrentClient, speaker_of
from gateway.api.deps import AssemblyDeskDep
from gateway.api.open_data import FEED_RESPONSES
from gateway.api.open_data import _feed as serve_feed
from gateway.api.problems import problem_responses
from gateway.assembly.desk import own_municipality

router = APIRouter(prefix="/v1/assemblies", tags=["municipal assemblies"])
open_router = APIRouter(prefix="/v1/open", tags=["open data"])


Municipality = Annotated[MunicipalityCode, Path(description="your municipality's KAS code")]
SessionId = Annotated[uuid.UUID, Path(description="the id returned on publication")]
MeetingId = Annotated[uuid.UUID, Path(description="the id returned on publication")]
ItemNumber = Annotated[int, Path(ge=1, le=200, description="the agenda item's number")]


def _answer(
    view: dict[str, Any], replayed: bool, *, status: int = 201, location: str | None = None
) -> JSONResponse:
    """The answer to a publication; one published again gets the same status, marked."""
    headers = {"Location": location or view.get("status_url", "")}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(view, status_code=status, headers=headers)


@router.put("/{municipality}/members", responses=problem_responses(401, 403, 422))
async def put_members(
    municipality: Municipality, body: MemberList, client: CurrentClient, desk: AssemblyDeskDep
) -> dict[str, Any]:
    """Publish the members of a mandate (and the mayor); a changed member becomes a new
    version, its earlier text kept."""
    return await desk.put_members(speaker_of(client), municipality, body)


@router.get("/{municipality}/members", responses=problem_responses(401, 403))
async def get_members(
    municipality: Municipality, client: CurrentClient, desk: AssemblyDeskDep
) -> dict[str, Any]:
    """The members you published (operators: any municipality's)."""
    if not client.has_role("operator"):
        own_municipality(speaker_of(client), municipality)
    return await desk.members(municipality)


@router.post(
    "/{municipality}/sessions", status_code=201, responses=problem_responses(401, 403, 409, 422)
)
async def publish_session(
    municipality: Municipality,
    body: AssemblySession,
    client: CurrentClient,
    desk: AssemblyDeskDep,
) -> JSONResponse:
    """Publish a session and its agenda (a regular session's at least 7 days before it).
    The same session again under its reference gets the first answer."""
    view, replayed = await desk.publish_session(speaker_of(client), municipality, body)
    return _answer(view, replayed)


@router.put(
    "/{municipality}/sessions/{session_id}", responses=problem_responses(401, 403, 404, 409, 422)
)
async def change_session(
    municipality: Municipality,
    session_id: SessionId,
    body: SessionChange,
    client: CurrentClient,
    desk: AssemblyDeskDep,
) -> dict[str, Any]:
    """A new version of the session's agenda, time or place, with the reason (before any vote)."""
    return await desk.change_session(speaker_of(client), municipality, str(session_id), body)


@router.get("/{municipality}/sessions/{session_id}", responses=problem_responses(401, 403, 404))
async def get_session(
    municipality: Municipality, session_id: SessionId, client: CurrentClient, desk: AssemblyDeskDep
) -> dict[str, Any]:
    """The session, its agenda and every version of every vote on it."""
    if not client.has_role("operator"):
        own_municipality(speaker_of(client), municipality)
    return await desk.session(municipality, str(session_id))


@router.put(
    "/{municipality}/sessions/{session_id}/items/{item_number}/vote",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_vote(
    municipality: Municipality,
    session_id: SessionId,
    item_number: ItemNumber,
    body: ItemVote,
    client: CurrentClient,
    desk: AssemblyDeskDep,
) -> JSONResponse:
    """Record the vote on an agenda item: every serving member's option and the outcome,
    checked against quorum and majority. A different vote on an item already voted is a
    correction: it needs a `reason` and becomes a new version (`409
    assembly.change.reason_required` without one)."""
    view, replayed = await desk.record_vote(
        speaker_of(client), municipality, str(session_id), item_number, body
    )
    return _answer(view, replayed, status=200)


@router.post(
    "/{municipality}/sessions/{session_id}/minutes",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def publish_minutes(
    municipality: Municipality,
    session_id: SessionId,
    body: SessionMinutes,
    client: CurrentClient,
    desk: AssemblyDeskDep,
) -> dict[str, Any]:
    """Publish the minutes the assembly approved (after the session, once)."""
    return await desk.minutes(speaker_of(client), municipality, str(session_id), body)


@router.post(
    "/{municipality}/mayor/decisions",
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
)
async def publish_decision(
    municipality: Municipality, body: MayorDecision, client: CurrentClient, desk: AssemblyDeskDep
) -> JSONResponse:
    """Publish a decision of the mayor, linked to its act under legality review if it is one."""
    view, replayed = await desk.publish_decision(speaker_of(client), municipality, body)
    return _answer(view, replayed, location=f"/v1/assemblies/{municipality}/mayor/decisions")


@router.post(
    "/{municipality}/mayor/meetings",
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
)
async def publish_meeting(
    municipality: Municipality, body: MayorMeeting, client: CurrentClient, desk: AssemblyDeskDep
) -> JSONResponse:
    """Announce a public meeting of the mayor with citizens (the law asks two a year)."""
    view, replayed = await desk.publish_meeting(speaker_of(client), municipality, body)
    return _answer(view, replayed)


@router.post(
    "/{municipality}/mayor/meetings/{meeting_id}/report",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def report_meeting(
    municipality: Municipality,
    meeting_id: MeetingId,
    body: MeetingReport,
    client: CurrentClient,
    desk: AssemblyDeskDep,
) -> dict[str, Any]:
    """Publish the report on a meeting once it was held."""
    return await desk.report_meeting(speaker_of(client), municipality, str(meeting_id), body)


# ---- open data ------------------------------------------------------------------------------


@open_router.get("/assembly-members", responses=FEED_RESPONSES)
async def open_assembly_members(request: Request) -> Response:
    """Members of the municipal assemblies and the mayors (Popolo Person, Membership,
    Organization). Filters: `municipality`, `role` (member, mayor), `mandate` (e.g.
    2025-2029); `format` json or csv; `page_size`, `cursor`; `lang` sq, sr or en."""
    return await serve_feed(request, "assembly-members")


@open_router.get("/assembly-sessions", responses=FEED_RESPONSES)
async def open_assembly_sessions(request: Request) -> Response:
    """Sessions and their agendas, one row per agenda item, with its outcome and the minutes.
    Filters: `municipality`, `year`, `kind` (regular, extraordinary, committee), `outcome`
    (adopted, rejected, pending); `format`; `page_size`, `cursor`; `lang`."""
    return await serve_feed(request, "assembly-sessions")


@open_router.get("/assembly-votes", responses=FEED_RESPONSES)
async def open_assembly_votes(request: Request) -> Response:
    """Votes per agenda item (Popolo VoteEvent with its Votes and Counts), quorum and majority.
    Filters: `municipality`, `year`, `result` (adopted, rejected), `versions` (current, all:
    corrected votes too); `format`; `page_size`, `cursor`; `lang`."""
    return await serve_feed(request, "assembly-votes")


@open_router.get("/assembly-member-votes", responses=FEED_RESPONSES)
async def open_assembly_member_votes(request: Request) -> Response:
    """Each member's vote on each item. Filters: `municipality`, `year`, `option` (for,
    against, abstained, absent), `member` (a member id); `format`; `page_size`, `cursor`;
    `lang`."""
    return await serve_feed(request, "assembly-member-votes")


@open_router.get("/assembly-attendance", responses=FEED_RESPONSES)
async def open_assembly_attendance(request: Request) -> Response:
    """Attendance rate per member and per mandate over the sessions with recorded votes.
    Filters: `municipality`, `level` (member, mandate), `mandate`; `format`; `page_size`,
    `cursor`; `lang`."""
    return await serve_feed(request, "assembly-attendance")


@open_router.get("/assembly-decisions", responses=FEED_RESPONSES)
async def open_assembly_decisions(request: Request) -> Response:
    """Decisions adopted by the assemblies and the mayors, with their legality review's state.
    Filters: `municipality`, `year`, `issuer` (assembly, mayor), `legality_review` (a review
    state or not_submitted); `format`; `page_size`, `cursor`; `lang`."""
    return await serve_feed(request, "assembly-decisions")


@open_router.get("/mayor-meetings", responses=FEED_RESPONSES)
async def open_mayor_meetings(request: Request) -> Response:
    """Per municipality and year, the mayor's public meetings held against the two a year the
    law asks, with their places, topics and reports. Filters: `municipality`, `year`;
    `format`; `page_size`, `cursor`; `lang`."""
    return await serve_feed(request, "mayor-meetings")
