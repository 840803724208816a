"""Citizens' questions to a member of the municipal assembly or to the mayor, and their answers.

A question is the catalogue's ``assembly-question``, an ordinary async service: the portal
sends it to ``/v1/requests`` with the recipient's ``member_id`` from the assembly's register
(``gateway/store/assembly.py``), and its hand-off reaches the municipality through the outbox
like any application. This module's accept hook runs in the request's own transaction: the
recipient must be a member (or the mayor) of that municipality, and the question is recorded
with the recipient as the register names them now and a deadline to answer. The question and
its answer are published, so their text may hold no personal number, phone number or e-mail
address, nor the asker's own name (``published_text``; ``422 question.personal_data``); who
asked is never stored here and never published.

The recipient's municipality answers through its own client (``QuestionDesk.answer``,
``POST /v1/questions/{id}/answer``): its own municipality's questions only
(``403 question.not_owner``), once (``409 question.already_answered``).

The deadline: neither Law No. 03/L-040 on Local Self-Government nor the municipal statutes
seen set one for a citizen's question. ``GATEWAY_QUESTION_ANSWER_DAYS`` (30 calendar days by
default, the general time limit of the Law on General Administrative Procedure, No. 05/L-031,
taken by analogy) is an inference, marked as such in docs/participation.md. The days are
Kosovo's: the deadline is Kosovo's midnight at the end of the last of them, as a petition's
windows are. A question not answered by then counts as overdue, and still may be answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import structlog

from contracts.messages import HandoffMessage
from contracts.participation import QuestionAnswer
from gateway.access import Speaker
from gateway.kosovo_days import end_of_day, kosovo_date
from gateway.participation.published_text import refuse_personal_data
from gateway.refusals import Refusal, register
from gateway.store import Store, UnitOfWork
from gateway.store.clock import utc_now
from gateway.store.participation import ParticipationRepository, QuestionRecord
from gateway.store.records import NewRequest

log = structlog.get_logger()

SERVICE = "assembly-question"

register(
    "question.recipient.unknown",
    422,
    "Marrësi nuk është anëtar i kuvendit apo kryetar i kësaj komune",
    "Primalac nije član skupštine niti predsednik ove opštine",
    "The recipient is not a member of the assembly or the mayor of this municipality",
)
register(
    "question.personal_data",
    422,
    "Pyetja publikohet: hiqni të dhënat personale",
    "Pitanje se objavljuje: uklonite lične podatke",
    "The question is published: remove the personal data",
)
register(
    "question.unknown",
    404,
    "Pyetja nuk u gjet",
    "Pitanje nije pronađeno",
    "No such question",
)
register(
    "question.not_owner",
    403,
    "Pyetja i drejtohet një komune tjetër",
    "Pitanje je upućeno drugoj opštini",
    "The question is addressed to another municipality",
)
register(
    "question.already_answered",
    409,
    "Pyetjes i është përgjigjur tashmë",
    "Na pitanje je već odgovoreno",
    "The question has been answered already",
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member of the assembly, or the mayor, as the assembly's register names them."""

    member_id: str
    municipality: str
    name: str
    role: str
    party: str | None


class Recipients(Protocol):
    """Finds the recipient of a question in the assembly's register, in the same transaction:
    a member (or the mayor) in office on the day given."""

    def __call__(self, uow: UnitOfWork, member_id: str, on: date) -> Recipient | None: ...


class QuestionIntake:
    """The accept hook of ``assembly-question``."""

    def __init__(
        self,
        recipients: Recipients,
        *,
        answer_days: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._recipients = recipients
        self._answer_days = answer_days
        self._clock = clock

    def __call__(self, uow: UnitOfWork, request: NewRequest, handoff: HandoffMessage) -> None:
        form = handoff.form
        refuse_personal_data(
            "question.personal_data",
            {"/form/subject": form.get("subject"), "/form/text": form.get("text")},
            author=handoff.applicant,
        )
        now = self._clock()
        # In office on Kosovo's day: a mandate ends at Kosovo's midnight, not UTC's.
        recipient = self._recipients(uow, str(form.get("recipient", "")), kosovo_date(now))
        if recipient is None or recipient.municipality != request.municipality:
            raise Refusal(
                "question.recipient.unknown",
                errors=[("/form/recipient", "names nobody of this municipality's assembly")],
            )
        uow.bind(ParticipationRepository).add_question(
            id=request.id,
            municipality=request.municipality,
            recipient_id=recipient.member_id,
            recipient_name=recipient.name,
            recipient_role=recipient.role,
            recipient_party=recipient.party,
            subject=str(form["subject"]),
            text=str(form["text"]),
            language=request.language,
            asked_at=now,
            answer_due=end_of_day(kosovo_date(now) + timedelta(days=self._answer_days)),
        )


class QuestionDesk:
    """The municipality's side: its questions, and its answers to them."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

    async def answer(
        self, speaker: Speaker, question_id: str, answer: QuestionAnswer
    ) -> dict[str, Any]:
        # The answer and whoever signs it are published as written: an official's name is
        # their office's, a phone number or an address in either is not.
        refuse_personal_data(
            "question.personal_data", {"/text": answer.text, "/answered_by": answer.answered_by}
        )
        return await asyncio.to_thread(self._answer, speaker, question_id, answer)

    async def view(self, question_id: str, *, municipality: str | None) -> dict[str, Any]:
        """A question and its answer, for its own municipality (``None``: an operator)."""

        def read() -> QuestionRecord | None:
            with self._store.unit_of_work(read_only=True) as uow:
                return uow.bind(ParticipationRepository).question(question_id)

        record = await asyncio.to_thread(read)
        if record is None:
            raise Refusal("question.unknown")
        if municipality is not None and record.municipality != municipality:
            raise Refusal("question.not_owner")
        return question_view(record, self._clock())

    def questions(self) -> list[QuestionRecord]:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(ParticipationRepository).questions()

    def version(self) -> str:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(ParticipationRepository).questions_version(self._clock())

    def _answer(self, speaker: Speaker, question_id: str, answer: QuestionAnswer) -> dict[str, Any]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            questions = uow.bind(ParticipationRepository)
            current = questions.question(question_id, for_update=True)
            if current is None:
                raise Refusal("question.unknown")
            if current.municipality != speaker.municipality:
                raise Refusal("question.not_owner")
            if current.answered_at is not None:
                raise Refusal(
                    "question.already_answered",
                    extra={"answered_at": current.answered_at.isoformat(timespec="seconds")},
                )
            dumped = answer.model_dump(mode="json")
            record = questions.answer(
                question_id,
                text=answer.text,
                answered_by=answer.answered_by or current.recipient_name,
                documents=dumped["documents"],
                now=now,
            )
            uow.commit()
        log.info(
            "question.answered",
            question_id=record.id,
            municipality=record.municipality,
            late=now > record.answer_due,
        )
        return question_view(record, now)


def question_view(record: QuestionRecord, now: datetime) -> dict[str, Any]:
    """One question as published, with its answer and where it stands."""
    return {
        "question_id": record.id,
        "municipality": record.municipality,
        "recipient": {
            "member_id": record.recipient_id,
            "name": record.recipient_name,
            "role": record.recipient_role,
            "party": record.recipient_party,
        },
        "subject": record.subject,
        "text": record.text,
        "language": record.language,
        "asked_at": record.asked_at.isoformat(timespec="seconds"),
        "answer_due": record.answer_due.isoformat(timespec="seconds"),
        "state": record.state(now),
        "answer": record.answer,
        "answered_by": record.answered_by,
        "answer_documents": [dict(document) for document in record.answer_documents],
        "answered_at": record.answered_at.isoformat(timespec="seconds")
        if record.answered_at
        else None,
        "days_to_answer": record.days_to_answer(),
        "status_url": f"/v1/questions/{record.id}",
    }
