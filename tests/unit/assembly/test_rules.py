"""The assembly's rules on their own: notice, quorum, majority (gateway/assembly/rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.assembly.rules import Tally, notice_is_enough

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "ahead", "enough"),
    [
        ("regular", timedelta(days=7), True),
        ("regular", timedelta(days=7) - timedelta(minutes=1), False),
        ("extraordinary", timedelta(hours=2), True),
        ("committee", timedelta(hours=2), True),
        ("extraordinary", timedelta(0), False),
    ],
)
def test_a_regular_agenda_needs_seven_days(kind: str, ahead: timedelta, enough: bool) -> None:
    assert notice_is_enough(kind, NOW, NOW + ahead, days=7) is enough  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("present", "members", "quorum"),
    [(6, 11, True), (5, 11, False), (3, 5, True), (2, 4, False), (3, 4, True)],
)
def test_quorum_is_more_than_half(present: int, members: int, quorum: bool) -> None:
    tally = Tally(members, {"for": present, "absent": members - present})
    assert tally.quorum is quorum


@pytest.mark.parametrize(
    ("counts", "majority", "outcome"),
    [
        ({"for": 3, "against": 2, "abstained": 4}, "simple", "adopted"),
        ({"for": 3, "against": 3}, "simple", "rejected"),
        ({"for": 4, "against": 2}, "two_thirds", "adopted"),
        ({"for": 3, "against": 2}, "two_thirds", "rejected"),
        ({"abstained": 5}, "two_thirds", "rejected"),
    ],
)
def test_majorities(counts: dict[str, int], majority: str, outcome: str) -> None:
    assert Tally(11, counts).outcome(majority) == outcome  # type: ignore[arg-type]
