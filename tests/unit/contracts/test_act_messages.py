"""The legality review's published contracts and the life of a review.

The schema files are the models' schemas, and the schema and the model refuse the same
mistakes: the ministry's IT team, validating with the schema alone, must reach the gateway's
verdict.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from contracts.act_messages import (
    FINAL_REVIEW_STATES,
    MINISTRY_STATES,
    REVIEW_TRANSITIONS,
    SCHEMA_DIR,
    ActReviewDecision,
    ActSubmission,
    MunicipalAct,
    ReviewState,
    is_legal_review_transition,
    json_schemas,
)
from contracts.messages import render_schema


def _act(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "municipality": "19",
        "kind": "assembly_regulation",
        "number": "01-016/2026-07",
        "title": {
            "sq": "Rregullore për parkingun publik",
            "sr": "Pravilnik o javnom parkiranju",
        },
        "adopted_on": "2026-11-20",
        "documents": [{"title": "Rregullorja", "url": "https://prishtina.example/r.pdf"}],
    }
    document.update(changes)
    return document


def _submission(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": "1",
        "message_id": str(uuid.uuid4()),
        "act_id": str(uuid.uuid4()),
        "action": "submitted",
        "revision": 1,
        "act": _act(),
        "sent_at": "2026-11-21T08:00:00Z",
    }
    document.update(changes)
    return document


def _decision(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": "1",
        "update_id": str(uuid.uuid4()),
        "act_id": str(uuid.uuid4()),
        "municipality": "19",
        "revision": 1,
        "state": "reconsideration_requested",
        "public_note": {"sq": "Neni 5 bie ndesh me ligjin.", "en": "Article 5 breaks the law."},
        "occurred_at": "2026-12-01T10:00:00Z",
    }
    document.update(changes)
    return document


def _schema(file_name: str) -> jsonschema.Draft202012Validator:
    """A validator that checks formats too (dates), as the guide asks the ministry to."""
    return jsonschema.Draft202012Validator(
        json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8")),
        format_checker=jsonschema.FormatChecker(),
    )


@pytest.mark.parametrize("file_name", sorted(json_schemas()))
def test_the_published_schema_files_are_the_models_schemas(file_name: str) -> None:
    on_disk = (SCHEMA_DIR / file_name).read_text(encoding="utf-8")
    assert on_disk == render_schema(json_schemas()[file_name]), (
        "regenerate with: python -m contracts.act_messages"
    )


def test_a_valid_act_submission_and_decision_pass_both() -> None:
    _schema("municipal-act-v1.json").validate(_act())
    _schema("act-submission-v1.json").validate(_submission())
    _schema("act-review-decision-v1.json").validate(_decision())
    assert MunicipalAct.model_validate(_act()).issuer == "assembly"
    assert ActSubmission.model_validate(_submission()).routing_key == "mapl.acts.19.submitted"
    assert ActReviewDecision.model_validate(_decision()).routing_key == (
        "mapl.acts.19.reconsideration_requested"
    )


@pytest.mark.parametrize(
    "mistake",
    [
        {"municipality": "39"},
        {"kind": "mayor_regulation"},
        {"number": " 01/2026"},
        {"title": {"sq": "Vetëm shqip"}},
        {"adopted_on": "20.11.2026"},
        {"documents": []},
        {"documents": [{"title": "x", "url": "ftp://prishtina.example/r.pdf"}]},
        {"unexpected": True},
    ],
)
def test_schema_and_model_refuse_the_same_act_mistakes(mistake: dict[str, Any]) -> None:
    document = _act(**mistake)
    with pytest.raises(jsonschema.ValidationError):
        _schema("municipal-act-v1.json").validate(document)
    with pytest.raises(ValidationError):
        MunicipalAct.model_validate(document)


@pytest.mark.parametrize(
    "mistake",
    [
        {"state": "reconsideration_requested", "public_note": None},
        {"state": "referred_to_court", "public_note": None},
        {"state": "submitted"},
        {"state": "withdrawn"},
        {"revision": 0},
        {"municipality": "1"},
    ],
)
def test_schema_and_model_refuse_the_same_decision_mistakes(mistake: dict[str, Any]) -> None:
    document = _decision(**mistake)
    with pytest.raises(jsonschema.ValidationError):
        _schema("act-review-decision-v1.json").validate(document)
    with pytest.raises(ValidationError):
        ActReviewDecision.model_validate(document)


def test_a_reason_belongs_to_a_withdrawal_only() -> None:
    reason = {"sq": "Akti u shfuqizua.", "sr": "Akt je stavljen van snage."}
    ActSubmission.model_validate(_submission(action="withdrawn", reason=reason))
    with pytest.raises(ValidationError, match="only a withdrawal"):
        ActSubmission.model_validate(_submission(reason=reason))


def test_a_finding_of_lawfulness_needs_no_note() -> None:
    document = _decision(state="found_lawful", public_note=None)
    _schema("act-review-decision-v1.json").validate(document)
    ActReviewDecision.model_validate(document)


def test_every_state_has_its_moves_and_the_ends_of_a_review_are_final() -> None:
    assert set(REVIEW_TRANSITIONS) == set(ReviewState)
    assert {
        ReviewState.FOUND_LAWFUL,
        ReviewState.RECONSIDERED,
        ReviewState.REFERRED_TO_COURT,
        ReviewState.WITHDRAWN,
    } == FINAL_REVIEW_STATES
    assert not any(state in REVIEW_TRANSITIONS[state] for state in ReviewState)


def test_the_ministry_cannot_set_the_municipality_s_own_states() -> None:
    assert ReviewState.SUBMITTED not in MINISTRY_STATES
    assert ReviewState.WITHDRAWN not in MINISTRY_STATES


@pytest.mark.parametrize(
    ("current", "new", "legal"),
    [
        ("submitted", "received", True),
        ("submitted", "under_review", True),  # a fast ministry skips "received"
        ("received", "under_review", True),
        ("under_review", "found_lawful", True),
        ("under_review", "reconsideration_requested", True),
        ("reconsideration_requested", "reconsidered", True),
        ("reconsideration_requested", "referred_to_court", True),
        ("under_review", "withdrawn", True),
        ("submitted", "found_lawful", False),  # no finding without a review
        ("under_review", "referred_to_court", False),  # the municipality is asked first
        ("found_lawful", "reconsideration_requested", False),
        ("referred_to_court", "reconsidered", False),
        ("found_lawful", "withdrawn", False),
    ],
)
def test_legal_review_transitions(current: str, new: str, legal: bool) -> None:
    assert is_legal_review_transition(ReviewState(current), ReviewState(new)) is legal


def test_the_municipal_it_guide_examples_of_acts_follow_the_schemas() -> None:
    guide = (SCHEMA_DIR.parent.parent / "docs" / "municipal-it-guide.md").read_text("utf-8")
    blocks = [json.loads(b.split("```", 1)[0]) for b in guide.split("```json\n")[1:]]
    act, submission, decision = blocks[2:5]
    _schema("municipal-act-v1.json").validate(act)
    _schema("act-submission-v1.json").validate(submission)
    _schema("act-review-decision-v1.json").validate(decision)
    assert MunicipalAct.model_validate(act) == ActSubmission.model_validate(submission).act
    assert (
        ActReviewDecision.model_validate(decision).act_id
        == ActSubmission.model_validate(submission).act_id
    )
