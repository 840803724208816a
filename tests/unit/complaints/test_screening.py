"""Screening: hostile or malformed text is refused, never cleaned; honest text passes."""

from __future__ import annotations

import pytest

from contracts.catalogue import load_catalogue
from contracts.complaints.catalogue import load_complaint_catalogue
from gateway.complaints.screening import (
    Findings,
    check_attributes,
    check_text,
    check_url,
    hostile,
    screen_contact,
    screen_description,
)

COMPLAINTS = load_complaint_catalogue(load_catalogue().municipalities)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Gropë <img src=x onerror=alert(1)>",
        "</textarea><svg onload=alert(1)>",
        "<!-- comment -->",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;iframe src=x&#62;",
        "javascript:alert(document.cookie)",
        "JaVaScRiPt : alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "＜script＞alert(1)＜/script＞",
    ],
)
def test_markup_and_script_are_hostile(text: str) -> None:
    assert hostile(text)


@pytest.mark.parametrize(
    "text",
    [
        'Gropë e thellë në rrugën "Nënë Tereza", afër shkollës.',
        "Udarna rupa ispred škole, dubina oko 20 cm; opasno!",
        "I waited < 5 minutes, then 3 > 2 officials left at 14:30.",
        "Email me at arta@example.com if you need photos.",
        "See https://example.org/photo.jpg",
    ],
)
def test_honest_text_in_three_languages_is_not_hostile(text: str) -> None:
    assert not hostile(text)


def test_a_description_keeps_line_breaks_but_a_name_may_not_have_them() -> None:
    findings = Findings()
    assert screen_description(findings, "Line one.\nLine two.") == "Line one.\nLine two."
    contact = screen_contact(findings, {"first_name": "Arta\nShala"})
    assert contact.first_name is None
    assert [r.code for r in findings.reasons] == ["complaint.field.control_characters"]


def test_an_oversized_description_is_refused_whole() -> None:
    findings = Findings()
    assert screen_description(findings, "a" * 4001) is None
    assert findings.reasons[0].code == "complaint.field.too_long"
    assert findings.reasons[0].limit == 4000
    assert screen_description(Findings(), "a" * 4000) == "a" * 4000


def test_a_nul_byte_is_refused() -> None:
    findings = Findings()
    assert check_text(findings, "address_string", "Rruga\x00B", limit=500) is None
    assert findings.reasons[0].code == "complaint.field.control_characters"


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://photos.example.org/a.jpg", True),
        ("http://photos.example.org/a.jpg?size=large", True),
        ("javascript:alert(1)", False),
        ("ftp://photos.example.org/a.jpg", False),
        ("https://user:secret@photos.example.org/a.jpg", False),
        ("https:///a.jpg", False),
        ("/relative/a.jpg", False),
    ],
)
def test_a_photo_url_must_be_an_absolute_web_address(url: str, accepted: bool) -> None:
    findings = Findings()
    assert (check_url(findings, "media_url", url) is not None) is accepted


@pytest.mark.parametrize(
    ("email", "phone", "codes"),
    [
        ("arta@example.com", "+383 44 123 456", []),
        ("not-an-email", None, ["complaint.field.invalid"]),
        (None, "call me", ["complaint.field.invalid"]),
        ("<b>@x.org", None, ["complaint.field.markup"]),
    ],
)
def test_contact_details_follow_their_formats(
    email: str | None, phone: str | None, codes: list[str]
) -> None:
    findings = Findings()
    fields = {key: value for key, value in (("email", email), ("phone", phone)) if value}
    screen_contact(findings, fields)
    assert [reason.code for reason in findings.reasons] == codes


def test_attributes_are_checked_against_the_category() -> None:
    waste = COMPLAINTS.category("waste-collection")
    office = COMPLAINTS.category("municipal-office-service")
    assert waste is not None and office is not None

    findings = Findings()
    assert check_attributes(findings, waste, {"problem": ["illegal_dump"]}) == {
        "problem": "illegal_dump"
    }
    assert findings.reasons == []

    findings = Findings()
    check_attributes(findings, waste, {})
    assert [(r.code, r.field) for r in findings.reasons] == [
        ("complaint.attribute.missing", "attribute[problem]")
    ]

    findings = Findings()
    check_attributes(findings, waste, {"problem": ["fire"], "colour": ["red"]})
    assert {(r.code, r.field) for r in findings.reasons} == {
        ("complaint.field.unknown", "attribute[colour]"),
        ("complaint.field.invalid", "attribute[problem]"),
    }

    findings = Findings()
    answers = check_attributes(
        findings, office, {"office": ["cadastre"], "visit_date": ["2026-11-20T09:30:00Z"]}
    )
    assert answers == {"office": "cadastre", "visit_date": "2026-11-20T09:30:00+00:00"}

    findings = Findings()
    check_attributes(findings, office, {"office": ["cadastre"], "visit_date": ["last week"]})
    assert [r.field for r in findings.reasons] == ["attribute[visit_date]"]
