"""``/v1/questions``: a municipality answers the questions its citizens asked its assembly.

A client with the ``municipality`` role speaks for its own municipality only: it reads a
question addressed to its assembly's members or its mayor, and publishes the answer, once
(``contracts/participation.py``). Citizens ask through the portal (``POST /v1/requests``,
service ``assembly-question``, the recipient's ``member_id`` in ``form.recipient``), and open
and sign petitions the same way (``citizens-petition``, ``petition-signature``). The public
reads questions, answers, their statistics and the petitions' signature counts under
``/v1/open``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from contracts.participation import QuestionAnswer
from gateway.api.auth import CurrentClient, speaker_of
from gateway.api.deps import QuestionDeskDep
from gateway.api.problems import problem_responses

router = APIRouter(prefix="/v1/questions", tags=["citizens' questions"])

QuestionId = Annotated[uuid.UUID, Path(description="the request id the portal was given")]


@router.get("/{question_id}", responses=problem_responses(401, 403, 404))
async def get_question(
    question_id: QuestionId, client: CurrentClient, desk: QuestionDeskDep
) -> dict[str, Any]:
    """A question to your assembly or mayor, with its deadline and answer (operators: all)."""
    municipality = None if client.has_role("operator") else speaker_of(client).municipality
    return await desk.view(str(question_id), municipality=municipality)


@router.post("/{question_id}/answer", responses=problem_responses(401, 403, 404, 409, 422))
async def answer_question(
    question_id: QuestionId, body: QuestionAnswer, client: CurrentClient, desk: QuestionDeskDep
) -> dict[str, Any]:
    """Publish the answer to a question addressed to your municipality; once only."""
    return await desk.answer(speaker_of(client), str(question_id), body)
