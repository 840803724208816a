"""The assembly desk: a municipality publishes its assembly's members, sessions, votes and
minutes, and its mayor's decisions and public meetings.

The service layer between ``/v1/assemblies`` and the store. Everything is the calling
municipality's own: the municipality in the path, and in every body, must be the client's
(``403 assembly.not_owner`` otherwise). The rules of ``gateway.assembly.rules`` are checked
here: the agenda's notice, quorum and majority, the voters. Nothing is overwritten: a member
or session published again with other content becomes a new version (its old text kept in the
history), and a vote already published is corrected only by a new version carrying a reason.
Nothing here is a hand-off: each action is one transaction in the store.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

import gateway.assembly.problems  # noqa: F401  (registers the assembly's problem codes)
from contracts.act_messages import issuer_of
from contracts.assembly import (
    AssemblyMember,
    AssemblySession,
    ItemVote,
    MayorDecision,
    MayorMeeting,
    MeetingReport,
    MemberList,
    SessionChange,
    SessionMinutes,
)
from gateway.access import Speaker
from gateway.assembly import rules
from gateway.assembly.public_view import (
    decision_view,
    meeting_view,
    member_view,
    session_view,
)
from gateway.kosovo_days import kosovo_date
from gateway.refusals import Refusal
from gateway.store import Store, StoreConflict
from gateway.store.acts import ActRecord, ActRepository
from gateway.store.assembly import (
    AssemblyRepository,
    DecisionRecord,
    HistoryEntry,
    MeetingRecord,
    MemberRecord,
    SessionRecord,
    VoteRecord,
)
from gateway.store.clock import utc_now

log = structlog.get_logger()


@dataclass(frozen=True)
class AssemblyData:
    """Everything the open feeds read, taken in one read-only transaction."""

    members: list[MemberRecord]
    sessions: list[SessionRecord]
    votes: list[VoteRecord]
    decisions: list[DecisionRecord]
    meetings: list[MeetingRecord]
    # The acts the votes and decisions link to: read (one query each) only when asked for.
    acts: dict[str, ActRecord] = field(default_factory=dict)


def serving_members(members: Sequence[MemberRecord], session: AssemblySession) -> list[str]:
    """The assembly members (not the mayor) serving on the session's day, by id."""
    day = kosovo_date(session.held_at)
    return sorted(
        record.member_id
        for record in members
        if record.member.role == "member" and record.member.serves_on(day)
    )


class AssemblyDesk:
    def __init__(
        self,
        store: Store,
        *,
        notice_days: int = 7,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._clock = clock
        self.notice_days = notice_days

    def now(self) -> datetime:
        return self._clock()

    # ---- members ------------------------------------------------------------------------------

    async def put_members(
        self, speaker: Speaker, municipality: str, body: MemberList
    ) -> dict[str, Any]:
        own_municipality(speaker, municipality, *(member.municipality for member in body.members))
        return await asyncio.to_thread(self._put_members, speaker, body.members)

    async def members(self, municipality: str) -> dict[str, Any]:
        def read() -> list[MemberRecord]:
            with self._store.unit_of_work(read_only=True) as uow:
                return uow.bind(AssemblyRepository).members(municipality)

        records = await asyncio.to_thread(read)
        return {"municipality": municipality, "members": [member_view(r) for r in records]}

    def _put_members(self, speaker: Speaker, members: Sequence[AssemblyMember]) -> dict[str, Any]:
        now = self._clock()
        changed = 0
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            records = []
            for member in members:
                existing = repository.member(member.member_id)
                if existing is not None and existing.municipality != speaker.municipality:
                    raise Refusal("assembly.not_owner", extra={"member_id": member.member_id})
                record, was_changed = repository.put_member(
                    member, client_id=speaker.client, now=now
                )
                changed += was_changed
                records.append(record)
            uow.commit()
        log.info(
            "assembly.members.published",
            municipality=speaker.municipality,
            members=len(records),
            changed=changed,
        )
        return {
            "municipality": speaker.municipality,
            "changed": changed,
            "members": [member_view(record) for record in records],
        }

    # ---- sessions -----------------------------------------------------------------------------

    async def publish_session(
        self, speaker: Speaker, municipality: str, session: AssemblySession
    ) -> tuple[dict[str, Any], bool]:
        """Publish a session and its agenda; returns its view and whether it was a replay."""
        own_municipality(speaker, municipality, session.municipality)
        try:
            return await asyncio.to_thread(self._publish_session, speaker, session)
        except StoreConflict:
            return await asyncio.to_thread(self._publish_session, speaker, session)

    async def change_session(
        self, speaker: Speaker, municipality: str, session_id: str, change: SessionChange
    ) -> dict[str, Any]:
        own_municipality(speaker, municipality, change.session.municipality)
        return await asyncio.to_thread(self._change_session, speaker, session_id, change)

    async def session(self, municipality: str, session_id: str) -> dict[str, Any]:
        def read() -> tuple[
            SessionRecord | None, list[VoteRecord], list[MemberRecord], list[HistoryEntry]
        ]:
            with self._store.unit_of_work(read_only=True) as uow:
                repository = uow.bind(AssemblyRepository)
                record = repository.session(session_id)
                if record is None:
                    return None, [], [], []
                return (
                    record,
                    repository.item_votes(session_id),
                    repository.members(record.municipality),
                    repository.history("session", session_id),
                )

        record, votes, members, history = await asyncio.to_thread(read)
        if record is None:
            raise Refusal("assembly.session.unknown")
        if record.municipality != municipality:
            raise Refusal("assembly.not_owner")
        view = session_view(record, votes, serving_members(members, record.session))
        view["earlier_versions"] = [
            {
                "version": entry.version,
                "session": dict(entry.body),
                "replaced_because": dict(entry.reason) if entry.reason else None,
                "replaced_at": entry.recorded_at.isoformat(timespec="seconds"),
            }
            for entry in history
        ]
        return view

    def _check_notice(self, session: AssemblySession, now: datetime) -> None:
        """The agenda's notice: from now, or (a session already held, published afterwards)
        from the publication the municipality declares."""
        published = now
        if session.agenda_published_at is not None:
            if session.held_at > now or session.agenda_published_at > now:
                raise Refusal(
                    "request.payload.invalid",
                    errors=[
                        (
                            "/agenda_published_at",
                            "only a session already held is published with the date its "
                            "agenda was published",
                        )
                    ],
                )
            published = session.agenda_published_at
        if not rules.notice_is_enough(
            session.kind, published, session.held_at, days=self.notice_days
        ):
            raise Refusal(
                "assembly.agenda.too_late",
                extra={
                    "kind": session.kind,
                    "held_at": session.held_at.isoformat(),
                    "notice_days_required": self.notice_days if session.kind == "regular" else 0,
                    "notice_days_given": rules.notice_days(published, session.held_at),
                },
            )

    def _publish_session(
        self, speaker: Speaker, session: AssemblySession
    ) -> tuple[dict[str, Any], bool]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            existing = repository.session_by_reference(session.municipality, session.reference)
            if existing is not None:
                if existing.session != session:
                    raise Refusal("assembly.reference.taken", extra={"session_id": existing.id})
                return session_view(existing, repository.item_votes(existing.id), []), True
            self._check_notice(session, now)
            record = repository.add_session(
                str(uuid.uuid4()), session, client_id=speaker.client, now=now
            )
            uow.commit()
        log.info(
            "assembly.session.published",
            session_id=record.id,
            municipality=record.municipality,
            kind=session.kind,
            held_at=session.held_at.isoformat(),
        )
        return session_view(record, [], []), False

    def _owned_session(
        self, repository: AssemblyRepository, speaker: Speaker, session_id: str
    ) -> SessionRecord:
        record = repository.session(session_id, for_update=True)
        if record is None:
            raise Refusal("assembly.session.unknown")
        if record.municipality != speaker.municipality:
            raise Refusal("assembly.not_owner")
        return record

    def _change_session(
        self, speaker: Speaker, session_id: str, change: SessionChange
    ) -> dict[str, Any]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            current = self._owned_session(repository, speaker, session_id)
            if change.session.reference != current.session.reference:
                raise Refusal(
                    "request.payload.invalid",
                    errors=[("/session/reference", "a session keeps its reference")],
                )
            if change.session == current.session:
                return session_view(current, repository.item_votes(session_id), [])
            if repository.item_votes(session_id):
                raise Refusal("assembly.already_published", extra={"votes": "recorded"})
            self._check_notice(change.session, now)
            record = repository.change_session(
                current,
                change.session,
                reason=change.reason.model_dump(exclude_none=True),
                client_id=speaker.client,
                now=now,
            )
            uow.commit()
        log.info("assembly.session.changed", session_id=session_id, version=record.version)
        return session_view(record, [], [])

    # ---- votes --------------------------------------------------------------------------------

    async def record_vote(
        self,
        speaker: Speaker,
        municipality: str,
        session_id: str,
        item_number: int,
        vote: ItemVote,
    ) -> tuple[dict[str, Any], bool]:
        """Record (or correct, with a reason) the vote on an item; returns the session's view
        and whether this was the same vote published again."""
        own_municipality(speaker, municipality)
        try:
            return await asyncio.to_thread(
                self._record_vote, speaker, session_id, item_number, vote
            )
        except StoreConflict:
            return await asyncio.to_thread(
                self._record_vote, speaker, session_id, item_number, vote
            )

    def _record_vote(
        self, speaker: Speaker, session_id: str, item_number: int, vote: ItemVote
    ) -> tuple[dict[str, Any], bool]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            record = self._owned_session(repository, speaker, session_id)
            items = {item.number: item for item in record.session.agenda}
            item = items.get(item_number)
            if item is None:
                raise Refusal("assembly.item.unknown", extra={"items": sorted(items)})
            if now < record.session.held_at:
                raise Refusal(
                    "assembly.vote.too_early",
                    extra={"held_at": record.session.held_at.isoformat()},
                )
            earlier = repository.item_votes(session_id, item_number)
            serving = serving_members(repository.members(record.municipality), record.session)
            if earlier:
                latest = earlier[-1]
                if _same_vote(latest.vote, vote):
                    return session_view(record, repository.item_votes(session_id), serving), True
                if vote.reason is None:
                    raise Refusal(
                        "assembly.change.reason_required",
                        extra={"version": latest.version, "vote_id": latest.id},
                    )
            _check_voters(serving, vote)
            tally = rules.Tally(len(serving), vote.counts())
            if not tally.quorum:
                raise Refusal(
                    "assembly.vote.no_quorum",
                    extra={"members": tally.serving, "present": tally.present},
                )
            expected = tally.outcome(item.majority)
            if vote.outcome != expected:
                raise Refusal(
                    "assembly.vote.outcome_mismatch",
                    extra={
                        "declared": vote.outcome,
                        "votes_give": expected,
                        "majority": item.majority,
                        "counts": dict(tally.counts),
                    },
                )
            if vote.act_id is not None:
                _check_act(
                    uow.bind(ActRepository), str(vote.act_id), record.municipality, "assembly"
                )
            version = earlier[-1].version + 1 if earlier else 1
            repository.add_vote(
                str(uuid.uuid4()),
                record,
                item_number,
                version,
                vote,
                client_id=speaker.client,
                now=now,
            )
            uow.commit()
            votes = repository.item_votes(session_id)
        log.info(
            "assembly.vote.recorded",
            session_id=session_id,
            item=item_number,
            version=version,
            outcome=vote.outcome,
            present=tally.present,
        )
        return session_view(record, votes, serving), False

    # ---- minutes ------------------------------------------------------------------------------

    async def minutes(
        self, speaker: Speaker, municipality: str, session_id: str, minutes: SessionMinutes
    ) -> dict[str, Any]:
        own_municipality(speaker, municipality)
        return await asyncio.to_thread(self._minutes, speaker, session_id, minutes)

    def _minutes(
        self, speaker: Speaker, session_id: str, minutes: SessionMinutes
    ) -> dict[str, Any]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            record = self._owned_session(repository, speaker, session_id)
            if now < record.session.held_at or minutes.approved_on < kosovo_date(
                record.session.held_at
            ):
                raise Refusal(
                    "assembly.minutes.too_early",
                    extra={"held_at": record.session.held_at.isoformat()},
                )
            if record.minutes is not None:
                if record.minutes == minutes:
                    return session_view(record, repository.item_votes(session_id), [])
                raise Refusal("assembly.already_published")
            record = repository.approve_minutes(session_id, minutes, now=now)
            uow.commit()
            votes = repository.item_votes(session_id)
        log.info("assembly.minutes.published", session_id=session_id)
        return session_view(record, votes, [])

    # ---- the executive ------------------------------------------------------------------------

    async def publish_decision(
        self, speaker: Speaker, municipality: str, decision: MayorDecision
    ) -> tuple[dict[str, Any], bool]:
        own_municipality(speaker, municipality, decision.municipality)
        return await asyncio.to_thread(self._publish_decision, speaker, decision)

    def _publish_decision(
        self, speaker: Speaker, decision: MayorDecision
    ) -> tuple[dict[str, Any], bool]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            existing = repository.decision_by_number(decision.municipality, decision.number)
            if existing is not None:
                if existing.decision != decision:
                    raise Refusal("assembly.reference.taken", extra={"decision_id": existing.id})
                return decision_view(existing), True
            if decision.act_id is not None:
                _check_act(
                    uow.bind(ActRepository), str(decision.act_id), decision.municipality, "mayor"
                )
            record = repository.add_decision(
                str(uuid.uuid4()), decision, client_id=speaker.client, now=now
            )
            uow.commit()
        log.info(
            "assembly.mayor_decision.published",
            decision_id=record.id,
            municipality=decision.municipality,
        )
        return decision_view(record), False

    async def publish_meeting(
        self, speaker: Speaker, municipality: str, meeting: MayorMeeting
    ) -> tuple[dict[str, Any], bool]:
        own_municipality(speaker, municipality, meeting.municipality)
        return await asyncio.to_thread(self._publish_meeting, speaker, meeting)

    def _publish_meeting(
        self, speaker: Speaker, meeting: MayorMeeting
    ) -> tuple[dict[str, Any], bool]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            existing = repository.meeting_by_reference(meeting.municipality, meeting.reference)
            if existing is not None:
                if existing.meeting != meeting:
                    raise Refusal("assembly.reference.taken", extra={"meeting_id": existing.id})
                return meeting_view(existing, now), True
            record = repository.add_meeting(
                str(uuid.uuid4()), meeting, client_id=speaker.client, now=now
            )
            uow.commit()
        log.info(
            "assembly.mayor_meeting.published",
            meeting_id=record.id,
            municipality=meeting.municipality,
        )
        return meeting_view(record, now), False

    async def report_meeting(
        self, speaker: Speaker, municipality: str, meeting_id: str, report: MeetingReport
    ) -> dict[str, Any]:
        own_municipality(speaker, municipality)
        return await asyncio.to_thread(self._report_meeting, speaker, meeting_id, report)

    def _report_meeting(
        self, speaker: Speaker, meeting_id: str, report: MeetingReport
    ) -> dict[str, Any]:
        now = self._clock()
        with self._store.unit_of_work() as uow:
            repository = uow.bind(AssemblyRepository)
            record = repository.meeting(meeting_id, for_update=True)
            if record is None:
                raise Refusal("assembly.meeting.unknown")
            if record.meeting.municipality != speaker.municipality:
                raise Refusal("assembly.not_owner")
            if now < record.meeting.held_at:
                raise Refusal(
                    "assembly.report.too_early",
                    extra={"held_at": record.meeting.held_at.isoformat()},
                )
            if record.report is not None:
                if record.report == report:
                    return meeting_view(record, now)
                raise Refusal("assembly.already_published")
            record = repository.report_meeting(meeting_id, report, now=now)
            uow.commit()
        log.info("assembly.mayor_meeting.reported", meeting_id=meeting_id)
        return meeting_view(record, now)

    # ---- what the feeds read ------------------------------------------------------------------

    def data(self, *, with_acts: bool = False) -> AssemblyData:
        """What the feeds read; the linked acts only ``with_acts`` (the decisions feed)."""
        with self._store.unit_of_work(read_only=True) as uow:
            repository = uow.bind(AssemblyRepository)
            votes = repository.all_votes()
            decisions = repository.decisions()
            found: dict[str, ActRecord | None] = {}
            if with_acts:
                linked = {str(v.vote.act_id) for v in votes if v.vote.act_id} | {
                    str(d.decision.act_id) for d in decisions if d.decision.act_id
                }
                acts = uow.bind(ActRepository)
                found = {act_id: acts.get(act_id) for act_id in linked}
            return AssemblyData(
                members=repository.all_members(),
                sessions=repository.sessions(),
                votes=votes,
                decisions=decisions,
                meetings=repository.meetings(),
                acts={act_id: act for act_id, act in found.items() if act is not None},
            )

    def version(self) -> str:
        with self._store.unit_of_work(read_only=True) as uow:
            now = self._clock()
            mine = uow.bind(AssemblyRepository).version(now)
            acts = uow.bind(ActRepository).version()
        # Review outcomes change with the acts; "in office" changes with the day.
        return f"{mine}|{acts}|{kosovo_date(now).isoformat()}"


def own_municipality(speaker: Speaker, *municipalities: str) -> None:
    """Refuse a municipality acting for another (in the path or in a body)."""
    for municipality in municipalities:
        if municipality != speaker.municipality:
            raise Refusal("assembly.not_owner", extra={"municipality": municipality})


def _same_vote(first: ItemVote, second: ItemVote) -> bool:
    """The same vote published again (a reason alone does not make a correction)."""
    return first.model_copy(update={"reason": None}) == second.model_copy(update={"reason": None})


def _check_voters(serving: Sequence[str], vote: ItemVote) -> None:
    named = [cast.member_id for cast in vote.votes]
    unknown = sorted(set(named) - set(serving))
    if unknown:
        raise Refusal("assembly.member.unknown", extra={"member_ids": unknown})
    missing = sorted(set(serving) - set(named))
    if missing:
        raise Refusal("assembly.vote.incomplete", extra={"missing": missing})


def _check_act(acts: ActRepository, act_id: str, municipality: str, issuer: str) -> None:
    act = acts.get(act_id)
    if act is None or act.municipality != municipality or issuer_of(act.kind) != issuer:
        raise Refusal("assembly.act.unknown", extra={"act_id": act_id})
