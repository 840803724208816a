"""The bodies a municipality sends for its public hearings, as the guide shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.hearings import HearingReport, PublicHearing

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "municipal-it-guide.md"


def _examples() -> list[dict[str, object]]:
    text = GUIDE.read_text(encoding="utf-8")
    return [json.loads(block.split("```", 1)[0]) for block in text.split("```json\n")[1:]]


def test_the_guide_s_hearing_and_report_are_valid_bodies() -> None:
    hearing, report = _examples()[5:7]
    published = PublicHearing.model_validate(hearing)
    assert published.reference == "DP-2026-07"
    assert published.comments_from is not None
    assert published.comments_from < published.comments_until
    assert HearingReport.model_validate(report).summary.in_language("sr").startswith("Primljeno")


def test_a_comment_window_must_close_after_it_opens() -> None:
    hearing = dict(_examples()[5])
    hearing["comments_until"] = hearing["comments_from"]
    with pytest.raises(ValidationError, match="comments_until must be later"):
        PublicHearing.model_validate(hearing)


def test_a_hearing_speaks_both_official_languages() -> None:
    hearing = dict(_examples()[5])
    hearing["topic"] = {"sq": "Vetëm shqip"}
    with pytest.raises(ValidationError, match=r"topic\.sr"):
        PublicHearing.model_validate(hearing)
