"""Open data on complaints: per institution and category, how many came and how they were met.

For every (institution, category) pair with at least one complaint in the period:

* ``received``: complaints submitted;
* ``answered``: complaints the institution answered (``answered`` at some point);
* ``answered_late``: of those, answered after the legal deadline;
* ``overdue``: neither answered nor closed, and past the legal deadline now;
* ``median_days_to_answer``: median of (answered - submitted) in days, one decimal, over
  the answered ones (empty when none was answered).

Nothing personal is read to compute them (``StatsRow`` carries only ids and times), so the
figures can be published as they are, as JSON or CSV.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from contracts.catalogue import DisplayLanguage
from contracts.complaints.catalogue import ComplaintCatalogue
from gateway.open.spreadsheet import csv_text
from gateway.store.complaints import StatsRow

SECONDS_PER_DAY = 86_400

CSV_COLUMNS = (
    "institution",
    "institution_name",
    "category",
    "category_name",
    "received",
    "answered",
    "answered_late",
    "overdue",
    "median_days_to_answer",
)


@dataclass(frozen=True, slots=True)
class StatsLine:
    institution: str
    institution_name: str
    category: str
    category_name: str
    received: int
    answered: int
    answered_late: int
    overdue: int
    median_days_to_answer: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute(
    rows: Iterable[StatsRow],
    *,
    now: datetime,
    catalogue: ComplaintCatalogue,
    language: DisplayLanguage,
) -> list[StatsLine]:
    groups: dict[tuple[str, str], list[StatsRow]] = defaultdict(list)
    for row in rows:
        groups[(row.institution, row.category)].append(row)
    lines = []
    for (institution, category_code), members in sorted(groups.items()):
        answered = [row for row in members if row.answered_at is not None]
        days = [
            (row.answered_at - row.submitted_at).total_seconds() / SECONDS_PER_DAY
            for row in answered
            if row.answered_at is not None
        ]
        institution_name = catalogue.institution_name(institution)
        category = catalogue.category(category_code)
        lines.append(
            StatsLine(
                institution=institution,
                institution_name=institution_name.in_language(language)
                if institution_name
                else institution,
                category=category_code,
                category_name=category.name.in_language(language) if category else category_code,
                received=len(members),
                answered=len(answered),
                answered_late=sum(
                    1
                    for row in answered
                    if row.answered_at is not None and row.answered_at > row.deadline_at
                ),
                overdue=sum(
                    1
                    for row in members
                    if row.answered_at is None and row.closed_at is None and now > row.deadline_at
                ),
                median_days_to_answer=round(statistics.median(days), 1) if days else None,
            )
        )
    return lines


def to_csv(lines: Sequence[StatsLine]) -> str:
    """RFC 4180 CSV with a header line; an empty median is an empty cell."""
    rows = ([values[column] for column in CSV_COLUMNS] for values in map(StatsLine.as_dict, lines))
    return csv_text(CSV_COLUMNS, rows)
