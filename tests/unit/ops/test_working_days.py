"""Answer deadlines count working days."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.ops.queries import working_days_before


def test_weekends_do_not_count() -> None:
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert working_days_before(monday, 1) == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert working_days_before(monday, 5) == datetime(2026, 11, 16, 12, tzinfo=UTC)
    assert working_days_before(monday, 0) == monday
