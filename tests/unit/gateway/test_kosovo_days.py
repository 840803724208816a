"""The participation feature counts the law's days in Kosovo, not in UTC: a question's
recipient is looked up on Kosovo's day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from contracts.messages import HandoffMessage
from gateway.kosovo_days import end_of_day, kosovo_date
from gateway.participation.questions import QuestionIntake, Recipient
from gateway.store.records import NewRequest


def test_kosovos_day_begins_an_hour_or_two_before_utcs() -> None:
    assert kosovo_date(datetime(2026, 11, 19, 23, 30, tzinfo=UTC)) == date(2026, 11, 20)
    assert kosovo_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert kosovo_date(datetime(2026, 7, 1, 21, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert end_of_day(date(2026, 11, 19)) == datetime(2026, 11, 19, 23, tzinfo=UTC)


class _Questions:
    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []

    def add_question(self, **values: Any) -> None:
        self.added.append(values)


class _UnitOfWork:
    def __init__(self) -> None:
        self.questions = _Questions()

    def bind(self, _repository: type) -> _Questions:
        return self.questions


def test_a_question_asked_after_kosovos_midnight_finds_the_recipient_in_office_that_day() -> None:
    # 23:30 UTC on 19 November is 00:30 on 20 November in Kosovo: a mandate that ended on the
    # 19th has ended, one that begins on the 20th has begun.
    asked_days: list[date] = []

    def recipients(_uow: Any, member_id: str, on: date) -> Recipient | None:
        asked_days.append(on)
        return Recipient(member_id, "19", "Arta Berisha", "member", "VV")

    intake = QuestionIntake(
        recipients, answer_days=30, clock=lambda: datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
    )
    uow = _UnitOfWork()
    request = NewRequest(
        id="7d5d1c36-0ad4-4d1a-9a5e-3c2f4b1e9f00",
        client_id="e-kosova-portal",
        service="assembly-question",
        municipality="19",
        language="sq",
        payload={},
    )
    handoff = HandoffMessage.model_construct(
        form={"recipient": "19-2025-07", "subject": "Rruga", "text": "Kur riparohet rruga?"},
        applicant=None,
    )
    intake(uow, request, handoff)  # type: ignore[arg-type]
    assert asked_days == [date(2026, 11, 20)]
    assert uow.questions.added[0]["recipient_id"] == "19-2025-07"
    # Thirty of Kosovo's days from the 20th: due at Kosovo's midnight closing 20 December,
    # not at 23:30 UTC on 19 December, thirty days to the minute.
    assert uow.questions.added[0]["answer_due"] == datetime(2026, 12, 20, 23, tzinfo=UTC)
