"""FastAPI dependencies: how a handler reaches the parts that bootstrap built.

A feature's part (a desk, the sign-in) is reached one way: its typed dependency below. A
gateway that runs without that feature answers with one failure, the same everywhere: a 503
problem document naming what is missing (an operator's configuration, not the caller's
fault, and it may come back after a restart).

The dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its
thread pool, and a thread hop per dependency per request cost more CPU than the whole lookup
(``bench/results/optimisation.md``). Code that is not a dependency calls ``gateway_of``.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request

from contracts.catalogue import Catalogue
from gateway.acts.desk import ActDesk
from gateway.assembly.desk import AssemblyDesk
from gateway.audit.checkpoints import CheckpointSigner
from gateway.audit.citizen_view import DataUsageView
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import Gateway
from gateway.complaints.desk import ComplaintDesk
from gateway.hearings.desk import HearingDesk
from gateway.ops.dead_letters import DeadLetterDesk
from gateway.ops.sign_in import OpsSignIn
from gateway.participation.questions import QuestionDesk
from gateway.refusals import Refusal

T = TypeVar("T")


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.state.gateway
    return gateway


def part_of(request: Request, kind: type[T], what: str) -> T:
    """The feature's part of type ``kind``, or the 503 of a gateway running without it."""
    return required(gateway_of(request).part(kind), what)


def required(part: T | None, what: str) -> T:
    if part is None:
        raise Refusal("internal.error", status=503, detail=f"this gateway runs without {what}")
    return part


async def get_gateway(request: Request) -> Gateway:
    return gateway_of(request)


async def get_catalogue(request: Request) -> Catalogue:
    return gateway_of(request).catalogue


async def get_complaint_desk(request: Request) -> ComplaintDesk:
    return part_of(request, ComplaintDesk, "the complaints desk")


async def get_act_desk(request: Request) -> ActDesk:
    return part_of(request, ActDesk, "the legality review of acts")


async def get_hearing_desk(request: Request) -> HearingDesk:
    return part_of(request, HearingDesk, "public hearings")


async def get_assembly_desk(request: Request) -> AssemblyDesk:
    return part_of(request, AssemblyDesk, "the municipal assemblies")


async def get_question_desk(request: Request) -> QuestionDesk:
    return part_of(request, QuestionDesk, "citizens' questions")


async def find_dead_letter_desk(request: Request) -> DeadLetterDesk | None:
    """The desk, if any: the overview page shows the dead letters only when there is one."""
    return gateway_of(request).part(DeadLetterDesk)


async def get_dead_letter_desk(
    desk: Annotated[DeadLetterDesk | None, Depends(find_dead_letter_desk)],
) -> DeadLetterDesk:
    return required(desk, "a dead-letter desk")


async def get_ops_sign_in(request: Request) -> OpsSignIn:
    return part_of(request, OpsSignIn, "the dashboard sign-in")


async def get_audit_trail(request: Request) -> AuditTrail:
    return part_of(request, AuditTrail, "the audit log")


async def get_data_usage_view(request: Request) -> DataUsageView:
    return part_of(request, DataUsageView, "the data-usage records")


async def get_checkpoint_signer(request: Request) -> CheckpointSigner:
    return part_of(request, CheckpointSigner, "the audit log's checkpoints")


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
ComplaintDeskDep = Annotated[ComplaintDesk, Depends(get_complaint_desk)]
ActDeskDep = Annotated[ActDesk, Depends(get_act_desk)]
HearingDeskDep = Annotated[HearingDesk, Depends(get_hearing_desk)]
AssemblyDeskDep = Annotated[AssemblyDesk, Depends(get_assembly_desk)]
QuestionDeskDep = Annotated[QuestionDesk, Depends(get_question_desk)]
DeadLetterDeskDep = Annotated[DeadLetterDesk, Depends(get_dead_letter_desk)]
MaybeDeadLetterDeskDep = Annotated[DeadLetterDesk | None, Depends(find_dead_letter_desk)]
OpsSignInDep = Annotated[OpsSignIn, Depends(get_ops_sign_in)]
AuditTrailDep = Annotated[AuditTrail, Depends(get_audit_trail)]
DataUsageViewDep = Annotated[DataUsageView, Depends(get_data_usage_view)]
CheckpointSignerDep = Annotated[CheckpointSigner, Depends(get_checkpoint_signer)]
