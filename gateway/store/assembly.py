"""The municipal assembly and the executive in the store.

``assembly_members``: one row per person of a mandate (the members and the mayor), keyed by
the municipality's own ``member_id``; publishing a member again updates the row and writes the
previous text to the history. ``assembly_sessions``: one row per session (unique per
municipality and reference), its agenda, and its minutes once approved.
``assembly_votes``: one row per *version* of the vote on an agenda item; a correction is a new
row with a reason, never an update, so every published vote stays readable.
``mayor_decisions`` and ``mayor_meetings``: the executive. ``assembly_history``: every earlier
text of a member, session or meeting that a later publication replaced, with the reason given.

The tables sit on the store's shared metadata; migration ``0010_assembly`` creates them.
``AssemblyRepository`` works inside a unit of work (``uow.bind(AssemblyRepository)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from contracts.assembly import (
    AssemblyMember,
    AssemblySession,
    ItemVote,
    MayorDecision,
    MayorMeeting,
    MeetingReport,
    SessionMinutes,
)
from gateway.store.clock import utc_now
from gateway.store.errors import StoreConflict
from gateway.store.row_lock import first_row
from gateway.store.tables import UtcDateTime, big_id_type, json_type, metadata

assembly_members = Table(
    "assembly_members",
    metadata,
    Column("member_id", String(60), primary_key=True),
    Column("municipality", String(2), nullable=False, index=True),
    Column("mandate", String(9), nullable=False),
    Column("name", String(200), nullable=False),
    Column("party", String(200), nullable=False),
    Column("committees", json_type(), nullable=False),
    Column("role", String(10), nullable=False),
    Column("office_from", Date(), nullable=False),
    Column("office_until", Date()),
    Column("version", Integer(), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

assembly_sessions = Table(
    "assembly_sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("reference", String(60), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("held_at", UtcDateTime(), nullable=False),
    Column("place", json_type()),
    Column("public_may_attend", Boolean(), nullable=False),
    Column("committee", String(200)),
    Column("agenda", json_type(), nullable=False),
    Column("agenda_published_at", UtcDateTime(), nullable=False),
    Column("agenda_declared", Boolean(), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("minutes", json_type()),
    Column("minutes_published_at", UtcDateTime()),
    UniqueConstraint("municipality", "reference"),
    Index(None, "held_at"),
)

assembly_votes = Table(
    "assembly_votes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("session_id", String(36), ForeignKey("assembly_sessions.id"), nullable=False),
    Column("item_number", Integer(), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("municipality", String(2), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("votes", json_type(), nullable=False),
    Column("act_id", String(36)),
    Column("decision", json_type()),
    Column("reason", json_type()),
    Column("client_id", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("session_id", "item_number", "version"),
)

mayor_decisions = Table(
    "mayor_decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("number", String(60), nullable=False),
    Column("title", json_type(), nullable=False),
    Column("decided_on", Date(), nullable=False),
    Column("act_id", String(36)),
    Column("documents", json_type(), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    UniqueConstraint("municipality", "number"),
)

mayor_meetings = Table(
    "mayor_meetings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("municipality", String(2), nullable=False),
    Column("reference", String(60), nullable=False),
    Column("held_at", UtcDateTime(), nullable=False),
    Column("place", json_type(), nullable=False),
    Column("topics", json_type(), nullable=False),
    Column("client_id", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("report", json_type()),
    Column("reported_at", UtcDateTime()),
    UniqueConstraint("municipality", "reference"),
)

assembly_history = Table(
    "assembly_history",
    metadata,
    Column("seq", big_id_type(), primary_key=True, autoincrement=True),
    Column("municipality", String(2), nullable=False),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("body", json_type(), nullable=False),
    Column("reason", json_type()),
    Column("client_id", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index(None, "entity", "entity_id"),
)


@dataclass(frozen=True, slots=True)
class MemberRecord:
    member: AssemblyMember
    version: int
    client_id: str
    published_at: datetime
    updated_at: datetime

    @property
    def member_id(self) -> str:
        return self.member.member_id

    @property
    def municipality(self) -> str:
        return self.member.municipality


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    session: AssemblySession
    version: int
    client_id: str
    published_at: datetime
    updated_at: datetime
    minutes: SessionMinutes | None
    minutes_published_at: datetime | None
    agenda_published_at: datetime
    agenda_declared: bool

    @property
    def municipality(self) -> str:
        return self.session.municipality


@dataclass(frozen=True, slots=True)
class VoteRecord:
    id: str
    session_id: str
    item_number: int
    version: int
    municipality: str
    vote: ItemVote
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: str
    decision: MayorDecision
    published_at: datetime


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    id: str
    meeting: MayorMeeting
    published_at: datetime
    updated_at: datetime
    report: MeetingReport | None
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    entity: str
    entity_id: str
    version: int
    body: Mapping[str, Any]
    reason: Mapping[str, str] | None
    recorded_at: datetime


def _member(row: RowMapping) -> MemberRecord:
    return MemberRecord(
        member=AssemblyMember(
            member_id=row["member_id"],
            municipality=row["municipality"],
            mandate=row["mandate"],
            name=row["name"],
            party=row["party"],
            committees=tuple(row["committees"] or ()),
            role=row["role"],
            office_from=row["office_from"],
            office_until=row["office_until"],
        ),
        version=row["version"],
        client_id=row["client_id"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
    )


def _session(row: RowMapping) -> SessionRecord:
    body: dict[str, Any] = {
        "municipality": row["municipality"],
        "reference": row["reference"],
        "kind": row["kind"],
        "held_at": row["held_at"],
        "public_may_attend": row["public_may_attend"],
        "agenda": row["agenda"],
    }
    if row["agenda_declared"]:
        body["agenda_published_at"] = row["agenda_published_at"]
    if row["place"] is not None:
        body["place"] = row["place"]
    if row["committee"] is not None:
        body["committee"] = row["committee"]
    return SessionRecord(
        id=row["id"],
        session=AssemblySession.model_validate(body),
        version=row["version"],
        client_id=row["client_id"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        minutes=SessionMinutes.model_validate(row["minutes"]) if row["minutes"] else None,
        minutes_published_at=row["minutes_published_at"],
        agenda_published_at=row["agenda_published_at"],
        agenda_declared=row["agenda_declared"],
    )


def _vote(row: RowMapping) -> VoteRecord:
    body: dict[str, Any] = {"outcome": row["outcome"], "votes": row["votes"]}
    for key in ("act_id", "decision", "reason"):
        if row[key] is not None:
            body[key] = row[key]
    return VoteRecord(
        id=row["id"],
        session_id=row["session_id"],
        item_number=row["item_number"],
        version=row["version"],
        municipality=row["municipality"],
        vote=ItemVote.model_validate(body),
        recorded_at=row["recorded_at"],
    )


def _decision(row: RowMapping) -> DecisionRecord:
    body: dict[str, Any] = {
        "municipality": row["municipality"],
        "number": row["number"],
        "title": row["title"],
        "decided_on": row["decided_on"],
        "documents": row["documents"],
    }
    if row["act_id"] is not None:
        body["act_id"] = row["act_id"]
    return DecisionRecord(
        id=row["id"],
        decision=MayorDecision.model_validate(body),
        published_at=row["published_at"],
    )


def _meeting(row: RowMapping) -> MeetingRecord:
    return MeetingRecord(
        id=row["id"],
        meeting=MayorMeeting.model_validate(
            {
                "municipality": row["municipality"],
                "reference": row["reference"],
                "held_at": row["held_at"],
                "place": row["place"],
                "topics": row["topics"],
            }
        ),
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        report=MeetingReport.model_validate(row["report"]) if row["report"] else None,
        reported_at=row["reported_at"],
    )


class AssemblyRepository:
    """Members, sessions, votes and the executive, inside the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # ---- members ------------------------------------------------------------------------------

    def members(self, municipality: str, mandate: str | None = None) -> list[MemberRecord]:
        """The members (and mayor) of a municipality, of one mandate if given, by id."""
        query = select(assembly_members).where(assembly_members.c.municipality == municipality)
        if mandate is not None:
            query = query.where(assembly_members.c.mandate == mandate)
        rows = self._conn.execute(query.order_by(assembly_members.c.member_id)).mappings()
        return [_member(row) for row in rows]

    def member(self, member_id: str, *, for_update: bool = False) -> MemberRecord | None:
        row = first_row(
            self._conn,
            assembly_members,
            assembly_members.c.member_id == member_id,
            for_update=for_update,
        )
        return _member(row) if row else None

    def all_members(self) -> list[MemberRecord]:
        rows = self._conn.execute(
            select(assembly_members).order_by(assembly_members.c.member_id)
        ).mappings()
        return [_member(row) for row in rows]

    def put_member(
        self, member: AssemblyMember, *, client_id: str, now: datetime | None = None
    ) -> tuple[MemberRecord, bool]:
        """Add or change a member; returns the record and whether anything changed. The text
        a change replaces goes to the history."""
        now = now or utc_now()
        values = {
            "municipality": member.municipality,
            "mandate": member.mandate,
            "name": member.name,
            "party": member.party,
            "committees": list(member.committees),
            "role": member.role,
            "office_from": member.office_from,
            "office_until": member.office_until,
            "client_id": client_id,
            "updated_at": now,
        }
        current = self.member(member.member_id, for_update=True)
        if current is None:
            try:
                self._conn.execute(
                    insert(assembly_members),
                    {**values, "member_id": member.member_id, "version": 1, "published_at": now},
                )
            except IntegrityError as exc:
                raise StoreConflict(f"member {member.member_id}") from exc
        elif current.member == member:
            return current, False
        else:
            if current.municipality != member.municipality:
                raise StoreConflict(f"member {member.member_id} belongs to another municipality")
            self._history(
                "member",
                member.member_id,
                current.version,
                current.member,
                None,
                current.client_id,
                now,
            )
            self._conn.execute(
                update(assembly_members)
                .where(assembly_members.c.member_id == member.member_id)
                .values(**values, version=current.version + 1)
            )
        changed = self.member(member.member_id)
        assert changed is not None
        return changed, True

    # ---- sessions -----------------------------------------------------------------------------

    def add_session(
        self, session_id: str, session: AssemblySession, *, client_id: str, now: datetime
    ) -> SessionRecord:
        dumped = session.model_dump(mode="json", exclude_none=True)
        try:
            self._conn.execute(
                insert(assembly_sessions),
                {
                    "id": session_id,
                    "municipality": session.municipality,
                    "reference": session.reference,
                    "kind": session.kind,
                    "held_at": session.held_at,
                    "place": dumped.get("place"),
                    "public_may_attend": session.public_may_attend,
                    "committee": session.committee,
                    "agenda": dumped["agenda"],
                    "agenda_published_at": session.agenda_published_at or now,
                    "agenda_declared": session.agenda_published_at is not None,
                    "version": 1,
                    "client_id": client_id,
                    "published_at": now,
                    "updated_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"session {session.municipality}/{session.reference}") from exc
        added = self.session(session_id)
        assert added is not None
        return added

    def change_session(
        self,
        current: SessionRecord,
        session: AssemblySession,
        *,
        reason: Mapping[str, str],
        client_id: str,
        now: datetime,
    ) -> SessionRecord:
        """A new version of a session's agenda; the old text goes to the history."""
        dumped = session.model_dump(mode="json", exclude_none=True)
        self._history(
            "session", current.id, current.version, current.session, reason, current.client_id, now
        )
        self._conn.execute(
            update(assembly_sessions)
            .where(assembly_sessions.c.id == current.id)
            .values(
                kind=session.kind,
                held_at=session.held_at,
                place=dumped.get("place"),
                public_may_attend=session.public_may_attend,
                committee=session.committee,
                agenda=dumped["agenda"],
                agenda_published_at=session.agenda_published_at or now,
                agenda_declared=session.agenda_published_at is not None,
                version=current.version + 1,
                client_id=client_id,
                updated_at=now,
            )
        )
        changed = self.session(current.id)
        assert changed is not None
        return changed

    def session(self, session_id: str, *, for_update: bool = False) -> SessionRecord | None:
        row = first_row(
            self._conn,
            assembly_sessions,
            assembly_sessions.c.id == session_id,
            for_update=for_update,
        )
        return _session(row) if row else None

    def session_by_reference(self, municipality: str, reference: str) -> SessionRecord | None:
        row = first_row(
            self._conn,
            assembly_sessions,
            assembly_sessions.c.municipality == municipality,
            assembly_sessions.c.reference == reference,
        )
        return _session(row) if row else None

    def sessions(self) -> list[SessionRecord]:
        rows = self._conn.execute(select(assembly_sessions)).mappings()
        return [_session(row) for row in rows]

    def approve_minutes(
        self, session_id: str, minutes: SessionMinutes, *, now: datetime
    ) -> SessionRecord:
        self._conn.execute(
            update(assembly_sessions)
            .where(assembly_sessions.c.id == session_id)
            .values(
                minutes=minutes.model_dump(mode="json", exclude_none=True),
                minutes_published_at=now,
                updated_at=now,
            )
        )
        changed = self.session(session_id)
        assert changed is not None
        return changed

    # ---- votes --------------------------------------------------------------------------------

    def add_vote(
        self,
        vote_id: str,
        session: SessionRecord,
        item_number: int,
        version: int,
        vote: ItemVote,
        *,
        client_id: str,
        now: datetime,
    ) -> VoteRecord:
        dumped = vote.model_dump(mode="json", exclude_none=True)
        try:
            self._conn.execute(
                insert(assembly_votes),
                {
                    "id": vote_id,
                    "session_id": session.id,
                    "item_number": item_number,
                    "version": version,
                    "municipality": session.municipality,
                    "outcome": vote.outcome,
                    "votes": dumped["votes"],
                    "act_id": dumped.get("act_id"),
                    "decision": dumped.get("decision"),
                    "reason": dumped.get("reason"),
                    "client_id": client_id,
                    "recorded_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"vote {session.id}/{item_number}/{version}") from exc
        self._conn.execute(
            update(assembly_sessions)
            .where(assembly_sessions.c.id == session.id)
            .values(updated_at=now)
        )
        return VoteRecord(
            vote_id, session.id, item_number, version, session.municipality, vote, now
        )

    def item_votes(self, session_id: str, item_number: int | None = None) -> list[VoteRecord]:
        """Every version of the votes of a session (or of one item), oldest first."""
        query = select(assembly_votes).where(assembly_votes.c.session_id == session_id)
        if item_number is not None:
            query = query.where(assembly_votes.c.item_number == item_number)
        rows = self._conn.execute(
            query.order_by(assembly_votes.c.item_number, assembly_votes.c.version)
        ).mappings()
        return [_vote(row) for row in rows]

    def all_votes(self) -> list[VoteRecord]:
        rows = self._conn.execute(
            select(assembly_votes).order_by(
                assembly_votes.c.session_id, assembly_votes.c.item_number, assembly_votes.c.version
            )
        ).mappings()
        return [_vote(row) for row in rows]

    # ---- the executive ------------------------------------------------------------------------

    def add_decision(
        self, decision_id: str, decision: MayorDecision, *, client_id: str, now: datetime
    ) -> DecisionRecord:
        dumped = decision.model_dump(mode="json", exclude_none=True)
        try:
            self._conn.execute(
                insert(mayor_decisions),
                {
                    "id": decision_id,
                    "municipality": decision.municipality,
                    "number": decision.number,
                    "title": dumped["title"],
                    "decided_on": decision.decided_on,
                    "act_id": dumped.get("act_id"),
                    "documents": dumped["documents"],
                    "client_id": client_id,
                    "published_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"decision {decision.municipality}/{decision.number}") from exc
        return DecisionRecord(decision_id, decision, now)

    def decision_by_number(self, municipality: str, number: str) -> DecisionRecord | None:
        row = first_row(
            self._conn,
            mayor_decisions,
            mayor_decisions.c.municipality == municipality,
            mayor_decisions.c.number == number,
        )
        return _decision(row) if row else None

    def decisions(self) -> list[DecisionRecord]:
        return [_decision(row) for row in self._conn.execute(select(mayor_decisions)).mappings()]

    def add_meeting(
        self, meeting_id: str, meeting: MayorMeeting, *, client_id: str, now: datetime
    ) -> MeetingRecord:
        dumped = meeting.model_dump(mode="json", exclude_none=True)
        try:
            self._conn.execute(
                insert(mayor_meetings),
                {
                    "id": meeting_id,
                    "municipality": meeting.municipality,
                    "reference": meeting.reference,
                    "held_at": meeting.held_at,
                    "place": dumped["place"],
                    "topics": dumped["topics"],
                    "client_id": client_id,
                    "published_at": now,
                    "updated_at": now,
                },
            )
        except IntegrityError as exc:
            raise StoreConflict(f"meeting {meeting.municipality}/{meeting.reference}") from exc
        added = self.meeting(meeting_id)
        assert added is not None
        return added

    def meeting(self, meeting_id: str, *, for_update: bool = False) -> MeetingRecord | None:
        row = first_row(
            self._conn, mayor_meetings, mayor_meetings.c.id == meeting_id, for_update=for_update
        )
        return _meeting(row) if row else None

    def meeting_by_reference(self, municipality: str, reference: str) -> MeetingRecord | None:
        row = first_row(
            self._conn,
            mayor_meetings,
            mayor_meetings.c.municipality == municipality,
            mayor_meetings.c.reference == reference,
        )
        return _meeting(row) if row else None

    def report_meeting(
        self, meeting_id: str, report: MeetingReport, *, now: datetime
    ) -> MeetingRecord:
        self._conn.execute(
            update(mayor_meetings)
            .where(mayor_meetings.c.id == meeting_id)
            .values(
                report=report.model_dump(mode="json", exclude_none=True),
                reported_at=now,
                updated_at=now,
            )
        )
        changed = self.meeting(meeting_id)
        assert changed is not None
        return changed

    def meetings(self) -> list[MeetingRecord]:
        return [_meeting(row) for row in self._conn.execute(select(mayor_meetings)).mappings()]

    # ---- history and the feeds' version -------------------------------------------------------

    def _history(
        self,
        entity: str,
        entity_id: str,
        version: int,
        body: Any,
        reason: Mapping[str, str] | None,
        client_id: str,
        now: datetime,
    ) -> None:
        self._conn.execute(
            insert(assembly_history),
            {
                "municipality": body.municipality,
                "entity": entity,
                "entity_id": entity_id,
                "version": version,
                "body": body.model_dump(mode="json", exclude_none=True),
                "reason": dict(reason) if reason else None,
                "client_id": client_id,
                "recorded_at": now,
            },
        )

    def history(self, entity: str, entity_id: str) -> list[HistoryEntry]:
        rows = self._conn.execute(
            select(assembly_history)
            .where(assembly_history.c.entity == entity, assembly_history.c.entity_id == entity_id)
            .order_by(assembly_history.c.seq)
        ).mappings()
        return [
            HistoryEntry(
                row["entity"],
                row["entity_id"],
                row["version"],
                row["body"],
                row["reason"],
                row["recorded_at"],
            )
            for row in rows
        ]

    def version(self, now: datetime) -> str:
        """Changes whenever anything of the assembly or the executive is published, and
        whenever one of the mayor's meetings has been held (the rows say so)."""
        # One statement, not one per table: the feeds read this on every request.
        columns: list[Any] = [
            select(func.count()).where(mayor_meetings.c.held_at <= now).scalar_subquery()
        ]
        for moment in (
            assembly_members.c.updated_at,
            assembly_sessions.c.updated_at,
            assembly_votes.c.recorded_at,
            mayor_decisions.c.published_at,
            mayor_meetings.c.updated_at,
        ):
            columns.append(select(func.count()).select_from(moment.table).scalar_subquery())
            columns.append(select(func.max(moment)).scalar_subquery())
        held, *counted = self._conn.execute(select(*columns)).one()
        pairs = zip(counted[::2], counted[1::2], strict=True)
        return "|".join([str(held), *(f"{count}:{latest}" for count, latest in pairs)])


def office_on(record: MemberRecord, day: date) -> bool:
    return record.member.serves_on(day)
