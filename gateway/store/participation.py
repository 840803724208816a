"""Citizens' questions and petitions in the store: what was asked and answered, what was signed.

``assembly_questions`` holds one row per question the gateway accepted (its id is the
request's), written in the question's own accept transaction
(``gateway/participation/questions.py``): the recipient as the assembly's register named them
when the question was asked, the subject and text (published), the deadline to answer and,
once given, the answer. Who asked stays in the request and its hand-off, never here.

``petitions`` holds one row per petition opened through the portal (its id is the request's
too, so the municipality's status updates on that request move it): the regulation it is
against, the signing window, the registered voters it is measured against and their source,
the threshold, and the status the municipality reported. ``petition_signatures`` holds one row
per signature: the signature's request id and a keyed hash of the signatory's personal number
(``signer_key``, HMAC-SHA256 under ``GATEWAY_PARTICIPATION_SIGNER_KEY``), unique per petition,
so a second signature by the same person is refused by the database itself; never the number.

The tables sit on the store's shared metadata; migration ``0011_participation`` creates them.
``ParticipationRepository`` works inside a unit of work (``uow.bind(ParticipationRepository)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from gateway.store.errors import StoreConflict
from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, json_type, metadata

assembly_questions = Table(
    "assembly_questions",
    metadata,
    Column("id", String(36), ForeignKey("requests.id"), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_role", String(16), nullable=False),
    Column("recipient_party", String(200)),
    Column("subject", String(200), nullable=False),
    Column("text", Text(), nullable=False),
    Column("language", String(2), nullable=False),
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("answer_due", UtcDateTime(), nullable=False),
    Column("answer", Text()),
    Column("answered_by", String(200)),
    Column("answer_documents", json_type()),
    Column("answered_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "municipality", "asked_at"),
)

petitions = Table(
    "petitions",
    metadata,
    Column("id", String(36), ForeignKey("requests.id"), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("summary", Text(), nullable=False),
    Column("language", String(2), nullable=False),
    Column("regulation_number", String(60)),
    Column("regulation_adopted_on", Date()),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("signatures_until", UtcDateTime(), nullable=False),
    Column("decision_due", UtcDateTime(), nullable=False),
    Column("registered_voters", Integer(), nullable=False),
    Column("voters_source", String(300), nullable=False),
    Column("threshold", Integer(), nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_changed_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "municipality", "opened_at"),
)

petition_signatures = Table(
    "petition_signatures",
    metadata,
    Column("request_id", String(36), ForeignKey("requests.id"), primary_key=True),
    Column("petition_id", String(36), ForeignKey("petitions.id"), nullable=False),
    Column("signer_key", String(64), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    UniqueConstraint("petition_id", "signer_key"),
)


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    id: str
    municipality: str
    recipient_id: str
    recipient_name: str
    recipient_role: str
    recipient_party: str | None
    subject: str
    text: str
    language: str
    asked_at: datetime
    answer_due: datetime
    answer: str | None
    answered_by: str | None
    answer_documents: tuple[Mapping[str, Any], ...]
    answered_at: datetime | None
    updated_at: datetime

    def state(self, now: datetime) -> str:
        """``answered``; else ``overdue`` past the deadline, ``open`` before it."""
        if self.answered_at is not None:
            return "answered"
        return "overdue" if now > self.answer_due else "open"

    def days_to_answer(self) -> float | None:
        if self.answered_at is None:
            return None
        return round((self.answered_at - self.asked_at).total_seconds() / 86400, 1)


@dataclass(frozen=True, slots=True)
class PetitionRecord:
    id: str
    municipality: str
    kind: str
    title: str
    summary: str
    language: str
    regulation_number: str | None
    regulation_adopted_on: date | None
    opened_at: datetime
    signatures_until: datetime
    decision_due: datetime
    registered_voters: int
    voters_source: str
    threshold: int
    status: str
    status_changed_at: datetime
    updated_at: datetime

    def signing_open(self, now: datetime) -> bool:
        """Within its window, and not decided or closed by the municipality yet."""
        undecided = self.status in ("collecting", "under_consideration", "needs_information")
        return undecided and self.opened_at <= now < self.signatures_until


@dataclass(frozen=True, slots=True)
class CountedPetition:
    record: PetitionRecord
    signatures: int


def _question(row: RowMapping) -> QuestionRecord:
    values = {column.name: row[column.name] for column in assembly_questions.columns}
    return QuestionRecord(**{**values, "answer_documents": tuple(values["answer_documents"] or ())})


def _petition(row: RowMapping) -> PetitionRecord:
    return PetitionRecord(
        **{column.name: row[column.name] for column in petitions.columns},
    )


class ParticipationRepository:
    """Questions, petitions and signatures, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # ---- questions ---------------------------------------------------------------------------

    def add_question(self, **values: Any) -> None:
        self._conn.execute(insert(assembly_questions), {**values, "updated_at": values["asked_at"]})

    def question(self, question_id: str, *, for_update: bool = False) -> QuestionRecord | None:
        row = first_row(
            self._conn,
            assembly_questions,
            assembly_questions.c.id == question_id,
            for_update=for_update,
        )
        return _question(row) if row else None

    def answer(
        self,
        question_id: str,
        *,
        text: str,
        answered_by: str,
        documents: list[dict[str, Any]],
        now: datetime,
    ) -> QuestionRecord:
        self._conn.execute(
            update(assembly_questions)
            .where(assembly_questions.c.id == question_id)
            .values(
                answer=text,
                answered_by=answered_by,
                answer_documents=documents,
                answered_at=now,
                updated_at=now,
            )
        )
        answered = self.question(question_id)
        assert answered is not None
        return answered

    def questions(self) -> list[QuestionRecord]:
        rows = self._conn.execute(select(assembly_questions)).mappings()
        return [_question(row) for row in rows]

    def questions_version(self, now: datetime) -> str:
        """Changes when a question is asked or answered, and when one falls overdue."""
        count, changed, overdue = self._conn.execute(
            select(
                func.count(),
                func.max(assembly_questions.c.updated_at),
                func.count().filter(
                    assembly_questions.c.answered_at.is_(None),
                    assembly_questions.c.answer_due < now,
                ),
            )
        ).one()
        return f"{count}:{changed}:{overdue}"

    # ---- petitions ---------------------------------------------------------------------------

    def add_petition(self, **values: Any) -> None:
        self._conn.execute(
            insert(petitions),
            {
                **values,
                "status": "collecting",
                "status_changed_at": values["opened_at"],
                "updated_at": values["opened_at"],
            },
        )

    def petition(self, petition_id: str, *, for_update: bool = False) -> PetitionRecord | None:
        row = first_row(self._conn, petitions, petitions.c.id == petition_id, for_update=for_update)
        return _petition(row) if row else None

    def sign(self, petition_id: str, request_id: str, signer_key: str, *, now: datetime) -> None:
        """One signature; ``StoreConflict`` when this signatory signed the petition before."""
        # Asked first, for a clear refusal without a failed statement; the unique key still
        # decides between two signatures of one person racing each other.
        if self.has_signed(petition_id, signer_key):
            raise StoreConflict(f"petition {petition_id}: already signed")
        try:
            self._conn.execute(
                insert(petition_signatures),
                {
                    "request_id": request_id,
                    "petition_id": petition_id,
                    "signer_key": signer_key,
                    "signed_at": now,
                },
            )
        except IntegrityError as exc:  # a twin signature committed first; the caller rolls back
            raise StoreConflict(f"petition {petition_id}: already signed") from exc
        # The petition's row carries the time of its last change, signatures included (its
        # feed's Last-Modified); the signing check holds its lock already.
        self._conn.execute(
            update(petitions).where(petitions.c.id == petition_id).values(updated_at=now)
        )

    def withdraw_signature(self, request_id: str, *, now: datetime) -> bool:
        """Take back the signature made by the request ``request_id``; whether there was one.

        The petition's row takes the time (its feed's Last-Modified), as a signature does."""
        petition_id = self._conn.execute(
            delete(petition_signatures)
            .where(petition_signatures.c.request_id == request_id)
            .returning(petition_signatures.c.petition_id)
        ).scalar()
        if petition_id is None:
            return False
        self._conn.execute(
            update(petitions).where(petitions.c.id == petition_id).values(updated_at=now)
        )
        return True

    def has_signed(self, petition_id: str, signer_key: str) -> bool:
        found = self._conn.execute(
            select(petition_signatures.c.request_id).where(
                petition_signatures.c.petition_id == petition_id,
                petition_signatures.c.signer_key == signer_key,
            )
        ).first()
        return found is not None

    def set_petition_status(self, petition_id: str, status: str, *, now: datetime) -> None:
        self._conn.execute(
            update(petitions)
            .where(petitions.c.id == petition_id)
            .values(status=status, status_changed_at=now, updated_at=now)
        )

    def counted_petitions(self) -> list[CountedPetition]:
        """Every petition with its number of signatures (one query)."""
        counts = (
            select(
                petition_signatures.c.petition_id,
                func.count().label("signatures"),
            )
            .group_by(petition_signatures.c.petition_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                petitions,
                func.coalesce(counts.c.signatures, 0).label("signatures"),
            ).select_from(petitions.outerjoin(counts, counts.c.petition_id == petitions.c.id))
        ).mappings()
        return [CountedPetition(_petition(row), int(row["signatures"])) for row in rows]

    def petitions_version(self, now: datetime) -> str:
        """Changes with a petition, a signature, and when a signing window closes."""
        count, changed, closed = self._conn.execute(
            select(
                func.count(),
                func.max(petitions.c.updated_at),
                func.count().filter(petitions.c.signatures_until <= now),
            )
        ).one()
        signed = self._conn.execute(select(func.count()).select_from(petition_signatures)).one()[0]
        return f"{count}:{changed}:{closed}:{signed}"
