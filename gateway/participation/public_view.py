"""The open-data rows of citizens' participation: questions, their statistics, petitions.

``question_rows`` are ``/v1/open/questions``: each question with its recipient, its deadline,
where it stands (open, answered, overdue) and its answer; never who asked.
``statistics_rows`` are ``/v1/open/question-statistics``: per municipality and per member
(``level``), the questions asked, answered, answered late, open and overdue, and the median
days to answer. ``petition_rows`` are ``/v1/open/petitions``: each petition with its
signatures against its threshold; never who signed. Rows come in the language asked for, in a
stable order for cursor pagination.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from contracts.catalogue import Catalogue
from gateway.kosovo_days import kosovo_date
from gateway.open.labels import Labels, label
from gateway.open.query import FeedQuery
from gateway.open.views import (
    FeedRows,
    municipality_fields,
    register_moment,
    register_rows,
    register_selection,
)
from gateway.participation.petitions import THRESHOLD_PERCENT
from gateway.store.participation import CountedPetition, QuestionRecord

QUESTION_STATES: Labels = {
    "open": ("Në pritje të përgjigjes", "Čeka odgovor", "Awaiting an answer"),
    "answered": ("E përgjigjur", "Odgovoreno", "Answered"),
    "overdue": (
        "Pa përgjigje pas afatit",
        "Bez odgovora posle roka",
        "Unanswered past its deadline",
    ),
}
RECIPIENT_ROLES: Labels = {
    "member": ("Anëtar i Kuvendit Komunal", "Član Skupštine opštine", "Member of the assembly"),
    "mayor": ("Kryetar i komunës", "Predsednik opštine", "Mayor"),
}
STATISTIC_LEVELS: Labels = {
    "municipality": ("Komuna", "Opština", "Municipality"),
    "member": ("Marrësi", "Primalac", "Recipient"),
}
PETITION_KINDS: Labels = {
    "regulation_referendum": (
        "Peticion kundër rregullores",
        "Peticija protiv propisa",
        "Petition against a regulation",
    ),
    "initiative": ("Iniciativë qytetare", "Građanska inicijativa", "Citizens' initiative"),
}
PETITION_STATES: Labels = {
    "collecting": ("Mbledh nënshkrime", "Prikuplja potpise", "Collecting signatures"),
    "under_consideration": (
        "Në shqyrtim në Kuvend",
        "U razmatranju u Skupštini",
        "Under the assembly's consideration",
    ),
    "needs_information": ("Kërkohen informata", "Potrebne informacije", "Information requested"),
    "decided_adopted": ("Vendosur: pranuar", "Odlučeno: usvojeno", "Decided: adopted"),
    "decided_refused": ("Vendosur: refuzuar", "Odlučeno: odbijeno", "Decided: refused"),
    "closed": ("E mbyllur", "Zatvorena", "Closed"),
}
SIGNING_STATES: Labels = {
    "open": ("Nënshkrimi i hapur", "Potpisivanje otvoreno", "Open for signatures"),
    "closed": ("Nënshkrimi i mbyllur", "Potpisivanje zatvoreno", "Signing closed"),
}

QUESTION_COLUMNS = (
    "municipality",
    "municipality_name",
    "question_id",
    "recipient_id",
    "recipient_name",
    "recipient_role",
    "recipient_role_name",
    "recipient_party",
    "subject",
    "text",
    "language",
    "asked_at",
    "answer_due",
    "state",
    "state_name",
    "answered_at",
    "answered_late",
    "days_to_answer",
    "answered_by",
    "answer",
)
STATISTICS_COLUMNS = (
    "level",
    "level_name",
    "municipality",
    "municipality_name",
    "recipient_id",
    "recipient_name",
    "recipient_role",
    "asked",
    "answered",
    "answered_late",
    "open",
    "overdue",
    "median_days_to_answer",
)
PETITION_COLUMNS = (
    "municipality",
    "municipality_name",
    "petition_id",
    "kind",
    "kind_name",
    "title",
    "summary",
    "language",
    "regulation_number",
    "regulation_adopted_on",
    "opened_at",
    "signatures_until",
    "signing",
    "signing_name",
    "signatures",
    "threshold",
    "threshold_percent",
    "registered_voters",
    "voters_source",
    "share_of_voters_percent",
    "threshold_reached",
    "status",
    "status_name",
    "status_changed_at",
    "decision_due",
)


def _answered_late(record: QuestionRecord) -> bool | None:
    if record.answered_at is None:
        return None
    return record.answered_at > record.answer_due


def _selected_questions(
    questions: Sequence[QuestionRecord], query: FeedQuery
) -> list[QuestionRecord]:
    selected = register_selection(
        questions,
        query,
        municipality_of=lambda record: record.municipality,
        year_of=lambda record: kosovo_date(record.asked_at).year,
    )
    role, member = query.filter("recipient_role"), query.extra.get("member")
    return [
        record
        for record in selected
        if (not role or record.recipient_role == role)
        and (not member or record.recipient_id == member)
    ]


def question_rows(
    questions: Sequence[QuestionRecord], catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    result = FeedRows(year=query.year)
    language, state = query.language, query.filter("state")
    selected = _selected_questions(questions, query)
    for record in selected:
        record_state = record.state(now)
        if state and record_state != state:
            continue
        row = {
            **municipality_fields(catalogue, record.municipality, language),
            "question_id": record.id,
            "recipient_id": record.recipient_id,
            "recipient_name": record.recipient_name,
            "recipient_role": record.recipient_role,
            "recipient_role_name": label(RECIPIENT_ROLES, record.recipient_role, language),
            "recipient_party": record.recipient_party,
            "subject": record.subject,
            "text": record.text,
            "language": record.language,
            "asked_at": register_moment(record.asked_at),
            "answer_due": register_moment(record.answer_due),
            "state": record_state,
            "state_name": label(QUESTION_STATES, record_state, language),
            "answered_at": register_moment(record.answered_at),
            "answered_late": _answered_late(record),
            "days_to_answer": record.days_to_answer(),
            "answered_by": record.answered_by,
            "answer": record.answer,
        }
        result.add((record.asked_at.isoformat(), record.municipality, record.id), row)
    return register_rows(result, (record.updated_at for record in selected))


def _counts(records: Sequence[QuestionRecord], now: datetime) -> dict[str, object]:
    states = [record.state(now) for record in records]
    days = [d for record in records if (d := record.days_to_answer()) is not None]
    return {
        "asked": len(records),
        "answered": states.count("answered"),
        "answered_late": sum(1 for record in records if _answered_late(record)),
        "open": states.count("open"),
        "overdue": states.count("overdue"),
        "median_days_to_answer": round(statistics.median(days), 1) if days else None,
    }


def statistics_rows(
    questions: Sequence[QuestionRecord], catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    """One row per municipality (``level=municipality``) and one per recipient (``member``)."""
    result = FeedRows(year=query.year)
    language, level = query.language, query.filter("level")
    selected = _selected_questions(questions, query)
    by_municipality: dict[str, list[QuestionRecord]] = defaultdict(list)
    by_member: dict[tuple[str, str], list[QuestionRecord]] = defaultdict(list)
    for record in selected:
        by_municipality[record.municipality].append(record)
        by_member[(record.municipality, record.recipient_id)].append(record)
    if level in (None, "municipality"):
        for code, records in by_municipality.items():
            row = {
                "level": "municipality",
                "level_name": label(STATISTIC_LEVELS, "municipality", language),
                **municipality_fields(catalogue, code, language),
                "recipient_id": None,
                "recipient_name": None,
                "recipient_role": None,
                **_counts(records, now),
            }
            result.add((code, 0, ""), row)
    if level in (None, "member"):
        for (code, member_id), records in by_member.items():
            latest = max(records, key=lambda record: record.asked_at)
            row = {
                "level": "member",
                "level_name": label(STATISTIC_LEVELS, "member", language),
                **municipality_fields(catalogue, code, language),
                "recipient_id": member_id,
                "recipient_name": latest.recipient_name,
                "recipient_role": latest.recipient_role,
                **_counts(records, now),
            }
            result.add((code, 1, member_id), row)
    return register_rows(result, (record.updated_at for record in selected))


def petition_rows(
    counted: Sequence[CountedPetition], catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    result = FeedRows(year=query.year)
    language = query.language
    status, kind, signing = query.filter("status"), query.filter("kind"), query.filter("signing")
    selected = register_selection(
        counted,
        query,
        municipality_of=lambda item: item.record.municipality,
        year_of=lambda item: kosovo_date(item.record.opened_at).year,
    )
    for item in selected:
        record = item.record
        record_signing = "open" if record.signing_open(now) else "closed"
        if (status and record.status != status) or (kind and record.kind != kind):
            continue
        if signing and record_signing != signing:
            continue
        row = {
            **municipality_fields(catalogue, record.municipality, language),
            "petition_id": record.id,
            "kind": record.kind,
            "kind_name": label(PETITION_KINDS, record.kind, language),
            "title": record.title,
            "summary": record.summary,
            "language": record.language,
            "regulation_number": record.regulation_number,
            "regulation_adopted_on": record.regulation_adopted_on.isoformat()
            if record.regulation_adopted_on
            else None,
            "opened_at": register_moment(record.opened_at),
            "signatures_until": register_moment(record.signatures_until),
            "signing": record_signing,
            "signing_name": label(SIGNING_STATES, record_signing, language),
            "signatures": item.signatures,
            "threshold": record.threshold,
            "threshold_percent": THRESHOLD_PERCENT,
            "registered_voters": record.registered_voters,
            "voters_source": record.voters_source,
            "share_of_voters_percent": round(100 * item.signatures / record.registered_voters, 2),
            "threshold_reached": item.signatures >= record.threshold,
            "status": record.status,
            "status_name": label(PETITION_STATES, record.status, language),
            "status_changed_at": register_moment(record.status_changed_at),
            "decision_due": register_moment(record.decision_due),
        }
        result.add((record.opened_at.isoformat(), record.municipality, record.id), row)
    return register_rows(result, (item.record.updated_at for item in selected))
