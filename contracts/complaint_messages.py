"""The two messages of the complaints channel: the hand-off to the body responsible, and
the status updates by which that body answers and is held to account.

``ComplaintHandoff`` goes from the gateway to the institution responsible (a municipality's
department or a central institution) on ``ekomunat.requests``, routing key
``<prefix>.complaint.<category>`` where the prefix is the municipality code (``19``) or
``central.<institution>``. ``ComplaintStatusUpdate`` comes back on
``ekomunat.complaint-status``, routing key ``<prefix>.complaint.<status>``: acknowledged,
in progress, answered (with a public note: the answer), closed.

Both are published contracts with JSON Schemas in ``contracts/schemas/``
(``complaint-handoff-v1.json``, ``complaint-status-update-v1.json``), generated from these
models by ``python -m contracts.complaint_messages``; a test keeps them in step. An
anonymous complainant's contact details are never part of a hand-off: ``complainant`` is
then absent and ``anonymous`` is true.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.messages import published_schema, write_schema_files
from contracts.records import MunicipalityCode

COMPLAINT_HANDOFF_SCHEMA_NAME = "ekomunat.complaint-handoff"
COMPLAINT_STATUS_SCHEMA_NAME = "ekomunat.complaint-status-update"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
MAX_DESCRIPTION = 4000
MAX_NOTE = 4000

CategoryCode = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=48)]
InstitutionId = Annotated[
    str,
    Field(
        pattern=r"^([0-9]{2}\.[a-z][a-z0-9]*(-[a-z0-9]+)*|[a-z][a-z0-9]*(-[a-z0-9]+)*)$",
        max_length=64,
        description="<municipality>.<department> (19.public-services) or a central "
        "institution's id (keds)",
    ),
]
DisplayLanguage = Literal["sq", "sr", "en"]
AnswerStatus = Literal["acknowledged", "in_progress", "answered", "closed"]


class ComplaintStatus(StrEnum):
    """Where a complaint stands: ``received`` by the gateway; the institution sets the rest."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


LEGAL_COMPLAINT_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    # An institution may answer at once, or close a duplicate without answering it.
    ComplaintStatus.RECEIVED: frozenset(
        {
            ComplaintStatus.ACKNOWLEDGED,
            ComplaintStatus.IN_PROGRESS,
            ComplaintStatus.ANSWERED,
            ComplaintStatus.CLOSED,
        }
    ),
    ComplaintStatus.ACKNOWLEDGED: frozenset(
        {ComplaintStatus.IN_PROGRESS, ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED}
    ),
    ComplaintStatus.IN_PROGRESS: frozenset({ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED}),
    ComplaintStatus.ANSWERED: frozenset({ComplaintStatus.CLOSED}),
    ComplaintStatus.CLOSED: frozenset(),
}


def is_legal_complaint_transition(current: ComplaintStatus, new: ComplaintStatus) -> bool:
    """True when a complaint in ``current`` may move to ``new`` (never to itself)."""
    return new in LEGAL_COMPLAINT_TRANSITIONS[current]


def routing_prefix_of(institution: str) -> str:
    """``19`` for ``19.public-services``; ``central.keds`` for ``keds``."""
    municipality, dot, _department = institution.partition(".")
    return municipality if dot else f"central.{institution}"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Message):
    """Where the problem is, as the complainant gave it."""

    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    address_id: Annotated[str, Field(max_length=100)] | None = None


class Complainant(_Message):
    """Contact details, present only when the complainant did not ask for anonymity."""

    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None


class ComplaintHandoff(_Message):
    """A complaint handed to the body responsible for answering it (version 1).

    The AMQP ``message_id`` equals ``message_id`` here and ``correlation_id`` is the
    ``complaint_id``; the ``schema`` header is ``ekomunat.complaint-handoff``. A second
    delivery of one ``message_id`` is the same complaint.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"anonymous": {"const": True}}},
            "then": {"properties": {"complainant": {"type": "null"}}},
        },
    )

    schema_version: Literal["1"] = "1"
    kind: Literal["complaint"] = "complaint"
    message_id: UUID
    complaint_id: UUID
    category: CategoryCode
    institution: InstitutionId
    municipality: MunicipalityCode | None = None
    language: DisplayLanguage
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    location: Location
    media_url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)] | None = None
    anonymous: bool
    complainant: Complainant | None = None
    submitted_at: AwareDatetime
    answer_due_at: AwareDatetime

    @model_validator(mode="after")
    def _anonymous_means_no_contact(self) -> ComplaintHandoff:
        if self.anonymous and self.complainant is not None:
            raise ValueError("an anonymous complaint carries no complainant")
        return self

    @property
    def routing_key(self) -> str:
        return f"{routing_prefix_of(self.institution)}.complaint.{self.category}"


class PublicNote(_Message):
    """The institution's note to the public, in one or more of the display languages."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [language], "properties": {language: {"type": "string"}}}
                for language in ("sq", "sr", "en")
            ]
        },
    )

    sq: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)] | None = None
    sr: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)] | None = None
    en: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)] | None = None

    @model_validator(mode="after")
    def _at_least_one_language(self) -> PublicNote:
        if not (self.sq or self.sr or self.en):
            raise ValueError("a note needs a text in at least one of sq, sr, en")
        return self

    def in_language(self, language: str, *, fallback: str = "sq") -> str:
        """The text in ``language``, else in ``fallback``, else in any language given."""
        for choice in (language, fallback, "sq", "sr", "en"):
            text = getattr(self, choice, None)
            if text:
                return str(text)
        return ""


class Official(_Message):
    """Who handled the complaint, for the audit trail (never shown to the public)."""

    official_id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(max_length=200)] | None = None
    role: Annotated[str, Field(max_length=200)] | None = None


class ComplaintStatusUpdate(_Message):
    """An institution reports a new status of a complaint it must answer (version 1).

    The AMQP ``message_id`` equals ``update_id``. The gateway ignores a second delivery of
    one ``update_id`` and dead-letters updates for unknown complaints, from an institution
    that is not the one responsible, or that make an illegal move
    (``LEGAL_COMPLAINT_TRANSITIONS``). An answer must carry its public note.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"status": {"const": "answered"}}},
            "then": {
                "required": ["public_note"],
                "properties": {"public_note": {"type": "object"}},
            },
        },
    )

    schema_version: Literal["1"] = "1"
    update_id: UUID
    complaint_id: UUID
    institution: InstitutionId
    status: AnswerStatus
    public_note: PublicNote | None = None
    handled_by: Official | None = None
    occurred_at: AwareDatetime

    @model_validator(mode="after")
    def _an_answer_says_something(self) -> ComplaintStatusUpdate:
        if self.status == "answered" and self.public_note is None:
            raise ValueError("an answered complaint needs a public_note with the answer")
        return self

    @property
    def new_status(self) -> ComplaintStatus:
        return ComplaintStatus(self.status)

    @property
    def routing_key(self) -> str:
        return f"{routing_prefix_of(self.institution)}.complaint.{self.status}"


def json_schemas() -> dict[str, dict[str, Any]]:
    """The published schemas by file name, generated from the models above."""
    return {
        "complaint-handoff-v1.json": published_schema(
            ComplaintHandoff, "complaint-handoff", "eKomunat complaint hand-off v1"
        ),
        "complaint-status-update-v1.json": published_schema(
            ComplaintStatusUpdate,
            "complaint-status-update",
            "eKomunat complaint status update v1",
        ),
    }


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate the JSON Schema files; run after changing a model, then review the diff."""
    return write_schema_files(json_schemas(), directory)


if __name__ == "__main__":
    for written_path in write_schemas():
        sys.stdout.write(f"{written_path}\n")
