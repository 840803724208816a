"""The public register of municipal acts: every act, where its review stands, and its dates.

Rows for ``/v1/open/acts``, built from the store (the gateway's own record of what was
submitted and what the ministry decided), in the shape of every other feed: codes and their
labels in the language asked for, a stable order for cursor pagination (adoption date, then
municipality and number), and the time of the last change as ``Last-Modified``. Who decided
inside the ministry stays out: the public reads the decision, its reasons and its documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.act_messages import ReviewState, issuer_of
from contracts.catalogue import Catalogue
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
from gateway.store.acts import ActEvent, PublishedAct

ACT_COLUMNS = (
    "municipality",
    "municipality_name",
    "act_id",
    "kind",
    "kind_name",
    "issuer",
    "issuer_name",
    "number",
    "title",
    "adopted_on",
    "review_state",
    "review_state_name",
    "revision",
    "submitted_at",
    "received_at",
    "review_started_at",
    "reconsideration_requested_at",
    "decided_at",
    "withdrawn_at",
    "state_since",
    "ministry_note",
    "ministry_documents",
    "documents",
)
DECISIONS = frozenset(
    {ReviewState.FOUND_LAWFUL, ReviewState.RECONSIDERED, ReviewState.REFERRED_TO_COURT}
)


def _first(events: Sequence[ActEvent], *states: ReviewState) -> datetime | None:
    return next((event.occurred_at for event in events if event.state in states), None)


def _dates(events: Sequence[ActEvent]) -> dict[str, str | None]:
    moves = [event for event in events if event.state != event.previous_state]
    return {
        "received_at": register_moment(_first(moves, ReviewState.RECEIVED)),
        "review_started_at": register_moment(_first(moves, ReviewState.UNDER_REVIEW)),
        "reconsideration_requested_at": register_moment(
            _first(moves, ReviewState.RECONSIDERATION_REQUESTED)
        ),
        "decided_at": register_moment(_first(moves, *DECISIONS)),
        "withdrawn_at": register_moment(_first(moves, ReviewState.WITHDRAWN)),
        "state_since": register_moment(moves[-1].occurred_at if moves else None),
    }


def _ministry_part(events: Sequence[ActEvent], language: Any) -> dict[str, Any]:
    decisions = [event for event in events if event.source.startswith("ministry:")]
    notes = [event.public_note for event in decisions if event.public_note]
    note = None
    if notes:
        latest = notes[-1]
        note = in_language(latest, language) or next(iter(latest.values()), None)
    return {
        "ministry_note": note,
        "ministry_documents": [
            dict(document) for event in decisions for document in event.documents
        ],
    }


def act_rows(published: Sequence[PublishedAct], catalogue: Catalogue, query: FeedQuery) -> FeedRows:
    result = FeedRows(year=query.year)
    state, kind = query.filter("review_state"), query.filter("kind")
    language = query.language
    selected = register_selection(
        published,
        query,
        municipality_of=lambda item: item.record.municipality,
        year_of=lambda item: item.record.adopted_on.year,
    )
    for item in selected:
        record = item.record
        if state and record.review_state.value != state:
            continue
        if kind and record.kind != kind:
            continue
        issuer = issuer_of(record.kind)
        row = {
            **municipality_fields(catalogue, record.municipality, language),
            "act_id": record.id,
            "kind": record.kind,
            "kind_name": labels.label(labels.ACT_KINDS, record.kind, language),
            "issuer": issuer,
            "issuer_name": labels.label(labels.ACT_ISSUERS, issuer, language),
            "number": record.number,
            "title": in_language(record.title, language),
            "adopted_on": record.adopted_on.isoformat(),
            "review_state": record.review_state.value,
            "review_state_name": labels.label(
                labels.ACT_STATES, record.review_state.value, language
            ),
            "revision": record.revision,
            "submitted_at": register_moment(record.submitted_at),
            **_dates(item.events),
            **_ministry_part(item.events, language),
            "documents": [dict(document) for document in record.documents],
        }
        result.add((record.adopted_on.isoformat(), record.municipality, record.number), row)
    return register_rows(result, (item.record.updated_at for item in selected))
