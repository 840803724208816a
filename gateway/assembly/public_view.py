"""The assembly and the executive as their municipality and the public read them.

``*_view`` functions give one thing in full (all its languages) for the municipality's own API;
``*_rows`` give the rows of the open feeds in the language asked for, each in a stable order
for cursor pagination. Votes are read as Popolo has them: an agenda item is a *Motion*, the
vote on it a *VoteEvent* with one *Vote* per member and a *Count* per option; the assembly is
an *Organization*, each member a *Person* with a *Membership* (``contracts/popolo/``).

Attendance is read from the votes: a member attended a session when present (any option but
``absent``) at one of its votes at least; a session without a recorded vote is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contracts.assembly import (
    POPOLO_OPTIONS,
    VOTE_OPTIONS,
    AgendaItem,
    popolo_membership,
    popolo_organization,
    popolo_organization_id,
    popolo_person,
)
from contracts.catalogue import Catalogue, DisplayLanguage
from gateway.assembly import rules
from gateway.kosovo_days import kosovo_date
from gateway.open import labels
from gateway.open.query import FeedQuery
from gateway.open.views import (
    FeedRows,
    in_language,
    municipality_fields,
    register_moment,
    register_rows,
    register_selection,
)
from gateway.store.assembly import (
    DecisionRecord,
    MeetingRecord,
    MemberRecord,
    SessionRecord,
    VoteRecord,
)

if TYPE_CHECKING:
    from gateway.assembly.desk import AssemblyData

SESSION_KINDS: labels.Labels = {
    "regular": ("E rregullt", "Redovna", "Regular"),
    "extraordinary": ("E jashtëzakonshme", "Vanredna", "Extraordinary"),
    "committee": ("E komitetit", "Sednica odbora", "Committee"),
}
OUTCOMES: labels.Labels = {
    "adopted": ("E miratuar", "Usvojeno", "Adopted"),
    "rejected": ("E refuzuar", "Odbijeno", "Rejected"),
    "pending": ("Ende pa votuar", "Još nije glasano", "Not voted yet"),
}
OPTIONS: labels.Labels = {
    "for": ("Për", "Za", "For"),
    "against": ("Kundër", "Protiv", "Against"),
    "abstained": ("Abstenim", "Uzdržan", "Abstained"),
    "absent": ("Mungon", "Odsutan", "Absent"),
}
ROLES: labels.Labels = {
    "member": ("Anëtar i kuvendit", "Član skupštine", "Member of the assembly"),
    "mayor": ("Kryetar i komunës", "Predsednik opštine", "Mayor"),
}
LEVELS: labels.Labels = {
    "member": ("Për anëtar", "Po članu", "Per member"),
    "mandate": ("Për mandat", "Po mandatu", "Per mandate"),
}
REVIEW_OUTCOMES: labels.Labels = {
    **labels.ACT_STATES,
    "not_submitted": (
        "Nuk është dërguar për shqyrtim",
        "Nije poslat na proveru",
        "Not sent for legality review",
    ),
}

MEMBER_COLUMNS = (
    "municipality",
    "municipality_name",
    "member_id",
    "name",
    "party",
    "committees",
    "role",
    "role_name",
    "mandate",
    "office_from",
    "office_until",
    "in_office",
)
SESSION_COLUMNS = (
    "municipality",
    "municipality_name",
    "session_id",
    "reference",
    "kind",
    "kind_name",
    "committee",
    "held_at",
    "place",
    "public_may_attend",
    "agenda_published_at",
    "agenda_date_declared",
    "notice_days",
    "version",
    "members_serving",
    "members_present",
    "item_number",
    "item_title",
    "majority",
    "requirement",
    "documents",
    "outcome",
    "outcome_name",
    "minutes_approved_on",
    "minutes_documents",
)
VOTE_COLUMNS = (
    "municipality",
    "municipality_name",
    "vote_event_id",
    "session_id",
    "session_reference",
    "held_at",
    "item_number",
    "motion_text",
    "majority",
    "requirement",
    "result",
    "result_name",
    "version",
    "current",
    "correction_reason",
    "members",
    "present",
    "quorum",
    "count_for",
    "count_against",
    "count_abstained",
    "count_absent",
    "act_id",
    "recorded_at",
)
MEMBER_VOTE_COLUMNS = (
    "municipality",
    "municipality_name",
    "vote_event_id",
    "session_id",
    "held_at",
    "item_number",
    "item_title",
    "member_id",
    "name",
    "party",
    "option",
    "option_name",
    "popolo_option",
    "version",
)
ATTENDANCE_COLUMNS = (
    "municipality",
    "municipality_name",
    "mandate",
    "level",
    "level_name",
    "member_id",
    "name",
    "party",
    "sessions",
    "attended",
    "attendance_rate",
)
DECISION_COLUMNS = (
    "municipality",
    "municipality_name",
    "issuer",
    "issuer_name",
    "decision_id",
    "number",
    "title",
    "decided_on",
    "session_id",
    "item_number",
    "act_id",
    "act_number",
    "legality_review",
    "legality_review_name",
    "documents",
)
MEETING_COLUMNS = (
    "municipality",
    "municipality_name",
    "year",
    "meetings_held",
    "meetings_reported",
    "meetings_planned",
    "meetings_required",
    "requirement_met",
    "meeting_dates",
)


def vote_event_id(session_id: str, item_number: int) -> str:
    return f"{session_id}-{item_number}"


def current_votes(votes: Iterable[VoteRecord]) -> dict[tuple[str, int], VoteRecord]:
    """The latest version of each item's vote."""
    latest: dict[tuple[str, int], VoteRecord] = {}
    for vote in votes:
        key = (vote.session_id, vote.item_number)
        if key not in latest or latest[key].version < vote.version:
            latest[key] = vote
    return latest


def presence(votes: Iterable[VoteRecord]) -> dict[str, dict[str, bool]]:
    """Per session, every member named in its votes and whether they were present (any
    option but ``absent``) at one of them at least."""
    by_session: dict[str, dict[str, bool]] = defaultdict(dict)
    for vote in votes:
        seen = by_session[vote.session_id]
        for cast in vote.vote.votes:
            seen[cast.member_id] = seen.get(cast.member_id, False) or cast.option != "absent"
    return by_session


# ---- the municipality's own views -----------------------------------------------------------


def member_view(record: MemberRecord) -> dict[str, Any]:
    member = record.member
    return {
        **member.model_dump(mode="json"),
        "version": record.version,
        "published_at": register_moment(record.published_at),
        "updated_at": register_moment(record.updated_at),
    }


def _vote_view(vote: VoteRecord, serving: int) -> dict[str, Any]:
    counts = vote.vote.counts()
    tally = rules.Tally(serving or len(vote.vote.votes), counts)
    return {
        "vote_id": vote.id,
        "item_number": vote.item_number,
        "version": vote.version,
        **vote.vote.model_dump(mode="json", exclude_none=True),
        "counts": dict(counts),
        "present": tally.present,
        "recorded_at": register_moment(vote.recorded_at),
    }


def session_view(
    record: SessionRecord, votes: Sequence[VoteRecord], serving: Sequence[str]
) -> dict[str, Any]:
    """A session with its agenda and, per item, every version of its vote (oldest first)."""
    by_item: dict[int, list[VoteRecord]] = defaultdict(list)
    for vote in votes:
        by_item[vote.item_number].append(vote)
    items = []
    for item in record.session.agenda:
        versions = by_item.get(item.number, [])
        items.append(
            {
                **item.model_dump(mode="json", exclude_none=True),
                "outcome": versions[-1].vote.outcome if versions else "pending",
                "votes": [_vote_view(v, len(serving)) for v in versions],
            }
        )
    return {
        "session_id": record.id,
        **record.session.model_dump(
            mode="json", exclude={"agenda", "agenda_published_at"}, exclude_none=True
        ),
        "version": record.version,
        "agenda": items,
        "agenda_published_at": register_moment(record.agenda_published_at),
        "agenda_date_declared": record.agenda_declared,
        "notice_days": rules.notice_days(record.agenda_published_at, record.session.held_at),
        "minutes": record.minutes.model_dump(mode="json", exclude_none=True)
        if record.minutes
        else None,
        "status_url": f"/v1/assemblies/{record.municipality}/sessions/{record.id}",
    }


def decision_view(record: DecisionRecord) -> dict[str, Any]:
    return {
        "decision_id": record.id,
        **record.decision.model_dump(mode="json", exclude_none=True),
        "published_at": register_moment(record.published_at),
    }


def meeting_view(record: MeetingRecord, now: datetime) -> dict[str, Any]:
    return {
        "meeting_id": record.id,
        **record.meeting.model_dump(mode="json", exclude_none=True),
        "held": record.meeting.held_at <= now,
        "report": record.report.model_dump(mode="json", exclude_none=True)
        if record.report
        else None,
        "reported_at": register_moment(record.reported_at),
        "status_url": f"/v1/assemblies/{record.meeting.municipality}/mayor/meetings/{record.id}",
    }


# ---- the open feeds -------------------------------------------------------------------------


def _assembly_name(catalogue: Catalogue, municipality: str, language: DisplayLanguage) -> str:
    name = municipality_fields(catalogue, municipality, language)["municipality_name"]
    return f"{labels.label(ASSEMBLY_WORD, 'assembly', language)} {name}"


ASSEMBLY_WORD: labels.Labels = {
    "assembly": ("Kuvendi Komunal", "Skupština opštine", "Municipal Assembly")
}


def member_rows(
    data: AssemblyData, catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    result = FeedRows()
    role, mandate = query.filter("role"), query.extra.get("mandate")
    language = query.language
    for record in data.members:
        member = record.member
        if query.municipality and member.municipality != query.municipality:
            continue
        if (role and member.role != role) or (mandate and member.mandate != mandate):
            continue
        organization = popolo_organization(
            member.municipality, _assembly_name(catalogue, member.municipality, language)
        )
        row = {
            **municipality_fields(catalogue, member.municipality, language),
            "member_id": member.member_id,
            "name": member.name,
            "party": member.party,
            "committees": list(member.committees),
            "role": member.role,
            "role_name": labels.label(ROLES, member.role, language),
            "mandate": member.mandate,
            "office_from": member.office_from.isoformat(),
            "office_until": member.office_until.isoformat() if member.office_until else None,
            "in_office": member.serves_on(kosovo_date(now)),
            "popolo": {
                "person": popolo_person(member.member_id, member.name),
                "membership": popolo_membership(member, organization["id"]),
                "organization": organization,
            },
        }
        result.add((member.municipality, member.mandate, member.member_id), row)
    return register_rows(result, (record.updated_at for record in data.members))


def _motion(record: SessionRecord, item: AgendaItem, language: DisplayLanguage) -> dict[str, Any]:
    return {
        "id": vote_event_id(record.id, item.number),
        "organization_id": popolo_organization_id(record.municipality),
        "legislative_session_id": record.id,
        "text": in_language(item.title.model_dump(exclude_none=True), language),
        "date": register_moment(record.session.held_at),
        "requirement": rules.requirement(item.majority),
    }


def session_rows(data: AssemblyData, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    result = FeedRows(year=query.year)
    kind, outcome = query.filter("kind"), query.filter("outcome")
    language = query.language
    latest = current_votes(data.votes)
    selected = register_selection(
        data.sessions,
        query,
        municipality_of=lambda record: record.municipality,
        year_of=lambda record: kosovo_date(record.session.held_at).year,
    )
    present_at = presence(latest.values())
    for record in selected:
        session = record.session
        if kind and session.kind != kind:
            continue
        seen = present_at.get(record.id)
        serving = len(seen) if seen is not None else None
        present = sum(seen.values()) if seen is not None else None
        for item in session.agenda:
            vote = latest.get((record.id, item.number))
            item_outcome = vote.vote.outcome if vote else "pending"
            if outcome and item_outcome != outcome:
                continue
            minutes = record.minutes
            row = {
                **municipality_fields(catalogue, record.municipality, language),
                "session_id": record.id,
                "reference": session.reference,
                "kind": session.kind,
                "kind_name": labels.label(SESSION_KINDS, session.kind, language),
                "committee": session.committee,
                "held_at": register_moment(session.held_at),
                "place": in_language(
                    session.place.model_dump(exclude_none=True) if session.place else None,
                    language,
                ),
                "public_may_attend": session.public_may_attend,
                "agenda_published_at": register_moment(record.agenda_published_at),
                "agenda_date_declared": record.agenda_declared,
                "notice_days": rules.notice_days(record.agenda_published_at, session.held_at),
                "version": record.version,
                "members_serving": serving,
                "members_present": present,
                "item_number": item.number,
                "item_title": in_language(item.title.model_dump(exclude_none=True), language),
                "majority": item.majority,
                "requirement": rules.requirement(item.majority),
                "documents": [d.model_dump(mode="json", exclude_none=True) for d in item.documents],
                "outcome": item_outcome,
                "outcome_name": labels.label(OUTCOMES, item_outcome, language),
                "minutes_approved_on": minutes.approved_on.isoformat() if minutes else None,
                "minutes_documents": [
                    d.model_dump(mode="json", exclude_none=True) for d in minutes.documents
                ]
                if minutes
                else [],
                "popolo_motion": _motion(record, item, language),
            }
            key = (session.held_at.isoformat(), record.municipality, session.reference, item.number)
            result.add(key, row)
    return register_rows(result, (record.updated_at for record in selected))


def _members_by_id(data: AssemblyData) -> dict[str, MemberRecord]:
    return {record.member_id: record for record in data.members}


def vote_rows(data: AssemblyData, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    """One row per vote event (its current version; every version with ``versions=all``)."""
    result = FeedRows(year=query.year)
    result_filter = query.filter("result")
    every_version = query.filter("versions") == "all"
    language = query.language
    sessions = {record.id: record for record in data.sessions}
    members = _members_by_id(data)
    latest = current_votes(data.votes)
    chosen = [
        vote
        for vote in data.votes
        if every_version or latest[(vote.session_id, vote.item_number)] is vote
    ]
    selected = register_selection(
        chosen,
        query,
        municipality_of=lambda vote: vote.municipality,
        year_of=lambda vote: kosovo_date(sessions[vote.session_id].session.held_at).year,
    )
    for vote in selected:
        if result_filter and vote.vote.outcome != result_filter:
            continue
        record = sessions[vote.session_id]
        item = next(i for i in record.session.agenda if i.number == vote.item_number)
        counts = vote.vote.counts()
        tally = rules.Tally(len(vote.vote.votes), counts)
        event_id = vote_event_id(record.id, item.number)
        popolo_votes = []
        for cast in vote.vote.votes:
            member = members.get(cast.member_id)
            popolo_votes.append(
                {
                    "vote_event_id": event_id,
                    "voter_id": cast.member_id,
                    "option": POPOLO_OPTIONS[cast.option],
                    "party_id": member.member.party if member else None,
                }
            )
        reason = vote.vote.reason.model_dump(exclude_none=True) if vote.vote.reason else None
        row = {
            **municipality_fields(catalogue, record.municipality, language),
            "vote_event_id": event_id,
            "session_id": record.id,
            "session_reference": record.session.reference,
            "held_at": register_moment(record.session.held_at),
            "item_number": item.number,
            "motion_text": in_language(item.title.model_dump(exclude_none=True), language),
            "majority": item.majority,
            "requirement": rules.requirement(item.majority),
            "result": vote.vote.outcome,
            "result_name": labels.label(OUTCOMES, vote.vote.outcome, language),
            "version": vote.version,
            "current": latest[(vote.session_id, vote.item_number)] is vote,
            "correction_reason": in_language(reason, language),
            "members": tally.serving,
            "present": tally.present,
            "quorum": tally.quorum,
            **{f"count_{option}": counts[option] for option in VOTE_OPTIONS},
            "act_id": str(vote.vote.act_id) if vote.vote.act_id else None,
            "recorded_at": register_moment(vote.recorded_at),
            "popolo": {
                "vote_event": {
                    "id": event_id,
                    "organization_id": popolo_organization_id(record.municipality),
                    "legislative_session_id": record.id,
                    "motion_id": event_id,
                    "identifier": f"{record.session.reference}/{item.number}",
                    "classification": record.session.kind,
                    "start_date": register_moment(record.session.held_at),
                    "result": "pass" if vote.vote.outcome == "adopted" else "fail",
                    "counts": [
                        {"option": POPOLO_OPTIONS[option], "value": counts[option]}
                        for option in VOTE_OPTIONS
                    ],
                    "votes": popolo_votes,
                    "created_at": register_moment(vote.recorded_at),
                }
            },
        }
        key = (record.session.held_at.isoformat(), record.municipality, item.number, vote.version)
        result.add(key, row)
    return register_rows(result, (vote.recorded_at for vote in selected))


def member_vote_rows(data: AssemblyData, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    """One row per member per vote event (the current version)."""
    result = FeedRows(year=query.year)
    option_filter = query.filter("option")
    member_filter = query.extra.get("member")
    language = query.language
    sessions = {record.id: record for record in data.sessions}
    members = _members_by_id(data)
    latest = list(current_votes(data.votes).values())
    selected = register_selection(
        latest,
        query,
        municipality_of=lambda vote: vote.municipality,
        year_of=lambda vote: kosovo_date(sessions[vote.session_id].session.held_at).year,
    )
    for vote in selected:
        record = sessions[vote.session_id]
        item = next(i for i in record.session.agenda if i.number == vote.item_number)
        for cast in vote.vote.votes:
            if option_filter and cast.option != option_filter:
                continue
            if member_filter and cast.member_id != member_filter:
                continue
            member = members.get(cast.member_id)
            row = {
                **municipality_fields(catalogue, record.municipality, language),
                "vote_event_id": vote_event_id(record.id, item.number),
                "session_id": record.id,
                "held_at": register_moment(record.session.held_at),
                "item_number": item.number,
                "item_title": in_language(item.title.model_dump(exclude_none=True), language),
                "member_id": cast.member_id,
                "name": member.member.name if member else None,
                "party": member.member.party if member else None,
                "option": cast.option,
                "option_name": labels.label(OPTIONS, cast.option, language),
                "popolo_option": POPOLO_OPTIONS[cast.option],
                "version": vote.version,
            }
            key = (
                record.session.held_at.isoformat(),
                record.municipality,
                item.number,
                cast.member_id,
            )
            result.add(key, row)
    return register_rows(result, (vote.recorded_at for vote in selected))


def attendance_rows(data: AssemblyData, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    """Attendance rate per member and per mandate, over the sessions with a recorded vote."""
    result = FeedRows()
    level, mandate_filter = query.filter("level"), query.extra.get("mandate")
    language = query.language
    members = _members_by_id(data)
    per_member: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for seen in presence(current_votes(data.votes).values()).values():
        for member_id, was_there in seen.items():
            per_member[member_id][0] += 1
            per_member[member_id][1] += int(was_there)
    per_mandate: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for member_id, (sessions, attended_count) in sorted(per_member.items()):
        record = members.get(member_id)
        if record is None:
            continue
        member = record.member
        if query.municipality and member.municipality != query.municipality:
            continue
        if mandate_filter and member.mandate != mandate_filter:
            continue
        totals = per_mandate[(member.municipality, member.mandate)]
        totals[0] += sessions
        totals[1] += attended_count
        if level in (None, "member"):
            row = {
                **municipality_fields(catalogue, member.municipality, language),
                "mandate": member.mandate,
                "level": "member",
                "level_name": labels.label(LEVELS, "member", language),
                "member_id": member_id,
                "name": member.name,
                "party": member.party,
                "sessions": sessions,
                "attended": attended_count,
                "attendance_rate": round(attended_count / sessions, 4) if sessions else None,
            }
            result.add((member.municipality, member.mandate, 1, member_id), row)
    if level in (None, "mandate"):
        for (municipality, mandate), (sessions, attended) in per_mandate.items():
            row = {
                **municipality_fields(catalogue, municipality, language),
                "mandate": mandate,
                "level": "mandate",
                "level_name": labels.label(LEVELS, "mandate", language),
                "member_id": None,
                "name": None,
                "party": None,
                "sessions": sessions,
                "attended": attended,
                "attendance_rate": round(attended / sessions, 4) if sessions else None,
            }
            result.add((municipality, mandate, 0, ""), row)
    return register_rows(result, (vote.recorded_at for vote in data.votes))


def decision_rows(data: AssemblyData, catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    """The assembly's adopted decisions and the mayor's, with their legality review's state."""
    result = FeedRows(year=query.year)
    issuer_filter, review_filter = query.filter("issuer"), query.filter("legality_review")
    language = query.language
    sessions = {record.id: record for record in data.sessions}
    entries: list[dict[str, Any]] = []
    for vote in current_votes(data.votes).values():
        if vote.vote.outcome != "adopted" or (
            vote.vote.act_id is None and vote.vote.decision is None
        ):
            continue
        record = sessions[vote.session_id]
        item = next(i for i in record.session.agenda if i.number == vote.item_number)
        title = vote.vote.decision or item.title
        entries.append(
            {
                "municipality": record.municipality,
                "issuer": "assembly",
                "decision_id": vote_event_id(record.id, item.number),
                "number": f"{record.session.reference}/{item.number}",
                "title": title.model_dump(exclude_none=True),
                "decided_on": kosovo_date(record.session.held_at),
                "session_id": record.id,
                "item_number": item.number,
                "act_id": str(vote.vote.act_id) if vote.vote.act_id else None,
                "documents": [d.model_dump(mode="json", exclude_none=True) for d in item.documents],
                "changed": vote.recorded_at,
            }
        )
    for decision in data.decisions:
        body = decision.decision
        entries.append(
            {
                "municipality": body.municipality,
                "issuer": "mayor",
                "decision_id": decision.id,
                "number": body.number,
                "title": body.title.model_dump(exclude_none=True),
                "decided_on": body.decided_on,
                "session_id": None,
                "item_number": None,
                "act_id": str(body.act_id) if body.act_id else None,
                "documents": [d.model_dump(mode="json", exclude_none=True) for d in body.documents],
                "changed": decision.published_at,
            }
        )
    selected = register_selection(
        entries,
        query,
        municipality_of=lambda entry: str(entry["municipality"]),
        year_of=lambda entry: int(entry["decided_on"].year),
    )
    for entry in selected:
        act = data.acts.get(entry["act_id"]) if entry["act_id"] else None
        review = act.review_state.value if act else "not_submitted"
        if issuer_filter and entry["issuer"] != issuer_filter:
            continue
        if review_filter and review != review_filter:
            continue
        row = {
            **municipality_fields(catalogue, entry["municipality"], language),
            "issuer": entry["issuer"],
            "issuer_name": labels.label(labels.ACT_ISSUERS, entry["issuer"], language),
            "decision_id": entry["decision_id"],
            "number": entry["number"],
            "title": in_language(entry["title"], language),
            "decided_on": entry["decided_on"].isoformat(),
            "session_id": entry["session_id"],
            "item_number": entry["item_number"],
            "act_id": entry["act_id"],
            "act_number": act.number if act else None,
            "legality_review": review,
            "legality_review_name": labels.label(REVIEW_OUTCOMES, review, language),
            "documents": entry["documents"],
        }
        key = (
            entry["decided_on"].isoformat(),
            entry["municipality"],
            entry["issuer"],
            entry["number"],
        )
        result.add(key, row)
    return register_rows(result, (entry["changed"] for entry in selected))


def meeting_rows(
    data: AssemblyData, catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    """Per municipality and year: the mayor's public meetings held against the two the law
    asks. A municipality that published its assembly but no meeting shows zero."""
    result = FeedRows(year=query.year)
    language = query.language
    by_key: dict[tuple[str, int], list[MeetingRecord]] = defaultdict(list)
    for meeting in data.meetings:
        by_key[(meeting.meeting.municipality, kosovo_date(meeting.meeting.held_at).year)].append(
            meeting
        )
    for record in data.members:
        by_key.setdefault((record.municipality, kosovo_date(now).year), [])
    selected = register_selection(
        sorted(by_key.items()),
        query,
        municipality_of=lambda entry: entry[0][0],
        year_of=lambda entry: entry[0][1],
    )
    for (municipality, year), meetings in selected:
        held = [m for m in meetings if m.meeting.held_at <= now]
        row = {
            **municipality_fields(catalogue, municipality, language),
            "year": year,
            "meetings_held": len(held),
            "meetings_reported": sum(m.report is not None for m in held),
            "meetings_planned": len(meetings) - len(held),
            "meetings_required": rules.MEETINGS_A_YEAR,
            "requirement_met": len(held) >= rules.MEETINGS_A_YEAR,
            "meeting_dates": sorted(kosovo_date(m.meeting.held_at).isoformat() for m in meetings),
            "meetings": [
                {
                    "meeting_id": m.id,
                    "reference": m.meeting.reference,
                    "held_at": register_moment(m.meeting.held_at),
                    "held": m.meeting.held_at <= now,
                    "place": in_language(m.meeting.place.model_dump(exclude_none=True), language),
                    "topics": [
                        in_language(t.model_dump(exclude_none=True), language)
                        for t in m.meeting.topics
                    ],
                    "report": in_language(m.report.summary.model_dump(exclude_none=True), language)
                    if m.report
                    else None,
                    "attendees": m.report.attendees if m.report else None,
                    "reported_at": register_moment(m.reported_at),
                }
                for m in sorted(meetings, key=lambda m: m.meeting.held_at)
            ],
        }
        result.add((year, municipality), row)
    return register_rows(result, (m.updated_at for m in data.meetings))
