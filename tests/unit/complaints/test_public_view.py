"""What the public sees of a complaint: the deadline kept or missed, never the complainant."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from contracts.catalogue import load_catalogue
from contracts.complaint_messages import ComplaintStatus
from contracts.complaints.catalogue import load_complaint_catalogue
from gateway.complaints.public_view import OPEN311_FIELDS, open311_request, service_notice
from gateway.store.complaints import ComplaintRecord

COMPLAINTS = load_complaint_catalogue(load_catalogue().municipalities)
SUBMITTED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
RECORD = ComplaintRecord(
    id="6c1d2b9e-8a47-4f0e-b1f5-3e2d7c9a4b20",
    client_id="complaints-app",
    category="road-damage",
    institution="19.public-services",
    municipality="19",
    language="sq",
    status=ComplaintStatus.RECEIVED,
    description="Gropë para shtëpisë sime, Arta Krasniqi, tel. 044 987 654.",
    attributes={},
    latitude=42.6629,
    longitude=21.1655,
    address=None,
    address_id=None,
    media_url="https://photos.example.org/gropa.jpg",
    anonymous=False,
    contact={"email": "arta@example.com", "phone": "+383 44 987 654"},
    message_id="0b6f5a0e-4f6e-4c53-9d4a-2a8f0f3c1e11",
    submitted_at=SUBMITTED,
    updated_at=SUBMITTED,
    deadline_at=SUBMITTED + timedelta(days=30),
    answered_at=None,
    closed_at=None,
)


def test_an_unanswered_complaint_past_its_deadline_is_flagged_overdue() -> None:
    before = SUBMITTED + timedelta(days=29)
    after = SUBMITTED + timedelta(days=31)
    assert not RECORD.overdue(before)
    assert RECORD.overdue(after)
    assert service_notice(RECORD, "en", before) == "The institution must answer by 2026-10-31."
    assert service_notice(RECORD, "en", after).startswith("Overdue: the legal deadline")
    assert service_notice(RECORD, "sr", after).startswith("Kasni:")


def test_an_answer_says_whether_the_deadline_was_kept() -> None:
    in_time = replace(RECORD, answered_at=SUBMITTED + timedelta(days=5))
    late = replace(RECORD, answered_at=SUBMITTED + timedelta(days=40))
    now = SUBMITTED + timedelta(days=60)
    assert not in_time.overdue(now) and not late.overdue(now)
    assert "within the legal deadline" in service_notice(in_time, "en", now)
    assert "after the legal deadline" in service_notice(late, "en", now)


def test_the_public_view_shows_no_complainant_and_no_complaint_text() -> None:
    view = open311_request(RECORD, catalogue=COMPLAINTS, language="en", note=None, now=SUBMITTED)
    assert tuple(view) == OPEN311_FIELDS
    assert view["description"] is None and view["media_url"] is None
    assert view["address"] == "Pristina"  # no address given: the municipality stands in
    shown = repr(view)
    for private in ("Arta", "987 654", "arta@example.com", "gropa.jpg"):
        assert private not in shown


def test_the_institutions_note_is_shown_in_the_readers_language_or_the_complaints() -> None:
    answered = replace(RECORD, status=ComplaintStatus.ANSWERED)
    note = {"sq": "U riparua.", "sr": "Popravljeno."}
    serbian = open311_request(
        answered, catalogue=COMPLAINTS, language="sr", note=note, now=SUBMITTED
    )
    english = open311_request(
        answered, catalogue=COMPLAINTS, language="en", note=note, now=SUBMITTED
    )
    assert serbian["status_notes"] == "Popravljeno."
    assert english["status_notes"] == "U riparua."  # no English text: the complaint's language
    assert english["status"] == "open"
    closed = open311_request(
        replace(RECORD, status=ComplaintStatus.CLOSED),
        catalogue=COMPLAINTS,
        language="en",
        note=None,
        now=SUBMITTED,
    )
    assert (closed["status"], closed["status_notes"]) == ("closed", "Closed")


def test_personal_data_in_an_institutions_note_or_an_old_address_is_masked() -> None:
    stored = replace(RECORD, address="Rruga B, Prishtinë; tel 044 987 654")
    note = {"sq": "U rregullua. Pyetje: arta@example.com, +383 44 987 654, nr. 1086767640."}

    view = open311_request(stored, catalogue=COMPLAINTS, language="sq", note=note, now=SUBMITTED)

    shown = repr(view)
    for leak in ("arta@example.com", "987 654", "1086767640"):
        assert leak not in shown, leak
    assert view["status_notes"].startswith("U rregullua. Pyetje: [e-mail], ")
    assert view["address"].startswith("Rruga B, Prishtinë; tel ")


def test_the_dates_a_complainant_reads_are_kosovos() -> None:
    """A deadline and an answer after Kosovo's midnight fall on Kosovo's next day, though it
    is still the day before in UTC."""
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Prishtina
    record = replace(RECORD, deadline_at=late_evening)
    assert service_notice(record, "en", SUBMITTED) == "The institution must answer by 2026-12-01."
    answered = replace(record, answered_at=late_evening - timedelta(minutes=5))
    assert "2026-12-01" in service_notice(answered, "en", late_evening)
