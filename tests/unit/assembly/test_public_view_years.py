"""The assembly feeds count a year and print a date on Kosovo's calendar: a mayor's meeting
held at half past midnight on New Year's Day in Prishtina belongs to the new year, although
it is still 31 December in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.act_messages import OfficialText
from contracts.assembly import MayorMeeting
from contracts.catalogue import load_catalogue
from gateway.assembly.desk import AssemblyData
from gateway.assembly.public_view import meeting_rows
from gateway.open.query import FeedQuery
from gateway.store.assembly import MeetingRecord

NEW_YEARS_NIGHT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


def _meeting(held_at: datetime) -> MeetingRecord:
    return MeetingRecord(
        id="m-1",
        meeting=MayorMeeting(
            municipality="19",
            reference="TP-2027-1",
            held_at=held_at,
            place=OfficialText(sq="Sheshi", sr="Trg"),
            topics=(OfficialText(sq="Rrugët", sr="Putevi"),),
        ),
        published_at=held_at,
        updated_at=held_at,
        report=None,
        reported_at=None,
    )


def test_a_meeting_after_kosovos_new_year_midnight_counts_in_the_new_year() -> None:
    data = AssemblyData(members=[], sessions=[], votes=[], decisions=[], meetings=[])
    data.meetings.append(_meeting(NEW_YEARS_NIGHT))
    query = FeedQuery(
        feed="mayor-meetings",
        municipality=None,
        year=None,
        filters=(),
        format="json",
        language="sq",
        page_size=50,
    )
    rows = meeting_rows(data, load_catalogue(), query, now=NEW_YEARS_NIGHT).rows
    assert [(row["year"], row["meeting_dates"]) for row in rows] == [(2027, ["2027-01-01"])]
