"""``/v1/ops``: the operations API, for clients with the ``operator`` role only.

Every route of ``router`` sits behind ``operator`` (a router-level dependency, so a new route
is protected by default). An operator authenticates like any client, with
``Authorization: Bearer <key>``, or, in the dashboard, with the session cookie that
``POST /v1/ops/session`` sets after checking the same key.

Why a cookie for the dashboard: the live log is a server-sent-events stream, and the
browser's ``EventSource`` cannot send an ``Authorization`` header. The cookie holds a random
session id, never the key: the session lives in the store (``gateway/ops/sign_in.py``), so
every instance knows it, it ends after ``GATEWAY_OPS_SESSION_IDLE_S`` unused and
``GATEWAY_OPS_SESSION_MAX_S`` after sign-in, and signing out ends it on the server. The
cookie is ``HttpOnly`` so page scripts cannot read it, ``SameSite=Strict`` so no other site's
page can send it, and ``Secure`` whenever the request came over https (as the server saw it:
a proxy's ``X-Forwarded-Proto`` counts only from ``GATEWAY_TRUSTED_PROXIES``) and always in
production. Sign-in is throttled per client address and per key prefix (429
``auth.throttled`` with ``Retry-After``). Changes made with the cookie (replay, reset) must
also carry ``X-Requested-By: ekomunat-ops``, a header a cross-site form cannot send, as a
second line against request forgery.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import structlog
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from contracts.messages import RequestStatus
from gateway.access import Client, hash_key
from gateway.api.auth import client_address, require_role
from gateway.api.deps import (
    DeadLetterDeskDep,
    GatewayDep,
    MaybeDeadLetterDeskDep,
    OpsSignInDep,
    get_ops_sign_in,
)
from gateway.api.problems import problem_responses
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import Gateway
from gateway.ops import overview
from gateway.ops.dead_letters import DeadLetterDesk, DeadLettersUnavailable
from gateway.ops.live_log import concerns_request, is_routing_event
from gateway.ops.queries import deliveries_of, outbox_backlog
from gateway.ops.shared_ops import SharedOps
from gateway.refusals import Refusal
from gateway.settings import Environment

log = structlog.get_logger()

SESSION_COOKIE = "ekomunat_ops"
SESSION_PATH = "/v1/ops/session"
CSRF_HEADER = "x-requested-by"
CSRF_VALUE = "ekomunat-ops"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEEP_ALIVE_S = 5.0
POLL_S = 0.2
STREAM_LIFETIME_S = 10.0
"""A stream ends after this long and the browser reconnects (with ``Last-Event-ID``, so no
line is lost). The server cannot tell an open stream that it is shutting down, so without
this one open dashboard would hold up every graceful stop of the gateway."""


def _bearer(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


async def operator(request: Request, gateway: GatewayDep) -> Client:
    """The calling operator, by bearer key or session cookie; 401 or 403 otherwise."""
    key = _bearer(request)
    by_cookie = not key
    if by_cookie:
        session_id = request.cookies.get(SESSION_COOKIE, "")
        client = await _session_client(request, gateway, session_id) if session_id else None
    else:
        client = gateway.clients_by_key_hash.get(hash_key(key))
    if client is None:
        log.warning(
            "auth.refused",
            reason="unauthenticated",
            path=request.url.path,
            client_address=client_address(request),
        )
        raise Refusal("auth.unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    structlog.contextvars.bind_contextvars(client=client.name)
    require_role(client, "operator")
    if (
        by_cookie
        and request.method not in SAFE_METHODS
        and request.headers.get(CSRF_HEADER) != CSRF_VALUE
    ):
        log.warning("auth.refused", reason="csrf_header_missing", client=client.name)
        raise Refusal("auth.forbidden", detail=f"send {CSRF_HEADER}: {CSRF_VALUE}")
    return client


async def _session_client(request: Request, gateway: Gateway, session_id: str) -> Client | None:
    # Only a cookie needs the sign-in: a bearer key is checked without it.
    sign_in = await get_ops_sign_in(request)
    name = await asyncio.to_thread(sign_in.client_of, session_id)
    if name is None:
        return None
    # The session names its client; routing.yaml may have dropped it since.
    return next((c for c in gateway.clients_by_key_hash.values() if c.name == name), None)


Operator = Annotated[Client, Depends(operator)]


def _audited(gateway: Gateway, action: str, operator_name: str, **details: Any) -> None:
    """An operator's action into the audit log (gateway/audit/), when the gateway keeps one."""
    trail = gateway.part(AuditTrail)
    if trail is not None:
        trail.operator_action_now(action, operator_name, **details)


session_router = APIRouter(prefix=SESSION_PATH, tags=["operations"])
router = APIRouter(
    prefix="/v1/ops",
    tags=["operations"],
    dependencies=[Depends(operator)],
    responses=problem_responses(401, 403),
)


class SessionIn(BaseModel):
    key: str = Field(min_length=1, max_length=512, description="the operator's API key")


class SessionView(BaseModel):
    operator: str


@session_router.post("", response_model=SessionView, responses=problem_responses(401, 403, 429))
def open_session(
    body: SessionIn,
    request: Request,
    response: Response,
    gateway: GatewayDep,
    sign_in: OpsSignInDep,
) -> SessionView:
    """Check an operator key (throttled) and open a server-side session in an HttpOnly cookie."""
    address = client_address(request)
    key = body.key.strip()
    wait_s = sign_in.retry_after_s(address, key)
    if wait_s is not None:
        log.warning("auth.throttled", path=SESSION_PATH, client_address=address, retry_s=wait_s)
        raise Refusal("auth.throttled", headers={"Retry-After": str(wait_s)})
    client = gateway.clients_by_key_hash.get(hash_key(key))
    if client is None or not client.has_role("operator"):
        sign_in.failed(address, key)
        reason = "unauthenticated" if client is None else "role"
        _audited(gateway, "session.refused", client.name if client else "", reason=reason)
        log.warning("auth.refused", reason=reason, path=SESSION_PATH, client_address=address)
        raise Refusal("auth.unauthenticated" if client is None else "auth.forbidden")
    response.set_cookie(
        SESSION_COOKIE,
        sign_in.open(client.name),
        max_age=int(sign_in.max_s),
        **_cookie_attributes(request, gateway),
    )
    log.info("ops.session.opened", client=client.name, client_address=address)
    _audited(gateway, "session.opened", client.name)
    return SessionView(operator=client.name)


@session_router.delete("", status_code=204)
def close_session(
    request: Request, response: Response, gateway: GatewayDep, sign_in: OpsSignInDep
) -> Response:
    """End the session on the server (on every instance) and drop its cookie."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if session_id:
        sign_in.close(session_id)
    response.delete_cookie(SESSION_COOKIE, **_cookie_attributes(request, gateway))
    response.status_code = 204
    return response


def _cookie_attributes(request: Request, gateway: Gateway) -> dict[str, Any]:
    secure = request.url.scheme == "https" or gateway.settings.environment is Environment.PRODUCTION
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}


@router.get("/whoami", response_model=SessionView)
def whoami(client: Operator) -> SessionView:
    """The operator the request is authenticated as."""
    return SessionView(operator=client.name)


# Requests


class RequestSummary(BaseModel):
    request_id: str
    client: str
    service: str
    municipality: str
    language: str
    status: str
    created_at: str
    updated_at: str


class RequestPage(BaseModel):
    count: int
    limit: int
    offset: int
    requests: list[RequestSummary]


@router.get("/requests", response_model=RequestPage, responses=problem_responses(400))
async def search_requests(
    gateway: GatewayDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    service: Annotated[str | None, Query(max_length=64)] = None,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    client: Annotated[str | None, Query(max_length=100)] = None,
    created_from: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    created_before: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestPage:
    """Requests by status, service, municipality, client and time of creation, newest first."""
    for moment in (created_from, created_before):
        if moment is not None and moment.tzinfo is None:
            raise Refusal("request.query.invalid", detail="times need a time zone (Z or +hh:mm)")

    def search() -> list[RequestSummary]:
        with gateway.store.unit_of_work(read_only=True) as uow:
            records = uow.requests.search(
                client_id=client,
                municipality=municipality,
                service=service,
                status=status,
                created_from=created_from,
                created_before=created_before,
                limit=limit,
                offset=offset,
            )
        return [
            RequestSummary(
                request_id=r.id,
                client=r.client_id,
                service=r.service,
                municipality=r.municipality,
                language=r.language,
                status=r.status.value,
                created_at=r.created_at.isoformat(),
                updated_at=r.updated_at.isoformat(),
            )
            for r in records
        ]

    found = await asyncio.to_thread(search)
    return RequestPage(count=len(found), limit=limit, offset=offset, requests=found)


class RequestTrace(BaseModel):
    request: RequestSummary
    history: list[dict[str, Any]] = Field(description="every status the request went through")
    trace: list[dict[str, Any]] = Field(description="hops recorded when it was taken in")
    deliveries: list[dict[str, Any]] = Field(description="its hand-off and callbacks")
    log: list[dict[str, Any]] = Field(
        description="its lines in the live log, from every instance (the most recent only)"
    )


@router.get("/requests/{request_id}", response_model=RequestTrace, responses=problem_responses(404))
async def trace_request(
    request_id: Annotated[uuid.UUID, Path(description="the gateway's id of the request")],
    gateway: GatewayDep,
) -> RequestTrace:
    """A request's full trace: status history, hops, deliveries and its routing-log lines."""
    view = await gateway.intake.status_of(str(request_id), client="", sees_all=True)
    if view is None:
        raise Refusal("request.unknown")
    record = await asyncio.to_thread(_summary, gateway, str(request_id))
    deliveries = await asyncio.to_thread(deliveries_of, gateway.store, str(request_id))
    lines = gateway.live_log.matching(lambda event: concerns_request(event, str(request_id)))
    return RequestTrace(
        request=record,
        history=view["history"],
        trace=view["trace"],
        deliveries=deliveries,
        log=[_jsonable(event) for event in lines],
    )


def _summary(gateway: Gateway, request_id: str) -> RequestSummary:
    with gateway.store.unit_of_work(read_only=True) as uow:
        r = uow.requests.get(request_id)
    if r is None:
        raise Refusal("request.unknown")
    return RequestSummary(
        request_id=r.id,
        client=r.client_id,
        service=r.service,
        municipality=r.municipality,
        language=r.language,
        status=r.status.value,
        created_at=r.created_at.isoformat(),
        updated_at=r.updated_at.isoformat(),
    )


# Dead letters


class DeadLetterView(BaseModel):
    message_id: str | None
    request_id: str | None
    reason: str
    dead_lettered_by: str = Field(description="gateway (a refused status update) or broker")
    queue: str | None = Field(description="the queue it was dead-lettered from")
    exchange: str = Field(description="where a replay publishes it")
    routing_key: str
    deaths: int
    replays: int
    type: str | None
    size: int
    preview: str = Field(description="start of the body, personal numbers masked")


class DeadLetterList(BaseModel):
    queue: str
    count: int = Field(description="messages listed (at most limit)")
    dead_letters: list[DeadLetterView]


class ReplayView(BaseModel):
    replayed: list[str]
    failed: list[dict[str, str]]
    remaining: int | None


def _unavailable(exc: DeadLettersUnavailable) -> Refusal:
    return Refusal("internal.error", status=503, detail=str(exc))


@router.get("/dead-letters", response_model=DeadLetterList, responses=problem_responses(503))
async def list_dead_letters(
    desk: DeadLetterDeskDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> DeadLetterList:
    """The dead-letter queue with each message's reason and origin; the queue is unchanged."""
    try:
        letters = await desk.list(limit)
    except DeadLettersUnavailable as exc:
        raise _unavailable(exc) from exc
    return DeadLetterList(
        queue=desk.queue_name,
        count=len(letters),
        dead_letters=[DeadLetterView(**letter.as_dict()) for letter in letters],
    )


@router.post("/dead-letters/replay", response_model=ReplayView, responses=problem_responses(503))
async def replay_all_dead_letters(
    desk: DeadLetterDeskDep, client: Operator, gateway: GatewayDep
) -> ReplayView:
    """Send every dead letter back to where it came from (after the cause was fixed)."""
    report = await _replay(desk, client, None)
    await asyncio.to_thread(
        _audited, gateway, "dead_letters.replayed", client.name, replayed=report.replayed
    )
    return report


@router.post(
    "/dead-letters/{message_id}/replay",
    response_model=ReplayView,
    responses=problem_responses(404, 503),
)
async def replay_dead_letter(
    message_id: Annotated[str, Path(max_length=128)],
    desk: DeadLetterDeskDep,
    client: Operator,
    gateway: GatewayDep,
) -> ReplayView:
    """Send one dead letter, by message id, back to its original exchange and routing key."""
    report = await _replay(desk, client, message_id)
    await asyncio.to_thread(
        _audited, gateway, "dead_letters.replayed", client.name, replayed=report.replayed
    )
    if not report.replayed and not report.failed:
        raise Refusal("resource.not_found", detail="no dead letter has this message id")
    return report


async def _replay(desk: DeadLetterDesk, client: Client, message_id: str | None) -> ReplayView:
    log.info("ops.dead_letter.replay_requested", client=client.name, message_id=message_id)
    try:
        report = (
            await desk.replay(message_id) if message_id is not None else await desk.replay_all()
        )
    except DeadLettersUnavailable as exc:
        raise _unavailable(exc) from exc
    return ReplayView(replayed=report.replayed, failed=report.failed, remaining=report.remaining)


# Circuit breakers


class BreakerView(BaseModel):
    registry: str
    state: str = Field(description="closed, open or half_open")


class InstanceResetView(BaseModel):
    instance: str
    previous_state: str


class BreakerReset(BaseModel):
    registry: str
    previous_state: str = Field(description="the state it was in on the instance that answers")
    state: str
    instance: str = Field(description="the instance that answers")
    broadcast: bool = Field(description="the reset was sent to every other instance")
    acknowledged: int = Field(description="instances that applied it, this one included")
    instances: list[InstanceResetView] = Field(
        description="each instance that applied it, with the state its breaker was in"
    )
    unanswered: list[str] = Field(
        description="instances heard from lately that did not acknowledge in time"
    )


@router.get("/breakers", response_model=list[BreakerView])
async def list_breakers(gateway: GatewayDep) -> list[BreakerView]:
    """Each registry's circuit breaker."""
    return [
        BreakerView(registry=name, state=registry.breaker_state())
        for name, registry in sorted(gateway.registries.items())
    ]


@router.post(
    "/breakers/{registry}/reset", response_model=BreakerReset, responses=problem_responses(404)
)
async def reset_breaker(
    registry: Annotated[str, Path(max_length=64)], gateway: GatewayDep, client: Operator
) -> BreakerReset:
    """Close a registry's breaker now, on every instance; the next call goes to the registry
    at once.

    Applied here first (on the event loop, where the breakers live, so it needs no lock),
    then broadcast; the answer lists the instances that acknowledged within a second or so.
    """
    found = gateway.registries.get(registry)
    if found is None:
        raise Refusal("resource.not_found", detail="no registry of that name")
    previous = found.reset_breaker()
    gateway.metrics.breaker_resets.labels(registry).inc()
    log.info("ops.breaker.reset", registry=registry, previous_state=previous, client=client.name)
    shared = gateway.part(SharedOps)
    here = shared.instance if shared is not None else (gateway.live_log.instance or "")
    others = await shared.reset_everywhere(registry) if shared is not None else []
    answered = {reset.instance for reset in others}
    unanswered = (
        [p.instance for p in shared.peers() if p.instance not in answered] if shared else []
    )
    applied = [InstanceResetView(instance=here, previous_state=previous)] + [
        InstanceResetView(instance=reset.instance, previous_state=reset.previous_state)
        for reset in others
    ]
    await asyncio.to_thread(
        _audited, gateway, "breaker.reset", client.name, registry=registry, previous=previous
    )
    return BreakerReset(
        registry=registry,
        previous_state=previous,
        state=found.breaker_state(),
        instance=here,
        broadcast=shared is not None and shared.broadcasting,
        acknowledged=len(applied),
        instances=applied,
        unanswered=unanswered,
    )


# The routing table


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@router.get("/routing")
def routing_table(gateway: GatewayDep) -> dict[str, Any]:
    """The routing table as this instance loaded it: registries, clients' rights, routes."""
    table = gateway.table
    registries = {
        name: {
            "kind": config.kind,
            "contract": str(config.contract),
            "endpoint": _without_credentials(config.endpoint),
            "timeout_s": config.timeout_s,
            "retries": config.retries,
            "backoff": config.backoff.model_dump(),
            "breaker": config.breaker.model_dump(),
            "breaker_state": gateway.registries[name].breaker_state()
            if name in gateway.registries
            else None,
        }
        for name, config in sorted(table.registries.items(), key=lambda i: str(i[0]))
    }
    clients = {
        name: {
            "roles": list(config.roles),
            "services": config.services
            if isinstance(config.services, str)
            else list(config.services),
            "municipality": config.municipality,
        }
        for name, config in sorted(table.clients.items())
    }
    routes = [
        {
            "service": service,
            "municipality": municipality,
            "mode": route.mode.value,
            "calls": [
                {
                    "name": call.name,
                    "registry": call.registry,
                    "operation": call.operation,
                    "arguments": dict(call.arguments),
                    "on_not_found": call.on_not_found,
                }
                for call in route.calls
            ],
            "rules": [
                {"id": rule.id, "kind": rule.kind, "record": rule.record} for rule in route.rules
            ],
            "exchange": route.exchange,
        }
        for (service, municipality), route in sorted(
            table.routes.items(), key=lambda item: (item[0][0], item[0][1] or "")
        )
    ]
    return {
        "registries": {str(name): value for name, value in registries.items()},
        "clients": clients,
        "routes": routes,
        "count": len(routes),
    }


# The dashboard's numbers


@router.get("/overview")
async def overview_of(gateway: GatewayDep, desk: MaybeDeadLetterDeskDep) -> dict[str, Any]:
    """Cumulative counts and histograms per route and registry, backlog and dead letters."""
    states = {name: r.breaker_state() for name, r in gateway.registries.items()}
    try:
        backlog = await asyncio.to_thread(outbox_backlog, gateway.store)
        outbox: dict[str, Any] | None = {
            kind: {"depth": b.depth, "oldest_age_s": b.oldest_age_s} for kind, b in backlog.items()
        }
    except Exception as exc:  # the store is down: show it, keep the rest of the page alive
        log.warning("ops.overview.store_failed", error=type(exc).__name__)
        outbox = None
    shared = gateway.part(SharedOps)
    here = shared.instance if shared is not None else (gateway.live_log.instance or "")
    peers = shared.peers() if shared is not None else []
    routes_by_instance = {here: overview.routes(gateway.metrics)}
    routes_by_instance.update({peer.instance: peer.routes for peer in peers})
    return {
        "instance": here,
        "instances": [{"instance": here, "here": True, "breakers": states}]
        + [{"instance": p.instance, "here": False, "breakers": p.breakers} for p in peers],
        "routes": overview.routes_across(routes_by_instance),
        "registries": overview.registries(gateway.metrics, states),
        "outbox": outbox,
        "dead_letters": desk.depth_hint() if desk is not None else None,
        "flows": overview.flows(gateway.metrics),
        "live_log_last": gateway.live_log.last,
    }


# The live log


def _jsonable(event: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items()}


def _sse(event: str, data: Mapping[str, Any], sequence: int | None = None) -> str:
    head = f"id: {sequence}\n" if sequence is not None else ""
    body = json.dumps(data, default=str, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {event}\ndata: {body}\n\n"


@router.get("/log")
def recent_log(
    gateway: GatewayDep,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
    routing_only: Annotated[bool, Query(description="only lines with a hop")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> dict[str, Any]:
    """The newest lines of the live log (masked like the log file): this instance's lines,
    and the routing-log lines of every other instance, each naming its ``instance``."""

    def wanted(event: Mapping[str, Any]) -> bool:
        if routing_only and not is_routing_event(event):
            return False
        return request_id is None or concerns_request(event, request_id)

    lines = gateway.live_log.matching(wanted)[-limit:]
    return {"count": len(lines), "lines": [_jsonable(event) for event in lines]}


@router.get(
    "/log/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_log(
    request: Request,
    gateway: GatewayDep,
    backlog: Annotated[int, Query(ge=0, le=2000, description="older lines sent first")] = 100,
    follow: Annotated[bool, Query(description="keep the stream open for new lines")] = True,
    routing_only: Annotated[bool, Query()] = False,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """The live log as server-sent events (``event: log``), resuming after ``Last-Event-ID``.

    Every instance's routing-log lines, each naming its ``instance`` (this one's other lines
    too). An ``event: gap`` naming an instance says that instance dropped lines on the way.

    A reader too slow for the log gets an ``event: gap`` instead of the lines it missed;
    logging itself never waits for a reader. A following stream lasts ``STREAM_LIFETIME_S``
    and is then resumed by the browser.
    """
    live = gateway.live_log
    cursor = max(0, live.last - backlog)
    if last_event_id and last_event_id.isdigit():
        cursor = int(last_event_id)

    async def events() -> AsyncIterator[str]:
        position = cursor
        quiet = 0.0
        ends_at = time.monotonic() + STREAM_LIFETIME_S
        yield ": ekomunat live log\nretry: 500\n\n"
        while time.monotonic() < ends_at:
            batch = live.after(position)
            if batch.gap:
                yield _sse("gap", {"after": position})
            for sequence, event in batch.entries:
                if "gap" in event:
                    yield _sse("gap", {"instance": event.get("instance"), "dropped": event["gap"]})
                elif not routing_only or is_routing_event(event):
                    yield _sse("log", event, sequence)
            position = batch.last
            if not follow and len(batch.entries) < 500:
                return
            if batch.entries:
                quiet = 0.0
                continue
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_S)
            quiet += POLL_S
            if quiet >= KEEP_ALIVE_S:
                quiet = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
