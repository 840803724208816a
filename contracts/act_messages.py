"""Legality review of municipal acts: the act, its submission, and the ministry's decisions.

A municipality sends the acts of its assembly and of its mayor to the ministry responsible for
local government (MAPL, Ministria e Administrimit të Pushtetit Lokal), which reviews whether
they are lawful: the administrative review of municipal acts under Law No. 03/L-040 on Local
Self-Government. (The law and the ministry are in the project's reference; that the review is
its articles 81 to 83 or thereabouts, and the steps below, are our reading of it: inference.)

Three published contracts, each with a JSON Schema in ``contracts/schemas/`` generated from the
models here (``python -m contracts.act_messages``; a test keeps them in step):

* ``MunicipalAct`` (``municipal-act-v1.json``): the act as the municipality's client sends it
  to ``POST /v1/acts``: kind, number, title in the official languages, adoption date, links to
  the signed documents.
* ``ActSubmission`` (``act-submission-v1.json``): the hand-off from the gateway to the
  ministry, on ``ekomunat.requests`` with routing key ``mapl.acts.<municipality>.<action>``
  (``submitted``, ``revised``, ``withdrawn``), into the queue ``ekomunat.mapl.acts``.
* ``ActReviewDecision`` (``act-review-decision-v1.json``): the ministry's decision, on
  ``ekomunat.act-review`` with routing key ``mapl.acts.<municipality>.<state>``, consumed by
  the gateway from ``gateway.act-review``, checked (known act, sent by the ministry, the
  current revision, a legal move) and published at ``/v1/open/acts``.

Who may move a review where is part of the contract: ``REVIEW_TRANSITIONS``.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.complaint_messages import PublicNote
from contracts.messages import DecidedBy, published_schema, write_schema_files
from contracts.records import MunicipalityCode

ACT_SUBMISSION_SCHEMA_NAME = "ekomunat.act-submission"
ACT_REVIEW_DECISION_SCHEMA_NAME = "ekomunat.act-review-decision"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
REVIEWER = "mapl"
"""The reviewing ministry's id in routing keys, queue and broker user names."""
ROUTING_PREFIX = f"{REVIEWER}.acts"
MAX_TEXT = 4000
"""Characters per language of a text: an act's title, a hearing's description or report."""

ActKind = Literal["assembly_statute", "assembly_regulation", "assembly_decision", "mayor_decision"]
ACT_KINDS: tuple[ActKind, ...] = (
    "assembly_statute",
    "assembly_regulation",
    "assembly_decision",
    "mayor_decision",
)
Issuer = Literal["assembly", "mayor"]
ActAction = Literal["submitted", "revised", "withdrawn"]
MinistryDecision = Literal[
    "received",
    "under_review",
    "found_lawful",
    "reconsideration_requested",
    "referred_to_court",
    "reconsidered",
]
ActNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]([0-9A-Za-z ./-]{0,58}[0-9A-Za-z])?$",
        description="the act's number as the municipality registers it, e.g. 01-016/2026-07",
    ),
]


class ReviewState(StrEnum):
    """Where the review of an act stands.

    The gateway sets ``submitted`` when it accepts the act and ``withdrawn`` when the
    municipality withdraws it; the ministry sets every other state.
    """

    SUBMITTED = "submitted"
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    FOUND_LAWFUL = "found_lawful"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"
    RECONSIDERED = "reconsidered"
    REFERRED_TO_COURT = "referred_to_court"
    WITHDRAWN = "withdrawn"


REVIEW_TRANSITIONS: dict[ReviewState, frozenset[ReviewState]] = {
    # A fast ministry may start its review without acknowledging receipt first.
    ReviewState.SUBMITTED: frozenset(
        {ReviewState.RECEIVED, ReviewState.UNDER_REVIEW, ReviewState.WITHDRAWN}
    ),
    ReviewState.RECEIVED: frozenset({ReviewState.UNDER_REVIEW, ReviewState.WITHDRAWN}),
    ReviewState.UNDER_REVIEW: frozenset(
        {
            ReviewState.FOUND_LAWFUL,
            ReviewState.RECONSIDERATION_REQUESTED,
            ReviewState.WITHDRAWN,
        }
    ),
    # The municipality reconsiders the act (and sends the revised text), or the ministry
    # takes the act to court.
    ReviewState.RECONSIDERATION_REQUESTED: frozenset(
        {ReviewState.RECONSIDERED, ReviewState.REFERRED_TO_COURT, ReviewState.WITHDRAWN}
    ),
    ReviewState.FOUND_LAWFUL: frozenset(),
    ReviewState.RECONSIDERED: frozenset(),
    ReviewState.REFERRED_TO_COURT: frozenset(),
    ReviewState.WITHDRAWN: frozenset(),
}

FINAL_REVIEW_STATES: frozenset[ReviewState] = frozenset(
    state for state, moves in REVIEW_TRANSITIONS.items() if not moves
)
MINISTRY_STATES: frozenset[ReviewState] = frozenset(
    ReviewState(state) for state in get_args(MinistryDecision)
)
NOTE_REQUIRED: frozenset[ReviewState] = frozenset(
    {ReviewState.RECONSIDERATION_REQUESTED, ReviewState.REFERRED_TO_COURT}
)
"""A decision against an act says why, in public."""


def is_legal_review_transition(current: ReviewState, new: ReviewState) -> bool:
    """True when a review in ``current`` may move to ``new`` (never to itself)."""
    return new in REVIEW_TRANSITIONS[current]


def issuer_of(kind: ActKind) -> Issuer:
    return "mayor" if kind.startswith("mayor_") else "assembly"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfficialText(_Message):
    """A text in both official languages of every municipality, and in English when given."""

    sq: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    sr: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    en: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None

    def in_language(self, language: str) -> str:
        """The text in ``language``; Albanian when it has none in that language."""
        text = getattr(self, language, None)
        return str(text) if text else self.sq


class PublishedDocument(_Message):
    """A published document: the signed act, an annex, the ministry's letter, the papers of a
    public hearing and its report."""

    title: Annotated[str, Field(min_length=1, max_length=300)]
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)]
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")] = "application/pdf"
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class MunicipalAct(_Message):
    """An act of a municipal assembly or mayor, as submitted for legality review (version 1).

    ``number`` is unique within the municipality: it is how the municipality names the act,
    and a second submission of one number is the same act.
    """

    municipality: MunicipalityCode
    kind: ActKind
    number: ActNumber
    title: OfficialText
    adopted_on: date = Field(description="the day the assembly adopted it or the mayor signed it")
    documents: tuple[PublishedDocument, ...] = Field(min_length=1, max_length=20)

    @property
    def issuer(self) -> Issuer:
        return issuer_of(self.kind)


class ActSubmission(_Message):
    """An act handed to the ministry for review, revised, or withdrawn (version 1).

    The AMQP ``message_id`` equals ``message_id`` and ``correlation_id`` is the ``act_id``;
    the ``schema`` header is ``ekomunat.act-submission``. A second delivery of one
    ``message_id`` is the same message. ``revision`` counts the texts of the act: a decision
    names the revision it is about.
    """

    schema_version: Literal["1"] = "1"
    message_id: UUID
    act_id: UUID
    action: ActAction
    revision: Annotated[int, Field(ge=1)]
    act: MunicipalAct
    reason: OfficialText | None = Field(
        None, description="why the municipality withdraws the act (withdrawn only)"
    )
    sent_at: AwareDatetime

    @model_validator(mode="after")
    def _reason_only_for_withdrawal(self) -> ActSubmission:
        if self.reason is not None and self.action != "withdrawn":
            raise ValueError("only a withdrawal carries a reason")
        return self

    @property
    def routing_key(self) -> str:
        return f"{ROUTING_PREFIX}.{self.act.municipality}.{self.action}"


class ActReviewDecision(_Message):
    """The ministry reports a step in the review of an act (version 1).

    Published on ``ekomunat.act-review`` with routing key
    ``mapl.acts.<municipality>.<state>``; the AMQP ``message_id`` equals ``update_id``. The
    gateway ignores a second delivery of one ``update_id`` and dead-letters decisions that
    name an unknown act or another municipality's, come from anyone but the ministry, are
    about an older revision than the current one, or make an illegal move. Asking for
    reconsideration and referring to court carry a ``public_note`` with the reasons.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "if": {
                "properties": {"state": {"enum": [*sorted(state.value for state in NOTE_REQUIRED)]}}
            },
            "then": {
                "required": ["public_note"],
                "properties": {"public_note": {"type": "object"}},
            },
        },
    )

    schema_version: Literal["1"] = "1"
    update_id: UUID
    act_id: UUID
    municipality: MunicipalityCode
    revision: Annotated[int, Field(ge=1)]
    state: MinistryDecision
    public_note: PublicNote | None = None
    documents: tuple[PublishedDocument, ...] = ()
    decided_by: DecidedBy | None = None
    occurred_at: AwareDatetime

    @model_validator(mode="after")
    def _a_decision_against_an_act_says_why(self) -> ActReviewDecision:
        if self.new_state in NOTE_REQUIRED and self.public_note is None:
            raise ValueError(f"{self.state} needs a public_note with the reasons")
        return self

    @property
    def new_state(self) -> ReviewState:
        return ReviewState(self.state)

    @property
    def routing_key(self) -> str:
        return f"{ROUTING_PREFIX}.{self.municipality}.{self.state}"


def json_schemas() -> dict[str, dict[str, Any]]:
    """The published schemas by file name, generated from the models above."""
    return {
        "municipal-act-v1.json": published_schema(
            MunicipalAct, "municipal-act", "eKomunat municipal act v1"
        ),
        "act-submission-v1.json": published_schema(
            ActSubmission, "act-submission", "eKomunat act submission for legality review v1"
        ),
        "act-review-decision-v1.json": published_schema(
            ActReviewDecision, "act-review-decision", "eKomunat act review decision v1"
        ),
    }


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate the JSON Schema files; run after changing a model, then review the diff."""
    return write_schema_files(json_schemas(), directory)


if __name__ == "__main__":
    for written_path in write_schemas():
        sys.stdout.write(f"{written_path}\n")
