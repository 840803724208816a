"""The acts desk: a municipality submits, revises or withdraws its acts for legality review.

The service layer between ``/v1/acts`` and the store. Each action checks that the act is the
calling municipality's own and that its review allows the action, then writes, in one
transaction, the act's new state and the outbox row holding the message for the ministry
(``ActSubmission``). Only after that commit does the municipality hear ``202``, so every
accepted act reaches the ministry, and every refusal (another municipality's act, a review
already over, a number already taken by a different act) leaves nothing behind.

Repeating an action changes nothing: the same act submitted again under its number, the same
text sent as a revision, a second withdrawal, all get the first answer again
(``Idempotent-Replayed``), which is what a municipality's client retrying after a timeout needs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from contracts.act_messages import (
    ACT_SUBMISSION_SCHEMA_NAME,
    FINAL_REVIEW_STATES,
    ActAction,
    ActSubmission,
    MunicipalAct,
    OfficialText,
    ReviewState,
)
from gateway.access import Speaker
from gateway.refusals import Refusal
from gateway.store import OutboxKind, Store, StoreConflict, UnitOfWork
from gateway.store.acts import ActEvent, ActRecord, ActRepository, PublishedAct
from gateway.store.clock import utc_now

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class ActAnswer:
    """Always a 202: the act goes on to the ministry's review (``replayed`` for a repeat)."""

    body: dict[str, Any]
    replayed: bool = False


def act_view(record: ActRecord, history: Sequence[ActEvent] | None = None) -> dict[str, Any]:
    """An act as its municipality sees it (with its history when asked for)."""
    view: dict[str, Any] = {
        "act_id": record.id,
        "municipality": record.municipality,
        "kind": record.kind,
        "number": record.number,
        "title": dict(record.title),
        "adopted_on": record.adopted_on.isoformat(),
        "documents": [dict(document) for document in record.documents],
        "revision": record.revision,
        "review_state": record.review_state.value,
        "submitted_at": record.submitted_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "status_url": f"/v1/acts/{record.id}",
    }
    if history is not None:
        view["history"] = [
            {
                "state": event.state.value,
                "previous_state": event.previous_state.value if event.previous_state else None,
                "revision": event.revision,
                "source": event.source,
                "occurred_at": event.occurred_at.isoformat(),
                "public_note": dict(event.public_note) if event.public_note else None,
                "documents": [dict(document) for document in event.documents],
            }
            for event in history
        ]
    return view


class ActDesk:
    def __init__(self, store: Store, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

    async def submit(self, speaker: Speaker, act: MunicipalAct) -> ActAnswer:
        """Take a new act for review; the same act again under its number is a replay."""
        if act.municipality != speaker.municipality:
            raise Refusal("act.not_owner", extra={"municipality": act.municipality})
        self._refuse_future_adoption(act)
        try:
            return await asyncio.to_thread(self._submit, speaker, act)
        except StoreConflict:
            # A twin submission of the same number committed first: compare with it.
            return await asyncio.to_thread(self._submit, speaker, act)

    async def revise(self, speaker: Speaker, act_id: str, act: MunicipalAct) -> ActAnswer:
        """Send a new text of the act (a correction, or the act as reconsidered)."""
        self._refuse_future_adoption(act)
        return await asyncio.to_thread(self._revise, speaker, act_id, act)

    async def withdraw(
        self, speaker: Speaker, act_id: str, reason: OfficialText | None
    ) -> ActAnswer:
        """Take the act out of review; the ministry is told."""
        return await asyncio.to_thread(self._withdraw, speaker, act_id, reason)

    async def view(self, act_id: str, *, municipality: str | None) -> dict[str, Any]:
        """The act and its history, for its own municipality (``None``: an operator)."""

        def read() -> tuple[ActRecord | None, list[ActEvent]]:
            with self._store.unit_of_work(read_only=True) as uow:
                acts = uow.bind(ActRepository)
                record = acts.get(act_id)
                return record, acts.history(act_id) if record else []

        record, history = await asyncio.to_thread(read)
        if record is None:
            raise Refusal("act.unknown")
        if municipality is not None and record.municipality != municipality:
            raise Refusal("act.not_owner")
        return act_view(record, history)

    def published(self) -> list[PublishedAct]:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(ActRepository).published()

    def version(self) -> str:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(ActRepository).version()

    # ---- in a worker thread, one transaction each -------------------------------------------

    def _submit(self, speaker: Speaker, act: MunicipalAct) -> ActAnswer:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            acts = uow.bind(ActRepository)
            existing = acts.by_number(act.municipality, act.number)
            if existing is not None:
                if existing.as_act() != act:
                    raise Refusal("act.number.taken", extra={"act_id": existing.id})
                return ActAnswer(act_view(existing), replayed=True)
            act_id, message_id = str(uuid.uuid4()), uuid.uuid4()
            record = acts.add(
                act_id, act, client_id=speaker.client, message_id=str(message_id), now=now
            )
            self._hand_off(uow, record, "submitted", message_id, now=now)
            uow.commit()
        self._log(record, "submitted")
        return ActAnswer(act_view(record))

    def _revise(self, speaker: Speaker, act_id: str, act: MunicipalAct) -> ActAnswer:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            acts = uow.bind(ActRepository)
            current = self._own(acts, speaker, act_id)
            if (act.municipality, act.number, act.kind) != (
                current.municipality,
                current.number,
                current.kind,
            ):
                raise Refusal(
                    "request.payload.invalid",
                    errors=[("/number", "an act keeps its municipality, number and kind")],
                )
            if current.as_act() == act:
                return ActAnswer(act_view(current), replayed=True)
            self._refuse_if_over(current)
            message_id = uuid.uuid4()
            record = acts.revise(act_id, act, message_id=str(message_id), now=now)
            self._hand_off(uow, record, "revised", message_id, now=now)
            uow.commit()
        self._log(record, "revised")
        return ActAnswer(act_view(record))

    def _withdraw(self, speaker: Speaker, act_id: str, reason: OfficialText | None) -> ActAnswer:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            acts = uow.bind(ActRepository)
            current = self._own(acts, speaker, act_id)
            if current.review_state is ReviewState.WITHDRAWN:
                return ActAnswer(act_view(current), replayed=True)
            self._refuse_if_over(current)
            message_id = uuid.uuid4()
            acts.set_state(
                act_id,
                ReviewState.WITHDRAWN,
                source=f"municipality:{current.municipality}",
                message_id=str(message_id),
                public_note=reason.model_dump(exclude_none=True) if reason else None,
                occurred_at=now,
                now=now,
            )
            record = acts.get(act_id)
            assert record is not None
            self._hand_off(uow, record, "withdrawn", message_id, reason=reason, now=now)
            uow.commit()
        self._log(record, "withdrawn")
        return ActAnswer(act_view(record))

    def _refuse_future_adoption(self, act: MunicipalAct) -> None:
        # A day's leeway: the municipality's calendar day may be ahead of UTC's.
        if act.adopted_on > (self._clock() + timedelta(days=1)).date():
            raise Refusal(
                "request.payload.invalid",
                errors=[("/adopted_on", "an act is submitted after it is adopted, not before")],
            )

    @staticmethod
    def _own(acts: ActRepository, speaker: Speaker, act_id: str) -> ActRecord:
        current = acts.get(act_id, for_update=True)
        if current is None:
            raise Refusal("act.unknown")
        if current.municipality != speaker.municipality:
            raise Refusal("act.not_owner")
        return current

    @staticmethod
    def _refuse_if_over(current: ActRecord) -> None:
        if current.review_state in FINAL_REVIEW_STATES:
            raise Refusal(
                "act.transition.illegal", extra={"review_state": current.review_state.value}
            )

    @staticmethod
    def _hand_off(
        uow: UnitOfWork,
        record: ActRecord,
        action: ActAction,
        message_id: uuid.UUID,
        *,
        now: datetime,
        reason: OfficialText | None = None,
    ) -> None:
        """The message for the ministry, in the outbox, in the act's own transaction."""
        message = ActSubmission(
            message_id=message_id,
            act_id=uuid.UUID(record.id),
            action=action,
            revision=record.revision,
            act=record.as_act(),
            reason=reason,
            sent_at=now,
        )
        uow.outbox.add(
            OutboxKind.HANDOFF,
            message_id=str(message_id),
            destination=message.routing_key,
            body=message.model_dump_json(),
            request_id=record.id,
            headers={
                "schema": ACT_SUBMISSION_SCHEMA_NAME,
                "schema_version": message.schema_version,
            },
            now=now,
        )

    @staticmethod
    def _log(record: ActRecord, action: str) -> None:
        log.info(
            "act.accepted",
            hop="accepted",
            outcome=action,
            act_id=record.id,
            municipality=record.municipality,
            kind=record.kind,
            revision=record.revision,
            review_state=record.review_state.value,
        )
