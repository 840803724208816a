"""The complaints desk: take a checked complaint, route it, commit it with its hand-off.

The service layer between the Open311 API and the store. ``submit`` places the complaint
(``placement``), finds the body responsible (``ComplaintCatalogue.responsible_for``), and
writes, in one transaction, the complaint, the first line of its history and the outbox
row holding its hand-off message. Only after that commit does the app get its token, so an
accepted complaint always reaches its institution, and a refused one leaves no trace.

The citizen follows the complaint with its id and a token: the token (32 random URL-safe
characters) is returned once; the store keeps only its SHA-256.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from contracts.catalogue import DisplayLanguage
from contracts.complaint_messages import (
    COMPLAINT_HANDOFF_SCHEMA_NAME,
    Complainant,
    ComplaintHandoff,
    ComplaintStatus,
    Location,
)
from contracts.complaints.boundaries import Boundaries
from contracts.complaints.catalogue import ComplaintCatalogue, Responsible
from gateway.complaints.placement import Gazetteer, OutsideKosovo, place
from gateway.complaints.screening import ComplaintSubmission
from gateway.complaints.stats import StatsLine, compute
from gateway.refusals import Refusal
from gateway.store import OutboxKind, Store
from gateway.store.clock import utc_now
from gateway.store.complaints import (
    ComplaintChange,
    ComplaintRecord,
    ComplaintRepository,
    NewComplaint,
)

log = structlog.get_logger()

TOKEN_BYTES = 24


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Accepted:
    complaint_id: str
    token: str
    responsible: Responsible
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class ComplaintQuery:
    """The filters of Open311's ``GET requests``, already checked by the API."""

    ids: Sequence[str] | None = None
    categories: Sequence[str] | None = None
    statuses: Sequence[ComplaintStatus] | None = None
    municipality: str | None = None
    submitted_from: datetime | None = None
    submitted_until: datetime | None = None
    limit: int = 1000


@dataclass(frozen=True, slots=True)
class Found:
    """Complaints with the newest public note of each, for the API to render."""

    records: Sequence[ComplaintRecord]
    notes: Mapping[str, Mapping[str, str]]


class ComplaintDesk:
    def __init__(
        self,
        *,
        catalogue: ComplaintCatalogue,
        boundaries: Boundaries,
        gazetteer: Gazetteer,
        store: Store,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.catalogue = catalogue
        self.boundaries = boundaries
        self.gazetteer = gazetteer
        self._store = store
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def submit(self, client: str, submission: ComplaintSubmission) -> Accepted:
        """Route and commit one complaint; raises ``Refusal`` before any write."""
        try:
            placement = place(
                gazetteer=self.gazetteer,
                boundaries=self.boundaries,
                jurisdiction=submission.jurisdiction,
                latitude=submission.latitude,
                longitude=submission.longitude,
                address=submission.address,
            )
        except OutsideKosovo:
            raise Refusal("complaint.location.outside_kosovo", field="lat") from None
        responsible = self.catalogue.responsible_for(submission.category, placement.municipality)
        if responsible is None:
            raise Refusal("complaint.location.unplaced")
        accepted = await asyncio.to_thread(self._commit, client, submission, responsible)
        log.info(
            "complaint.accepted",
            complaint=accepted.complaint_id,
            category=submission.category.code,
            institution=responsible.institution,
            municipality=responsible.municipality,
            placed_by=placement.placed_by,
            anonymous=_is_anonymous(submission),
        )
        return accepted

    def _commit(
        self, client: str, submission: ComplaintSubmission, responsible: Responsible
    ) -> Accepted:
        now = self._clock()
        complaint_id = uuid.uuid4()
        message_id = uuid.uuid4()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        deadline = now + timedelta(days=submission.category.answer_days)
        anonymous = _is_anonymous(submission)
        reachable = submission.contact.reachable_details()
        handoff = ComplaintHandoff(
            message_id=message_id,
            complaint_id=complaint_id,
            category=submission.category.code,
            institution=responsible.institution,
            municipality=responsible.municipality,
            language=submission.language,
            description=submission.description,
            attributes=dict(submission.attributes),
            location=Location(
                latitude=submission.latitude,
                longitude=submission.longitude,
                address=submission.address,
                address_id=submission.address_id,
            ),
            media_url=submission.media_url,
            anonymous=anonymous,
            complainant=None if anonymous else Complainant(**reachable),
            submitted_at=now,
            answer_due_at=deadline,
        )
        new = NewComplaint(
            id=str(complaint_id),
            token_sha256=token_hash(token),
            client_id=client,
            category=submission.category.code,
            institution=responsible.institution,
            municipality=responsible.municipality,
            language=submission.language,
            description=submission.description,
            attributes=submission.attributes,
            latitude=submission.latitude,
            longitude=submission.longitude,
            address=submission.address,
            address_id=submission.address_id,
            media_url=submission.media_url,
            anonymous=anonymous,
            contact=submission.contact.stored() or None,
            message_id=str(message_id),
            deadline_at=deadline,
        )
        with self._store.unit_of_work() as uow:
            uow.bind(ComplaintRepository).add(new, now=now)
            uow.outbox.add(
                OutboxKind.HANDOFF,
                message_id=str(message_id),
                destination=handoff.routing_key,
                body=handoff.model_dump_json(),
                request_id=str(complaint_id),
                headers={
                    "schema": COMPLAINT_HANDOFF_SCHEMA_NAME,
                    "schema_version": handoff.schema_version,
                },
                now=now,
            )
            uow.commit()
        return Accepted(str(complaint_id), token, responsible, deadline)

    async def id_for_token(self, token: str) -> str | None:
        def lookup() -> str | None:
            with self._store.unit_of_work(read_only=True) as uow:
                return uow.bind(ComplaintRepository).id_for_token(token_hash(token))

        return await asyncio.to_thread(lookup)

    async def find(self, query: ComplaintQuery) -> Found:
        def read() -> Found:
            with self._store.unit_of_work(read_only=True) as uow:
                complaints = uow.bind(ComplaintRepository)
                records = complaints.search(
                    ids=query.ids,
                    categories=query.categories,
                    statuses=query.statuses,
                    municipality=query.municipality,
                    submitted_from=query.submitted_from,
                    submitted_until=query.submitted_until,
                    limit=query.limit,
                )
                notes = complaints.latest_notes([record.id for record in records])
            return Found(records, notes)

        return await asyncio.to_thread(read)

    async def followed(
        self, complaint_id: str, token: str
    ) -> tuple[ComplaintRecord, list[ComplaintChange]] | None:
        """The complaint and its history, for the holder of its token only."""

        def read() -> tuple[ComplaintRecord, list[ComplaintChange]] | None:
            with self._store.unit_of_work(read_only=True) as uow:
                complaints = uow.bind(ComplaintRepository)
                if not complaints.token_matches(complaint_id, token_hash(token)):
                    return None
                record = complaints.get(complaint_id)
                if record is None:
                    return None
                return record, complaints.history(complaint_id)

        return await asyncio.to_thread(read)

    async def token_matches(self, complaint_id: str, token: str) -> bool:
        def check() -> bool:
            with self._store.unit_of_work(read_only=True) as uow:
                return uow.bind(ComplaintRepository).token_matches(complaint_id, token_hash(token))

        return await asyncio.to_thread(check)

    def overdue_by_category(self) -> dict[str, int]:
        """Open311 complaints past their deadline and unanswered, per category (for metrics).

        The same rule as the open-data statistics, read synchronously at scrape time.
        """
        with self._store.unit_of_work(read_only=True) as uow:
            rows = uow.bind(ComplaintRepository).stats_rows()
        counts: dict[str, int] = {}
        for line in compute(rows, now=self._clock(), catalogue=self.catalogue, language="en"):
            counts[line.category] = counts.get(line.category, 0) + line.overdue
        return counts

    async def stats(
        self,
        *,
        language: DisplayLanguage,
        submitted_from: datetime | None = None,
        submitted_until: datetime | None = None,
        municipality: str | None = None,
    ) -> list[StatsLine]:
        def read() -> list[StatsLine]:
            with self._store.unit_of_work(read_only=True) as uow:
                rows = uow.bind(ComplaintRepository).stats_rows(
                    submitted_from=submitted_from,
                    submitted_until=submitted_until,
                    municipality=municipality,
                )
            return compute(rows, now=self._clock(), catalogue=self.catalogue, language=language)

        return await asyncio.to_thread(read)


def _is_anonymous(submission: ComplaintSubmission) -> bool:
    """Anonymous when asked for, or when nothing was given to reply to."""
    return submission.anonymous or not submission.contact.reachable_details()
