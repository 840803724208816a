"""The reference back-office's decision rules and notes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.messages import Applicant, HandoffMessage, RegistryRecord
from sandbox.backoffice import decide, note_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _message(*record_states: str, language: str = "sq") -> HandoffMessage:
    return HandoffMessage(
        message_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        service="business.public-space-permit",
        municipality="20",
        language=language,  # type: ignore[arg-type]
        applicant=Applicant(personal_number="1234567892", first_name="Besa", last_name="Hoxha"),
        form={"area_m2": 6},
        records=tuple(
            RegistryRecord(
                registry="business",
                operation="GetBusiness",
                retrieved_at=NOW,
                data={"status": state},
            )
            for state in record_states
        ),
        submitted_at=NOW,
        accepted_at=NOW,
    )


def test_an_application_is_in_review_at_once_then_approved_with_a_document() -> None:
    steps = decide(_message("active"), decision_delay_s=5)
    assert [(step.status, step.after_s) for step in steps] == [("in_review", 0), ("approved", 5)]
    assert len(steps[1].documents) == 1


def test_a_blocking_registry_record_means_rejection() -> None:
    steps = decide(_message("active", "suspended"), decision_delay_s=5)
    assert [step.status for step in steps] == ["in_review", "rejected"]
    assert steps[1].documents == ()


def test_notes_speak_the_citizens_language_or_albanian() -> None:
    assert note_for("approved", "sr").text.startswith("Vaš zahtev je odobren")
    assert note_for("approved", "en").language == "en"
    fallback = note_for("approved", "tr")
    assert (fallback.language, fallback.text) == ("sq", note_for("approved", "sq").text)
