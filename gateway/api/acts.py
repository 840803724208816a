"""``/v1/acts``: a municipality submits its assembly's and mayor's acts for legality review.

A client with the ``municipality`` role speaks for the one municipality ``routing.yaml`` gives
it. It submits an act (the body is the published ``MunicipalAct`` contract,
``contracts/schemas/municipal-act-v1.json``), sends a new text of it, or withdraws it; each
answers ``202`` once the act and its message to the ministry are committed together, with the
act's status URL. Another municipality's act is a ``403 act.not_owner``; an act whose review
is over cannot be changed (``409 act.transition.illegal``). The public reads every act at
``/v1/open/acts``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.act_messages import MunicipalAct, OfficialText
from gateway.acts.desk import ActAnswer
from gateway.api.auth import CurrentClient, speaker_of
from gateway.api.deps import ActDeskDep
from gateway.api.problems import problem_responses

router = APIRouter(prefix="/v1/acts", tags=["legality review of acts"])

ActId = Annotated[uuid.UUID, Path(description="the id returned on submission")]


class ActEventView(BaseModel):
    state: str
    previous_state: str | None
    revision: int
    source: str = Field(description="municipality:<code> or ministry:mapl")
    occurred_at: str
    public_note: dict[str, str] | None
    documents: list[dict[str, Any]]


class ActView(BaseModel):
    act_id: str
    municipality: str
    kind: str
    number: str
    title: dict[str, str]
    adopted_on: str
    documents: list[dict[str, Any]]
    revision: int = Field(description="how many texts of the act the ministry has had")
    review_state: str
    submitted_at: str
    updated_at: str
    status_url: str
    history: list[ActEventView] | None = None


class WithdrawalIn(BaseModel):
    """Why the municipality takes its act out of review (optional, public)."""

    model_config = ConfigDict(extra="forbid")

    reason: OfficialText | None = None


ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"model": ActView, "description": "accepted; the ministry will be told"},
    **problem_responses(401, 403, 404, 409, 422),
}


def _answer(answer: ActAnswer) -> JSONResponse:
    headers = {"Location": answer.body["status_url"]}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=202, headers=headers)


@router.post("", status_code=202, response_model=ActView, responses=ANSWERS)
async def submit_act(body: MunicipalAct, client: CurrentClient, desk: ActDeskDep) -> JSONResponse:
    """Submit an act of your municipality's assembly or mayor for legality review.

    The same act sent again under its number gets the first answer; a different act under a
    number already used is a `409 act.number.taken`.
    """
    return _answer(await desk.submit(speaker_of(client), body))


@router.get("/{act_id}", response_model=ActView, responses=problem_responses(401, 403, 404))
async def get_act(act_id: ActId, client: CurrentClient, desk: ActDeskDep) -> dict[str, Any]:
    """The act, where its review stands, and its whole history (your own acts; operators all)."""
    municipality = None if client.has_role("operator") else speaker_of(client).municipality
    return await desk.view(str(act_id), municipality=municipality)


@router.put("/{act_id}", status_code=202, response_model=ActView, responses=ANSWERS)
async def revise_act(
    act_id: ActId, body: MunicipalAct, client: CurrentClient, desk: ActDeskDep
) -> JSONResponse:
    """Send a new text of the act (a correction, or the act as reconsidered at the ministry's
    request). Its municipality, number and kind stay; the ministry reviews the new revision."""
    return _answer(await desk.revise(speaker_of(client), str(act_id), body))


@router.post("/{act_id}/withdrawal", status_code=202, response_model=ActView, responses=ANSWERS)
async def withdraw_act(
    act_id: ActId, body: WithdrawalIn, client: CurrentClient, desk: ActDeskDep
) -> JSONResponse:
    """Withdraw the act from review (it stays in the public register, as withdrawn)."""
    return _answer(await desk.withdraw(speaker_of(client), str(act_id), body.reason))
