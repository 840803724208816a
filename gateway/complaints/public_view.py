"""What the public may see of a complaint, and what only its complainant may see.

Complaints are public in Open311 (``GET requests``): that is how institutions are held to
account. The public view therefore shows what accountability needs: the category, the
place, the body responsible, the status with the institution's public note, the dates and
the legal deadline (``expected_datetime``), and in ``service_notice`` whether the deadline
was kept. The complainant's own words (``description``) and photo (``media_url``) may name
people or show faces, so only the holder of the complaint's token sees them. Contact
details are never shown to anyone. The institution's public note and the address are shown
with personal numbers, phone numbers and e-mail addresses masked (``gateway/personal_data``):
an address carrying them is refused at submission, but a note is the institution's to write,
and a complaint stored before that screening existed may still carry them.

Open311 knows two statuses: a complaint is ``closed`` once the institution closed it, and
``open`` before; the finer status is in ``status_notes`` when no note says more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from contracts.catalogue import DisplayLanguage
from contracts.complaint_messages import ComplaintStatus, PublicNote
from contracts.complaints.catalogue import ComplaintCatalogue
from gateway.kosovo_days import kosovo_date
from gateway.personal_data import masked
from gateway.store.complaints import ComplaintRecord

_STATUS_LABELS: dict[str, dict[DisplayLanguage, str]] = {
    "received": {"sq": "E pranuar", "sr": "Primljeno", "en": "Received"},
    "handed_off": {
        "sq": "Iu dërgua institucionit përgjegjës",
        "sr": "Prosleđeno nadležnoj instituciji",
        "en": "Handed to the institution responsible",
    },
    "acknowledged": {
        "sq": "Institucioni e konfirmoi marrjen",
        "sr": "Institucija je potvrdila prijem",
        "en": "Acknowledged by the institution",
    },
    "in_progress": {"sq": "Në shqyrtim", "sr": "U obradi", "en": "In progress"},
    "answered": {"sq": "E përgjigjur", "sr": "Odgovoreno", "en": "Answered"},
    "closed": {"sq": "E mbyllur", "sr": "Zatvoreno", "en": "Closed"},
}

_NOTICES: dict[str, dict[DisplayLanguage, str]] = {
    "due": {
        "sq": "Institucioni duhet të përgjigjet deri më {deadline}.",
        "sr": "Institucija mora da odgovori do {deadline}.",
        "en": "The institution must answer by {deadline}.",
    },
    "overdue": {
        "sq": "Me vonesë: afati ligjor për përgjigje ({deadline}) ka kaluar pa përgjigje.",
        "sr": "Kasni: zakonski rok za odgovor ({deadline}) je istekao bez odgovora.",
        "en": "Overdue: the legal deadline for an answer ({deadline}) has passed unanswered.",
    },
    "answered": {
        "sq": "U përgjigj më {answered}, brenda afatit ligjor ({deadline}).",
        "sr": "Odgovoreno {answered}, u zakonskom roku ({deadline}).",
        "en": "Answered on {answered}, within the legal deadline ({deadline}).",
    },
    "answered_late": {
        "sq": "U përgjigj më {answered}, pas afatit ligjor ({deadline}).",
        "sr": "Odgovoreno {answered}, posle zakonskog roka ({deadline}).",
        "en": "Answered on {answered}, after the legal deadline ({deadline}).",
    },
    "closed": {
        "sq": "U mbyll më {closed} pa përgjigje.",
        "sr": "Zatvoreno {closed} bez odgovora.",
        "en": "Closed on {closed} without an answer.",
    },
}

OPEN311_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def w3(moment: datetime) -> str:
    """The W3C date-time form Open311 asks for, in UTC: ``2010-01-01T00:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_label(record: ComplaintRecord, language: DisplayLanguage) -> str:
    key = record.status.value
    if record.status is ComplaintStatus.RECEIVED and record.handed_off_at is not None:
        key = "handed_off"
    return _STATUS_LABELS[key][language]


def service_notice(record: ComplaintRecord, language: DisplayLanguage, now: datetime) -> str:
    """Whether the legal deadline was kept: the accountability line of every complaint."""
    deadline = kosovo_date(record.deadline_at).isoformat()
    if record.answered_at is not None:
        late = record.answered_at > record.deadline_at
        key = "answered_late" if late else "answered"
        return _NOTICES[key][language].format(
            answered=kosovo_date(record.answered_at).isoformat(), deadline=deadline
        )
    if record.closed_at is not None:
        return _NOTICES["closed"][language].format(closed=kosovo_date(record.closed_at).isoformat())
    key = "overdue" if record.overdue(now) else "due"
    return _NOTICES[key][language].format(deadline=deadline)


def open311_request(
    record: ComplaintRecord,
    *,
    catalogue: ComplaintCatalogue,
    language: DisplayLanguage,
    note: Mapping[str, str] | None,
    now: datetime,
    private: bool = False,
) -> dict[str, Any]:
    """One Open311 ``request`` element, every field present (``None`` when unknown)."""
    category = catalogue.category(record.category)
    institution = catalogue.institution_name(record.institution)
    notes = status_label(record, language)
    if note:
        notes = PublicNote.model_validate(note).in_language(language, fallback=record.language)
        notes = masked(notes)
    address = masked(record.address) if record.address is not None else None
    if address is None and record.municipality is not None:
        address = catalogue.municipality_name(record.municipality, language)
    view: dict[str, Any] = {
        "service_request_id": record.id,
        "status": "closed" if record.status is ComplaintStatus.CLOSED else "open",
        "status_notes": notes,
        "service_name": category.name.in_language(language) if category else record.category,
        "service_code": record.category,
        "description": record.description if private else None,
        "agency_responsible": institution.in_language(language) if institution else None,
        "service_notice": service_notice(record, language, now),
        "requested_datetime": w3(record.submitted_at),
        "updated_datetime": w3(record.updated_at),
        "expected_datetime": w3(record.deadline_at),
        "address": address,
        "address_id": record.address_id,
        "zipcode": None,
        "lat": record.latitude,
        "long": record.longitude,
        "media_url": record.media_url if private else None,
    }
    return {name: view[name] for name in OPEN311_FIELDS}
