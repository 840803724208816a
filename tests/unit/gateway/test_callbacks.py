"""Signing status callbacks and pacing their retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from contracts.messages import RequestStatus
from gateway.callbacks import callback_body, retry_delay_s, sign, verify_signature
from gateway.store import StatusChange

SECRET = b"portal-shared-secret"
BODY = b'{"request_id":"r-1","status":"approved"}'


def test_a_signature_verifies_with_the_same_secret_and_body() -> None:
    header = sign(SECRET, BODY, 1_800_000_000)
    assert verify_signature(SECRET, header, BODY, now=1_800_000_010)


def test_a_changed_body_a_wrong_secret_or_an_old_signature_fail() -> None:
    header = sign(SECRET, BODY, 1_800_000_000)
    assert not verify_signature(
        SECRET, header, BODY.replace(b"approved", b"rejected"), now=1_800_000_000
    )
    assert not verify_signature(b"guess", header, BODY, now=1_800_000_000)
    assert not verify_signature(SECRET, header, BODY, now=1_800_000_000 + 301)
    assert not verify_signature(SECRET, "v1=deadbeef", BODY, now=1_800_000_000)


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    delays = [retry_delay_s(attempt, base_s=2, cap_s=60) for attempt in range(1, 8)]
    assert delays == [2, 4, 8, 16, 32, 60, 60]


def test_the_callback_body_says_what_changed_and_nothing_about_the_applicant() -> None:
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    change = StatusChange(
        request_id="r-1",
        status=RequestStatus.APPROVED,
        previous_status=RequestStatus.IN_REVIEW,
        source="municipality:19",
        occurred_at=moment,
        recorded_at=moment,
        note={"language": "sq", "text": "Miratuar."},
        documents=({"document_id": "19-1", "title": "Certifikatë"},),
        decided_by={"official_id": "19-0042", "name": "Zyrtari"},
        update_id="u-1",
    )
    body = json.loads(callback_body(change))
    assert body["status"] == "approved" and body["previous_status"] == "in_review"
    assert body["documents"] == [{"document_id": "19-1", "title": "Certifikatë"}]
    assert "decided_by" not in body
