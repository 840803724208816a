"""The two messages the gateway and the 38 municipal back-offices exchange over RabbitMQ.

``HandoffMessage`` goes from the gateway to a municipality: one accepted application with
everything the back-office needs to decide it (applicant, form, the registry records the
gateway gathered). ``StatusUpdate`` comes back: the application's new status, a note in the
citizen's language, the documents issued and who decided.

Both are published contracts: each has a JSON Schema beside this module
(``contracts/schemas/handoff-v1.json``, ``contracts/schemas/status-update-v1.json``) that a
municipality's IT team can validate against without Python. The schemas are generated from
these models (``python -m contracts.messages``) and a test keeps them in step. A breaking
change is a new version (v2) published beside v1, never an edit of v1.

The life of a request, and who may move it where, is also part of the contract: see
``LEGAL_TRANSITIONS``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.catalogue import RegistryName
from contracts.records import MunicipalityCode, PersonalNumber

HANDOFF_SCHEMA_NAME = "ekomunat.handoff"
STATUS_UPDATE_SCHEMA_NAME = "ekomunat.status-update"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

Language = Literal["sq", "sr", "en", "tr", "bs", "rom"]
MunicipalStatus = Literal["in_review", "needs_information", "approved", "rejected", "closed"]
ServiceCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class RequestStatus(StrEnum):
    """Where a request stands.

    A sync service is ``completed`` at once and stays so. An async application is
    ``accepted`` and ``handed_off`` by the gateway; the municipality sets the rest.
    """

    COMPLETED = "completed"
    ACCEPTED = "accepted"
    HANDED_OFF = "handed_off"
    IN_REVIEW = "in_review"
    NEEDS_INFORMATION = "needs_information"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"


LEGAL_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.COMPLETED: frozenset(),
    # A fast back-office may report in_review before the relay has recorded handed_off.
    RequestStatus.ACCEPTED: frozenset({RequestStatus.HANDED_OFF, RequestStatus.IN_REVIEW}),
    RequestStatus.HANDED_OFF: frozenset({RequestStatus.IN_REVIEW}),
    RequestStatus.IN_REVIEW: frozenset(
        {RequestStatus.NEEDS_INFORMATION, RequestStatus.APPROVED, RequestStatus.REJECTED}
    ),
    # The citizen answered: the case is reviewed again, or decided at once.
    RequestStatus.NEEDS_INFORMATION: frozenset(
        {RequestStatus.IN_REVIEW, RequestStatus.APPROVED, RequestStatus.REJECTED}
    ),
    RequestStatus.APPROVED: frozenset({RequestStatus.CLOSED}),
    RequestStatus.REJECTED: frozenset({RequestStatus.CLOSED}),
    RequestStatus.CLOSED: frozenset(),
}

MUNICIPAL_STATUSES: frozenset[RequestStatus] = frozenset(
    {
        RequestStatus.IN_REVIEW,
        RequestStatus.NEEDS_INFORMATION,
        RequestStatus.APPROVED,
        RequestStatus.REJECTED,
        RequestStatus.CLOSED,
    }
)


def is_legal_transition(current: RequestStatus, new: RequestStatus) -> bool:
    """True when a request in ``current`` may move to ``new`` (never to itself)."""
    return new in LEGAL_TRANSITIONS[current]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Applicant(_Message):
    """The citizen the application is for, as the portal authenticated them."""

    personal_number: PersonalNumber
    first_name: Annotated[str, Field(min_length=1, max_length=100)]
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ]{6,20}$")] | None = None


class RegistryRecord(_Message):
    """One answer the gateway obtained from a state registry while accepting the request.

    ``data`` is the canonical record (``contracts/records.py``) as JSON, so the back-office
    needs no second registry call to decide.
    """

    registry: RegistryName = Field(
        description="the registry as routing.yaml names it (civil, business, cadastre, "
        "treasury, ...); docs/municipal-it-guide.md lists the registries in service; a "
        "back-office may skip a record from a registry it has no use for"
    )
    operation: Annotated[str, Field(min_length=1, max_length=64)]
    retrieved_at: AwareDatetime
    data: dict[str, Any]


class HandoffMessage(_Message):
    """An accepted application handed to the municipality that owns it (version 1).

    Routed on ``ekomunat.requests`` with the routing key ``<municipality>.<service>``;
    the AMQP ``message_id`` equals ``message_id`` here and ``correlation_id`` is the
    ``request_id``. Back-offices must treat a second delivery of one ``message_id`` as the
    same application. ``applicant`` is null only for an anonymous request, which the catalogue
    allows for few services (``anonymous_allowed``): such a hand-off carries no personal
    number at all.
    """

    schema_version: Literal["1"] = "1"
    message_id: UUID
    request_id: UUID
    service: ServiceCode
    municipality: MunicipalityCode
    language: Language
    applicant: Applicant | None = Field(
        description="the citizen; null only for a service the catalogue opens to anonymous "
        "requests (a comment in a public hearing) when the citizen gave no name"
    )
    form: dict[str, Any]
    records: tuple[RegistryRecord, ...] = ()
    submitted_at: AwareDatetime
    accepted_at: AwareDatetime

    @property
    def routing_key(self) -> str:
        return f"{self.municipality}.{self.service}"


class Note(_Message):
    """A message to the citizen, in the language they chose."""

    language: Language
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class IssuedDocument(_Message):
    """A document the municipality issued (a certificate, a permit, a decision)."""

    document_id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    media_type: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")] = "application/pdf"
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)] | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class DecidedBy(_Message):
    """The official or the system that made the decision (recorded for the audit trail)."""

    official_id: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(max_length=200)] | None = None
    role: Annotated[str, Field(max_length=200)] | None = None


class StatusUpdate(_Message):
    """A municipality reports a new status of one of its applications (version 1).

    Published on ``ekomunat.status`` with the routing key ``<municipality>.<status>``;
    the AMQP ``message_id`` equals ``update_id``. The gateway ignores a second delivery of
    one ``update_id``, and dead-letters updates for unknown requests, for another
    municipality's requests, or that make an illegal move (``LEGAL_TRANSITIONS``).
    """

    schema_version: Literal["1"] = "1"
    update_id: UUID
    request_id: UUID
    municipality: MunicipalityCode
    status: MunicipalStatus
    note: Note | None = None
    documents: tuple[IssuedDocument, ...] = ()
    decided_by: DecidedBy
    occurred_at: AwareDatetime

    @property
    def new_status(self) -> RequestStatus:
        return RequestStatus(self.status)

    @property
    def routing_key(self) -> str:
        return f"{self.municipality}.{self.status}"


def published_schema(model: type[BaseModel], name: str, title: str) -> dict[str, Any]:
    """A model's JSON Schema as published beside it (2020-12, a stable ``$id``)."""
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ekomunat.rks-gov.net/schemas/{name}-v1.json",
        **schema,
        "title": title,
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """The published schemas by file name, generated from the models above."""
    return {
        "handoff-v1.json": published_schema(
            HandoffMessage, "handoff", "eKomunat hand-off message v1"
        ),
        "status-update-v1.json": published_schema(
            StatusUpdate, "status-update", "eKomunat status update v1"
        ),
    }


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate the JSON Schema files; run after changing a model, then review the diff."""
    return write_schema_files(json_schemas(), directory)


def write_schema_files(schemas: Mapping[str, dict[str, Any]], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, schema in schemas.items():
        path = directory / file_name
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        sys.stdout.write(f"{written_path}\n")
