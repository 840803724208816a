"""Open-data statistics, computed from a known set of complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.catalogue import load_catalogue
from contracts.complaints.catalogue import load_complaint_catalogue
from gateway.complaints.stats import compute, to_csv
from gateway.store.complaints import StatsRow

COMPLAINTS = load_complaint_catalogue(load_catalogue().municipalities)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _row(
    institution: str,
    category: str,
    *,
    age_days: float,
    deadline_days: int = 30,
    answered_after_days: float | None = None,
    closed: bool = False,
) -> StatsRow:
    submitted = NOW - timedelta(days=age_days)
    answered = (
        submitted + timedelta(days=answered_after_days) if answered_after_days is not None else None
    )
    return StatsRow(
        institution=institution,
        category=category,
        submitted_at=submitted,
        deadline_at=submitted + timedelta(days=deadline_days),
        answered_at=answered,
        closed_at=(answered or submitted) + timedelta(days=1) if closed else None,
    )


KNOWN_SET = [
    # Prishtinë's public services, potholes: answered in 2, 4 and 40 days, one overdue, one open.
    _row("19.public-services", "road-damage", age_days=60, answered_after_days=2),
    _row("19.public-services", "road-damage", age_days=50, answered_after_days=4),
    _row("19.public-services", "road-damage", age_days=45, answered_after_days=40),
    _row("19.public-services", "road-damage", age_days=35),
    _row("19.public-services", "road-damage", age_days=3),
    # KEDS, power cuts (15-day deadline): one answered in half a day, one closed unanswered.
    _row("keds", "electricity-supply", age_days=20, deadline_days=15, answered_after_days=0.5),
    _row("keds", "electricity-supply", age_days=20, deadline_days=15, closed=True),
]


def test_each_institution_and_category_gets_its_counts_and_median() -> None:
    lines = {
        (line.institution, line.category): line
        for line in compute(KNOWN_SET, now=NOW, catalogue=COMPLAINTS, language="en")
    }
    potholes = lines[("19.public-services", "road-damage")]
    assert (potholes.received, potholes.answered, potholes.answered_late, potholes.overdue) == (
        5,
        3,
        1,
        1,
    )
    assert potholes.median_days_to_answer == 4.0
    assert potholes.institution_name == "Pristina – Directorate of Public Services"
    assert potholes.category_name == "Damaged road or pothole"

    power = lines[("keds", "electricity-supply")]
    assert (power.received, power.answered, power.answered_late, power.overdue) == (2, 1, 0, 0)
    assert power.median_days_to_answer == 0.5


def test_names_follow_the_language_asked_for() -> None:
    (line,) = compute(KNOWN_SET[:1], now=NOW, catalogue=COMPLAINTS, language="sr")
    assert line.institution_name == "Priština – Direkcija za javne usluge"
    assert line.category_name == "Oštećen put ili udarna rupa"


def test_csv_has_a_header_and_one_line_per_pair_with_empty_medians_left_empty() -> None:
    lines = compute(KNOWN_SET[3:5], now=NOW, catalogue=COMPLAINTS, language="en")
    text = to_csv(lines)
    rows = text.split("\r\n")
    assert rows[0].startswith("institution,institution_name,category,category_name,received")
    assert rows[1].endswith(",2,0,0,1,")
    assert rows[2] == ""
