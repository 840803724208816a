"""The two published message contracts and the status life cycle."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest

from contracts.messages import (
    LEGAL_TRANSITIONS,
    MUNICIPAL_STATUSES,
    SCHEMA_DIR,
    HandoffMessage,
    RequestStatus,
    StatusUpdate,
    is_legal_transition,
    json_schemas,
    render_schema,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _handoff() -> dict[str, Any]:
    return {
        "schema_version": "1",
        "message_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "service": "civil.birth-certificate",
        "municipality": "19",
        "language": "sq",
        "applicant": {"personal_number": "1234567892", "first_name": "Arta", "last_name": "Gashi"},
        "form": {"copies": 2},
        "records": [
            {
                "registry": "civil",
                "operation": "GetPerson",
                "retrieved_at": NOW.isoformat(),
                "data": {"status": "alive"},
            }
        ],
        "submitted_at": NOW.isoformat(),
        "accepted_at": NOW.isoformat(),
    }


def _status_update() -> dict[str, Any]:
    return {
        "schema_version": "1",
        "update_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "municipality": "20",
        "status": "approved",
        "note": {"language": "sr", "text": "Vaš zahtev je odobren."},
        "documents": [{"document_id": "20-77", "title": "Izvod", "media_type": "application/pdf"}],
        "decided_by": {"official_id": "20-0007", "role": "matičar"},
        "occurred_at": NOW.isoformat(),
    }


@pytest.mark.parametrize("file_name", sorted(json_schemas()))
def test_the_published_schema_files_are_the_models_schemas(file_name: str) -> None:
    on_disk = (SCHEMA_DIR / file_name).read_text(encoding="utf-8")
    assert on_disk == render_schema(json_schemas()[file_name]), (
        "regenerate with `python -m contracts.messages` and review the change"
    )


@pytest.mark.parametrize(
    ("file_name", "model", "example"),
    [
        ("handoff-v1.json", HandoffMessage, _handoff),
        ("status-update-v1.json", StatusUpdate, _status_update),
    ],
)
def test_schema_and_model_accept_the_same_example(file_name: str, model: Any, example: Any) -> None:
    schema = json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
    document = example()
    jsonschema.Draft202012Validator(schema).validate(document)
    model.model_validate(document)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"municipality": "39"}, "municipality"),
        ({"status": "handed_off"}, "status"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_schema_and_model_refuse_the_same_mistakes(change: dict[str, Any], field: str) -> None:
    schema = json.loads((SCHEMA_DIR / "status-update-v1.json").read_text(encoding="utf-8"))
    document = {**_status_update(), **change}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)
    with pytest.raises(ValueError, match=field):
        StatusUpdate.model_validate(document)


def test_a_handoff_with_a_malformed_personal_number_is_refused() -> None:
    document = _handoff()
    document["applicant"]["personal_number"] = "12345"
    with pytest.raises(ValueError, match="personal_number"):
        HandoffMessage.model_validate(document)


def test_the_routing_keys_start_with_the_municipality() -> None:
    assert HandoffMessage.model_validate(_handoff()).routing_key == "19.civil.birth-certificate"
    assert StatusUpdate.model_validate(_status_update()).routing_key == "20.approved"


def test_every_status_has_its_transitions_and_closed_is_final() -> None:
    assert set(LEGAL_TRANSITIONS) == set(RequestStatus)
    assert LEGAL_TRANSITIONS[RequestStatus.CLOSED] == frozenset()
    assert not any(status in LEGAL_TRANSITIONS[status] for status in RequestStatus)


@pytest.mark.parametrize(
    ("current", "new", "legal"),
    [
        ("accepted", "handed_off", True),
        ("accepted", "in_review", True),  # a fast back-office skips handed_off
        ("handed_off", "in_review", True),
        ("in_review", "needs_information", True),
        ("needs_information", "in_review", True),
        ("in_review", "approved", True),
        ("in_review", "rejected", True),
        ("approved", "closed", True),
        ("rejected", "closed", True),
        ("accepted", "approved", False),
        ("handed_off", "closed", False),
        ("approved", "rejected", False),
        ("closed", "in_review", False),
        ("in_review", "handed_off", False),
    ],
)
def test_legal_transitions(current: str, new: str, legal: bool) -> None:
    assert is_legal_transition(RequestStatus(current), RequestStatus(new)) is legal


def test_municipalities_cannot_set_the_gateways_own_statuses() -> None:
    assert RequestStatus.ACCEPTED not in MUNICIPAL_STATUSES
    assert RequestStatus.HANDED_OFF not in MUNICIPAL_STATUSES


def test_the_municipal_it_guide_examples_follow_the_schemas() -> None:
    guide = (SCHEMA_DIR.parent.parent / "docs" / "municipal-it-guide.md").read_text("utf-8")
    blocks = [block.split("```", 1)[0] for block in guide.split("```json\n")[1:]]
    # The first two examples are the application's; the acts' and hearings' follow.
    handoff, status_update = (json.loads(block) for block in blocks[:2])
    for file_name, example in (
        ("handoff-v1.json", handoff),
        ("status-update-v1.json", status_update),
    ):
        schema = json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(example)
    HandoffMessage.model_validate(handoff)
    StatusUpdate.model_validate(status_update)


def test_an_anonymous_handoff_says_so_with_a_null_applicant_and_never_leaves_it_out() -> None:
    schema = jsonschema.Draft202012Validator(
        json.loads((SCHEMA_DIR / "handoff-v1.json").read_text(encoding="utf-8"))
    )
    anonymous = {**_handoff(), "service": "public-hearing-comment", "applicant": None}
    schema.validate(anonymous)
    assert HandoffMessage.model_validate(anonymous).applicant is None
    assert "personal_number" not in HandoffMessage.model_validate(anonymous).model_dump_json()

    silent = {key: value for key, value in _handoff().items() if key != "applicant"}
    with pytest.raises(jsonschema.ValidationError):
        schema.validate(silent)
    with pytest.raises(ValueError, match="applicant"):
        HandoffMessage.model_validate(silent)
