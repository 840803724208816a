"""Public hearings as the public reads them: topic, place, time, comment window, the number of
comments received and, once published, the municipality's report.

``hearing_view`` is one hearing in full (all its languages), for the municipality's own API;
``hearing_rows`` are the rows of ``/v1/open/hearings`` in the language asked for, in a stable
order for cursor pagination (the day of the hearing, then municipality and reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.catalogue import Catalogue
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
from gateway.store.hearings import HearingRecord, PublishedHearing

HEARING_COLUMNS = (
    "municipality",
    "municipality_name",
    "hearing_id",
    "reference",
    "topic",
    "description",
    "place",
    "held_at",
    "comments_from",
    "comments_until",
    "comment_period",
    "comment_period_name",
    "status",
    "status_name",
    "comments_received",
    "report_published_at",
    "report_summary",
    "report_documents",
    "documents",
)


def status_of(record: HearingRecord) -> str:
    """``closed`` once the report is published, ``open`` until then."""
    return "closed" if record.reported_at is not None else "open"


def hearing_view(record: HearingRecord, comments: int, now: datetime) -> dict[str, Any]:
    """One hearing in all its languages, for the municipality that published it."""
    return {
        "hearing_id": record.id,
        "municipality": record.municipality,
        "reference": record.reference,
        "topic": dict(record.topic),
        "description": dict(record.description) if record.description else None,
        "place": dict(record.place),
        "held_at": register_moment(record.held_at),
        "comments_from": register_moment(record.comments_from),
        "comments_until": register_moment(record.comments_until),
        "comment_period": record.comment_period(now),
        "status": status_of(record),
        "comments_received": comments,
        "documents": [dict(document) for document in record.documents],
        "report": dict(record.report) if record.report else None,
        "report_documents": [dict(document) for document in record.report_documents],
        "report_published_at": register_moment(record.reported_at),
        "published_at": register_moment(record.published_at),
        "status_url": f"/v1/hearings/{record.id}",
    }


def hearing_rows(
    published: Sequence[PublishedHearing], catalogue: Catalogue, query: FeedQuery, now: datetime
) -> FeedRows:
    result = FeedRows(year=query.year)
    status, period = query.filter("status"), query.filter("comment_period")
    language = query.language
    selected = register_selection(
        published,
        query,
        municipality_of=lambda item: item.record.municipality,
        year_of=lambda item: kosovo_date(item.record.held_at).year,
    )
    for item in selected:
        record = item.record
        record_status, record_period = status_of(record), record.comment_period(now)
        if status and record_status != status:
            continue
        if period and record_period != period:
            continue
        row = {
            **municipality_fields(catalogue, record.municipality, language),
            "hearing_id": record.id,
            "reference": record.reference,
            "topic": in_language(record.topic, language),
            "description": in_language(record.description, language),
            "place": in_language(record.place, language),
            "held_at": register_moment(record.held_at),
            "comments_from": register_moment(record.comments_from),
            "comments_until": register_moment(record.comments_until),
            "comment_period": record_period,
            "comment_period_name": labels.label(labels.COMMENT_PERIODS, record_period, language),
            "status": record_status,
            "status_name": labels.label(labels.HEARING_STATES, record_status, language),
            "comments_received": item.comments,
            "report_published_at": register_moment(record.reported_at),
            "report_summary": in_language(record.report, language),
            "report_documents": [dict(document) for document in record.report_documents],
            "documents": [dict(document) for document in record.documents],
        }
        result.add((record.held_at.isoformat(), record.municipality, record.reference), row)
    return register_rows(result, (item.record.updated_at for item in selected))
