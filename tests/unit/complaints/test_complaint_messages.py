"""The published complaint contracts: the schema files are the models' schemas, and the
schema and the model refuse the same mistakes (an institution validating with the schema
alone must reach the gateway's verdict)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from contracts.complaint_messages import (
    SCHEMA_DIR,
    ComplaintHandoff,
    ComplaintStatus,
    ComplaintStatusUpdate,
    is_legal_complaint_transition,
    json_schemas,
)
from contracts.messages import render_schema


@pytest.mark.parametrize("file_name", sorted(json_schemas()))
def test_the_published_schema_files_are_the_models_schemas(file_name: str) -> None:
    on_disk = (SCHEMA_DIR / file_name).read_text(encoding="utf-8")
    assert on_disk == render_schema(json_schemas()[file_name]), (
        "regenerate with: python -m contracts.complaint_messages"
    )


def _handoff(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": "1",
        "kind": "complaint",
        "message_id": str(uuid.uuid4()),
        "complaint_id": str(uuid.uuid4()),
        "category": "road-damage",
        "institution": "19.public-services",
        "municipality": "19",
        "language": "sq",
        "description": "Gropë.",
        "attributes": {"road_part": "carriageway"},
        "location": {"latitude": 42.66, "longitude": 21.16},
        "anonymous": True,
        "complainant": None,
        "submitted_at": "2026-11-24T10:00:00Z",
        "answer_due_at": "2026-12-24T10:00:00Z",
    }
    document.update(changes)
    return document


def _update(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": "1",
        "update_id": str(uuid.uuid4()),
        "complaint_id": str(uuid.uuid4()),
        "institution": "keds",
        "status": "answered",
        "public_note": {"sq": "Rrjeti u riparua.", "en": "The line was repaired."},
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    document.update(changes)
    return document


def _schema(file_name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
    )


def test_a_valid_handoff_and_update_pass_both() -> None:
    _schema("complaint-handoff-v1.json").validate(_handoff())
    _schema("complaint-status-update-v1.json").validate(_update())
    assert ComplaintHandoff.model_validate(_handoff()).routing_key == "19.complaint.road-damage"
    assert ComplaintStatusUpdate.model_validate(_update()).routing_key == (
        "central.keds.complaint.answered"
    )


@pytest.mark.parametrize(
    "mistake",
    [
        {"complainant": {"email": "arta@example.com"}},
        {"institution": "Prishtina"},
        {"municipality": "39"},
        {"description": "x" * 4001},
        {"media_url": "javascript:alert(1)"},
    ],
)
def test_schema_and_model_refuse_the_same_handoff_mistakes(mistake: dict[str, Any]) -> None:
    document = _handoff(**mistake)
    with pytest.raises(jsonschema.ValidationError):
        _schema("complaint-handoff-v1.json").validate(document)
    with pytest.raises(ValidationError):
        ComplaintHandoff.model_validate(document)


@pytest.mark.parametrize(
    "mistake",
    [
        {"public_note": None},
        {"public_note": {}},
        {"status": "resolved"},
        {"institution": "19"},
    ],
)
def test_schema_and_model_refuse_the_same_update_mistakes(mistake: dict[str, Any]) -> None:
    document = _update(**mistake)
    with pytest.raises(jsonschema.ValidationError):
        _schema("complaint-status-update-v1.json").validate(document)
    with pytest.raises(ValidationError):
        ComplaintStatusUpdate.model_validate(document)


def test_only_forward_moves_are_legal() -> None:
    assert is_legal_complaint_transition(ComplaintStatus.RECEIVED, ComplaintStatus.ANSWERED)
    assert is_legal_complaint_transition(ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED)
    assert not is_legal_complaint_transition(ComplaintStatus.CLOSED, ComplaintStatus.ANSWERED)
    assert not is_legal_complaint_transition(ComplaintStatus.ANSWERED, ComplaintStatus.IN_PROGRESS)
    assert not is_legal_complaint_transition(ComplaintStatus.RECEIVED, ComplaintStatus.RECEIVED)


def test_the_institutions_guide_examples_follow_the_schemas() -> None:
    guide = (SCHEMA_DIR.parent.parent / "docs" / "complaints.md").read_text(encoding="utf-8")
    examples = [json.loads(block.split("```", 1)[0]) for block in guide.split("```json\n")[1:]]
    assert len(examples) == 2
    _schema("complaint-handoff-v1.json").validate(examples[0])
    _schema("complaint-status-update-v1.json").validate(examples[1])
    ComplaintHandoff.model_validate(examples[0])
    ComplaintStatusUpdate.model_validate(examples[1])
