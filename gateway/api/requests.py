"""``/v1/requests``: the portal submits citizens' requests and follows them.

A thin layer: it authenticates, parses the envelope and hands over to the intake, which
owns every decision. Sync services answer 200 with their document; async ones answer 202
with a status URL, only after the request and its hand-off are committed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import orjson
import structlog
from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.messages import Applicant, ServiceCode
from gateway.access import Client
from gateway.api.auth import CurrentClient, require_role
from gateway.api.deps import GatewayDep, gateway_of
from gateway.api.problems import problem_responses
from gateway.callback_origins import REFUSAL_DETAILS, CallbackRefused, admit_callback
from gateway.intake import Caller, Submission
from gateway.refusals import Refusal
from gateway.settings import Environment

log = structlog.get_logger()

router = APIRouter(prefix="/v1/requests", tags=["requests"])


class AnswerResponse(JSONResponse):
    """An answer's JSON written by orjson: the same compact UTF-8 document as Starlette's
    ``json.dumps``, in C, once per request on the busiest route."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RequestIn(BaseModel):
    """What the portal sends for one citizen's request."""

    model_config = ConfigDict(extra="forbid")

    # Checked for form here, before the intake puts them into every log line of the request.
    service: ServiceCode = Field(description="catalogue service code")
    municipality: str = Field(pattern=r"^[0-9]{2}$", description="KAS code, 01-38")
    language: Literal["sq", "sr", "en"] = Field(description="the citizen's language")
    applicant: Applicant | None = Field(
        None,
        description="the citizen; leave it out only for a service open to anonymous requests "
        "(a comment in a public hearing)",
    )
    form: dict[str, Any] = Field(default_factory=dict, description="the service's form fields")
    callback_url: str | None = Field(
        None,
        max_length=2000,
        description="where status changes are sent: an URL under one of the client's declared "
        "callback origins, https in production; refused with request.callback.refused otherwise",
    )


class Hop(BaseModel):
    hop: str
    outcome: str
    duration_ms: float
    registry: str | None = None
    operation: str | None = None
    rule: str | None = None


class Document(BaseModel):
    type: str
    title: str
    issued_at: str
    records: dict[str, Any]


class SyncAnswer(BaseModel):
    request_id: str
    status: Literal["completed"]
    service: str
    municipality: str
    language: str
    status_url: str
    document: Document
    trace: list[Hop]


class Accepted(BaseModel):
    request_id: str
    status: Literal["accepted"]
    service: str
    municipality: str
    language: str
    status_url: str
    handed_off: bool
    answer_due_working_days: int
    trace: list[Hop]


class StatusChangeView(BaseModel):
    status: str
    previous_status: str | None
    source: str
    occurred_at: str
    note: dict[str, Any] | None
    documents: list[dict[str, Any]]


class RequestStatusView(BaseModel):
    request_id: str
    service: str
    municipality: str
    language: str
    status: str
    created_at: str
    updated_at: str
    history: list[StatusChangeView]
    trace: list[Hop]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="unique per request; a retry with the same key gets the first answer",
        max_length=128,
    ),
]


@router.post(
    "",
    status_code=200,
    response_model=SyncAnswer,
    responses={
        202: {"model": Accepted, "description": "accepted; handed to the municipality"},
        **problem_responses(400, 401, 403, 409, 422, 502, 503),
    },
)
async def submit_request(
    body: RequestIn,
    request: Request,
    client: CurrentClient,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Submit a citizen's request for one service in one municipality."""
    # Not a ``GatewayDep``: one dependency fewer to solve on the busiest route.
    gateway = gateway_of(request)
    request.state.language = body.language
    require_role(client, "portal")
    if not idempotency_key:
        raise Refusal("idempotency.key_missing")
    if body.callback_url is not None:
        _check_callback(
            body.callback_url,
            client,
            production=gateway.settings.environment is Environment.PRODUCTION,
        )
    submission = Submission(
        service=body.service,
        municipality=body.municipality,
        language=body.language,
        applicant=body.applicant,
        form=body.form,
        callback_url=body.callback_url,
    )
    caller = Caller(name=client.name, may_use_service=client.may_use(body.service))
    answer = await gateway.intake.submit(caller, idempotency_key, submission)
    headers: dict[str, str] = {"Content-Language": body.language}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    if answer.status_code == 202:
        headers["Location"] = answer.body["status_url"]
    return AnswerResponse(answer.body, status_code=answer.status_code, headers=headers)


def _check_callback(url: str, client: Client, *, production: bool) -> None:
    """Refuse a callback URL outside the client's declared origins, before anything is stored.

    The problem names the reason and never the URL, which may carry a password.
    """
    origins = [origin.parsed() for origin in client.config.callback_origins]
    try:
        admit_callback(url, origins, production=production)
    except CallbackRefused as refused:
        log.warning("callback.refused", reason=refused.reason, client=client.name)
        detail = REFUSAL_DETAILS[refused.reason]
        raise Refusal(
            "request.callback.refused",
            detail=detail,
            errors=[("/callback_url", detail["en"])],
            extra={"reason": refused.reason},
        ) from None


@router.get(
    "/{request_id}",
    response_model=RequestStatusView,
    responses=problem_responses(401, 404),
)
async def get_request(
    request_id: Annotated[uuid.UUID, Path(description="the id returned on submission")],
    client: CurrentClient,
    gateway: GatewayDep,
) -> RequestStatusView:
    """Status, history and trace of a request the caller submitted."""
    view = await gateway.intake.status_of(
        str(request_id), client=client.name, sees_all=client.has_role("operator")
    )
    if view is None:
        raise Refusal("request.unknown")
    return RequestStatusView.model_validate(view)
