"""The hearings desk: a municipality publishes its public hearings and its reports on them.

The service layer between ``/v1/hearings`` and the store. A hearing is the calling
municipality's own (``403 hearing.not_owner`` otherwise), its reference is unique within the
municipality (the same hearing published again is a replay, a different one under a used
reference a ``409 hearing.reference.taken``), and its comment window must still be ahead of
it. The report may be published once the comment window has ended, once; it closes the
hearing and freezes the number of comments it answers. Nothing here is a hand-off: the
municipality itself is the one publishing, so each action is one transaction in the store.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from contracts.hearings import HearingReport, PublicHearing
from gateway.access import Speaker
from gateway.hearings.public_view import hearing_view
from gateway.refusals import Refusal
from gateway.store import Store, StoreConflict
from gateway.store.clock import utc_now
from gateway.store.hearings import HearingRecord, HearingRepository, PublishedHearing

log = structlog.get_logger()


class HearingDesk:
    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def publish(
        self, speaker: Speaker, hearing: PublicHearing
    ) -> tuple[dict[str, Any], bool]:
        """Publish a hearing; returns its view and whether it was published before (a replay)."""
        if hearing.municipality != speaker.municipality:
            raise Refusal("hearing.not_owner", extra={"municipality": hearing.municipality})
        if hearing.comments_until <= self._clock():
            raise Refusal(
                "request.payload.invalid",
                errors=[("/comments_until", "the comment period must end in the future")],
            )
        try:
            return await asyncio.to_thread(self._publish, speaker, hearing)
        except StoreConflict:
            # A twin publication of the same reference committed first: compare with it.
            return await asyncio.to_thread(self._publish, speaker, hearing)

    async def report(
        self, speaker: Speaker, hearing_id: str, report: HearingReport
    ) -> dict[str, Any]:
        """Publish the report on the comments; it closes the hearing."""
        return await asyncio.to_thread(self._report, speaker, hearing_id, report)

    async def view(self, hearing_id: str, *, municipality: str | None) -> dict[str, Any]:
        """A hearing in full, for its own municipality (``None``: an operator)."""

        def read() -> tuple[HearingRecord | None, int]:
            with self._store.unit_of_work(read_only=True) as uow:
                hearings = uow.bind(HearingRepository)
                record = hearings.get(hearing_id)
                return record, hearings.comment_count(hearing_id) if record else 0

        record, comments = await asyncio.to_thread(read)
        if record is None:
            raise Refusal("hearing.unknown")
        if municipality is not None and record.municipality != municipality:
            raise Refusal("hearing.not_owner")
        return hearing_view(record, comments, self._clock())

    def published(self) -> list[PublishedHearing]:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(HearingRepository).published()

    def version(self) -> str:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(HearingRepository).version(self._clock())

    # ---- in a worker thread, one transaction each -------------------------------------------

    def _publish(self, speaker: Speaker, hearing: PublicHearing) -> tuple[dict[str, Any], bool]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            hearings = uow.bind(HearingRepository)
            existing = hearings.by_reference(hearing.municipality, hearing.reference)
            if existing is not None:
                asked = hearing
                if hearing.comments_from is None:
                    asked = hearing.model_copy(update={"comments_from": existing.comments_from})
                if existing.as_hearing() != asked:
                    raise Refusal("hearing.reference.taken", extra={"hearing_id": existing.id})
                comments = hearings.comment_count(existing.id)
                return hearing_view(existing, comments, now), True
            record = hearings.add(str(uuid.uuid4()), hearing, client_id=speaker.client, now=now)
            uow.commit()
        log.info(
            "hearing.published",
            hearing_id=record.id,
            municipality=record.municipality,
            reference=record.reference,
            comments_until=record.comments_until.isoformat(),
        )
        return hearing_view(record, 0, now), False

    def _report(self, speaker: Speaker, hearing_id: str, report: HearingReport) -> dict[str, Any]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            hearings = uow.bind(HearingRepository)
            current = hearings.get(hearing_id, for_update=True)
            if current is None:
                raise Refusal("hearing.unknown")
            if current.municipality != speaker.municipality:
                raise Refusal("hearing.not_owner")
            if current.reported_at is not None:
                raise Refusal(
                    "hearing.already_reported",
                    extra={"report_published_at": current.reported_at.isoformat()},
                )
            if now < current.comments_until:
                raise Refusal(
                    "hearing.report.too_early",
                    extra={"comments_until": current.comments_until.isoformat()},
                )
            record = hearings.report(hearing_id, report, now=now)
            uow.commit()
        log.info(
            "hearing.reported",
            hearing_id=record.id,
            municipality=record.municipality,
            comments=record.comments_at_report,
        )
        return hearing_view(record, record.comments_at_report or 0, now)
