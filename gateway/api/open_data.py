"""``/v1/open/...``: the transparency feeds, public and read-only, in JSON and CSV.

Per municipality (``municipality=19`` or ``municipality=prishtine``) or for all of Kosovo:
budget against execution, own-source revenues, contracting processes (with OCDS beside, in
``open_ocds``), urban plans, permits, and the gateway's own registers of municipal acts under
legality review and of public hearings. Every answer carries ``ETag`` (weak),
``Last-Modified`` and ``Age``; ``If-None-Match`` gets a 304. When a source is down the last
good data is served, its age stated in the ``Age`` header and in the body's ``freshness``; a
source that never answered is a 503 problem document with ``Retry-After``, never an empty
page. Filters are checked strictly; every refusal is a localised problem document.
"""

from __future__ import annotations

import asyncio
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from contracts.catalogue import DisplayLanguage
from gateway.api.deps import gateway_of, part_of
from gateway.api.language import negotiate
from gateway.api.problems import problem_responses
from gateway.open.channel import OpenDataChannel
from gateway.open.service import OpenData, Served
from gateway.open.settings import OpenDataSettings
from gateway.refusals import Refusal

router = APIRouter(prefix="/v1/open", tags=["open data"])
CACHE_CONTROL = "public, max-age=10"
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of the feed (JSON envelope, CSV or GeoJSON by `format`)",
        "content": {"text/csv": {}, "application/geo+json": {}},
    },
    304: {"description": "Not modified since the ETag given in If-None-Match"},
    **problem_responses(400, 404, 406, 503),
}


def open_data(request: Request) -> OpenData:
    return part_of(request, OpenDataChannel, "open data").service


def language_of(request: Request) -> DisplayLanguage:
    language = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    request.state.language = language
    return language


def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise Refusal("open.filter.invalid", detail=f"{name}: give each filter at most once")
        params[name] = value
    params.pop("lang", None)
    return params


def matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): ``W/`` prefixes do not matter, ``*`` matches all."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def respond(request: Request, served: Served) -> Response:
    page, fresh = served.page, served.freshness
    headers = {
        "ETag": page.etag,
        "Age": str(fresh.age_s),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Language",
        "Content-Language": served.query.language,
        "X-Ekomunat-Stale": "true" if fresh.stale else "false",
    }
    if page.last_modified is not None:
        headers["Last-Modified"] = format_datetime(page.last_modified, usegmt=True)
    if page.next_cursor:
        headers["Link"] = f'<{_next_url(request, page.next_cursor)}>; rel="next"'
    if matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=served.body(), media_type=page.media_type, headers=headers)


def public_base_url(request: Request) -> str:
    """The configured origin of the links the gateway publishes (``GATEWAY_OPEN_PUBLIC_BASE_URL``).

    Never the request's ``Host`` header: anyone can send ``Host: evil.example``, and a link
    built from it would point a cached page's readers, or a crawler, at the attacker.
    """
    channel = gateway_of(request).part(OpenDataChannel)
    settings = channel.service.settings if channel is not None else OpenDataSettings()
    return settings.public_base_url.rstrip("/")


def _next_url(request: Request, cursor: str) -> str:
    url = request.url.include_query_params(cursor=cursor)
    return f"{public_base_url(request)}{url.path}?{url.query}"


async def _feed(request: Request, feed: str) -> Response:
    service = open_data(request)
    language = language_of(request)
    if feed not in service.feeds:
        raise Refusal("open.source.unavailable", headers={"Retry-After": "30"})
    params = _params(request)
    if service.reads_store(feed):
        # The gateway's own registers are read from the database: off the event loop.
        served = await asyncio.to_thread(service.serve, feed, params, language)
    else:
        served = service.serve(feed, params, language)
    return respond(request, served)


@router.get("/budget", responses=FEED_RESPONSES)
async def open_budget(request: Request) -> Response:
    """Approved budget against execution, by line, programme, economic category or total.

    Filters: `municipality`, `year` (default: the latest), `economic_category` (wages,
    goods_services, subsidies, capital_investments), `programme` (three digits), `month`
    (execution through that month), `group_by` (line, economic_category, programme,
    municipality); `format` json or csv; `page_size`, `cursor`; `lang` sq, sr or en.
    """
    return await _feed(request, "budget")


@router.get("/revenues", responses=FEED_RESPONSES)
async def open_revenues(request: Request) -> Response:
    """Own-source revenues planned against collected: property tax, permits, fees, other.

    Filters: `municipality`, `year`, `source`, `month`; `format`, `page_size`, `cursor`, `lang`.
    """
    return await _feed(request, "revenues")


@router.get("/contracting", responses=FEED_RESPONSES)
async def open_contracting(request: Request) -> Response:
    """Contracting processes (from the OCDS feed), one row each, linked to the budget line.

    Filters: `municipality`, `year`, `stage` (tender, award, contract, implementation,
    completed), `category` (works, goods, services); `format`, `page_size`, `cursor`, `lang`.
    """
    return await _feed(request, "contracting")


@router.get("/contracting/releases", responses=FEED_RESPONSES)
async def open_contracting_releases(request: Request) -> Response:
    """The contracting processes as an OCDS 1.1 release package (the publisher's releases,
    each linked to its budget line through ``planning.budget.uri``), one page of processes.

    Filters as ``/contracting``, plus `ocid`; `page_size` counts processes.
    """
    return await _feed(request, "ocds_releases")


@router.get("/contracting/records", responses=FEED_RESPONSES)
async def open_contracting_records(request: Request) -> Response:
    """The same processes as an OCDS 1.1 record package: every release of each process and
    its compiled release (merged by the OCDS reference rules)."""
    return await _feed(request, "ocds_records")


@router.get("/plans", responses=FEED_RESPONSES)
async def open_plans(request: Request) -> Response:
    """Detailed and neighbourhood regulatory plans: stage, validity, documents, boundary.

    Filters: `municipality`, `status` (draft, public_review, approved), `kind`; `format` json,
    csv or geojson (a FeatureCollection of the plan boundaries).
    """
    return await _feed(request, "plans")


@router.get("/permits", responses=FEED_RESPONSES)
async def open_permits(request: Request) -> Response:
    """Construction and occupancy permits issued: by the municipalities (approved through the
    gateway's hand-off) and category III by the ministry. Investors appear by kind; a private
    person is never named.

    Filters: `municipality`, `year` (of issue), `category` (I, II, III), `kind` (construction,
    occupancy); `format` json or csv; `page_size`, `cursor`, `lang`.
    """
    return await _feed(request, "permits")


@router.get("/acts", responses=FEED_RESPONSES)
async def open_acts(request: Request) -> Response:
    """Every act municipal assemblies and mayors submitted for legality review, where its
    review by the ministry (MAPL) stands, and its dates: adopted, submitted, received, review
    started, reconsideration requested, decided, withdrawn; the ministry's public reasons and
    documents.

    Filters: `municipality`, `year` (of adoption), `review_state` (submitted, received,
    under_review, found_lawful, reconsideration_requested, reconsidered, referred_to_court,
    withdrawn), `kind` (assembly_statute, assembly_regulation, assembly_decision,
    mayor_decision); `format` json or csv; `page_size`, `cursor`; `lang` sq, sr or en.
    """
    return await _feed(request, "acts")


@router.get("/hearings", responses=FEED_RESPONSES)
async def open_hearings(request: Request) -> Response:
    """Public hearings and debates the municipalities published: topic, place and time, the
    documents, the comment window, the number of comments received and, once published, the
    municipality's report on them (which closes the hearing).

    Filters: `municipality`, `year` (of the hearing), `status` (open, closed),
    `comment_period` (upcoming, open, ended); `format` json or csv; `page_size`, `cursor`;
    `lang` sq, sr or en.
    """
    return await _feed(request, "hearings")


@router.get("/questions", responses=FEED_RESPONSES)
async def open_questions(request: Request) -> Response:
    """Citizens' questions to members of the municipal assemblies and to mayors, with their
    recipients, deadlines and answers; who asked is never published.

    Filters: `municipality`, `year` (asked), `state` (open, answered, overdue),
    `recipient_role` (member, mayor), `member` (a member_id); `format` json or csv;
    `page_size`, `cursor`; `lang` sq, sr or en.
    """
    return await _feed(request, "questions")


@router.get("/question-statistics", responses=FEED_RESPONSES)
async def open_question_statistics(request: Request) -> Response:
    """Questions asked, answered, answered late, open and overdue, and the median days to
    answer: one row per municipality (`level=municipality`) and one per recipient
    (`level=member`).

    Filters: `municipality`, `year` (asked), `level`, `recipient_role`, `member`; `format`
    json or csv; `page_size`, `cursor`; `lang` sq, sr or en.
    """
    return await _feed(request, "question-statistics")


@router.get("/petitions", responses=FEED_RESPONSES)
async def open_petitions(request: Request) -> Response:
    """Petitions and citizens' initiatives opened through the portal: their signatures against
    the threshold (10 % of registered voters, Law No. 03/L-040, Art. 71), the signing window,
    the decision due and the status the municipality reported; only counts, never a signatory.

    Filters: `municipality`, `year` (opened), `status`, `kind` (regulation_referendum,
    initiative), `signing` (open, closed); `format` json or csv; `page_size`, `cursor`;
    `lang` sq, sr or en.
    """
    return await _feed(request, "petitions")


@router.get("/budget/lines/{line_id}", responses=problem_responses(404, 503))
async def open_budget_line(request: Request, line_id: str) -> Response:
    """One budget line with its monthly execution (the target of OCDS `planning.budget.uri`)."""
    service = open_data(request)
    language = language_of(request)
    parts = line_id.split("-")
    if len(parts) != 4 or not parts[1].isdigit():
        raise Refusal("open.record.not_found")
    params = {"municipality": parts[0], "year": parts[1], "programme": parts[2]}
    if parts[3] in ("wages", "goods_services", "subsidies", "capital_investments"):
        params["economic_category"] = parts[3]
    served = service.serve("budget", params, language)
    if served.page.count != 1:
        raise Refusal("open.record.not_found")
    return respond(request, served)


@router.get("/municipalities")
async def open_municipalities(request: Request) -> dict[str, Any]:
    """The 38 municipalities: the codes and slugs the feeds' `municipality` filter takes."""
    service = open_data(request)
    language = language_of(request)
    return {
        "data": [
            {
                "municipality": m.code,
                "slug": m.slug,
                "name": m.name.in_language(language),
                "names": m.name.model_dump(),
            }
            for m in service.catalogue.municipalities
        ]
    }


def install_open_data(app: FastAPI) -> None:
    """Mount the open-data routes; their refusals go through the one problem renderer."""
    app.include_router(router)
