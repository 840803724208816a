"""Kosovo's calendar: the law's days are Kosovo's days.

The store keeps every moment in UTC, but a day of the law (a petition's 30 days under Law
No. 03/L-040, a member's last day in office, the day a citizen turns 18) is a day in Kosovo,
which is one or two hours ahead of UTC (CET, CEST in summer; the tz database's
Europe/Belgrade). Between Kosovo's midnight and UTC's the UTC date is still yesterday's, so a
date taken from a UTC moment would count the wrong day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo


@cache
def _kosovo() -> ZoneInfo:
    return ZoneInfo("Europe/Belgrade")


def kosovo_date(moment: datetime) -> date:
    """The day it is in Kosovo at ``moment``."""
    return moment.astimezone(_kosovo()).date()


def end_of_day(day: date) -> datetime:
    """Kosovo's midnight after ``day``, in UTC (23:00Z in winter, 22:00Z in summer)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=_kosovo()).astimezone(UTC)
