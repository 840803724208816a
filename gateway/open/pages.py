"""Pages of a feed: cursor pagination, JSON and CSV rendering, freshness, and the page cache.

A rendered page is cached under the query and the store's generation, so any change in any
source retires every cached page, and an unchanged source costs one dictionary lookup per
request. What varies per request (how old the data is, whether its source is failing) is not
cached: the JSON envelope is joined around the cached data bytes at answer time, so the body
can state the data's age while the expensive part is rendered once. The ETag is weak
(``W/``): it names the data, not the age field beside it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.open.cursors import CursorSigner
from gateway.open.feeds import FeedKey, FeedStore
from gateway.open.query import FeedQuery
from gateway.open.spreadsheet import Cell, csv_text, inert
from gateway.open.views import FeedRows
from gateway.refusals import Refusal

CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class RenderedPage:
    etag: str
    last_modified: datetime | None
    media_type: str
    body: bytes
    """JSON: the ``data`` array; CSV, GeoJSON, OCDS: the whole body."""
    enveloped: bool
    count: int
    total: int
    next_cursor: str | None
    involved: tuple[FeedKey, ...]
    missing: tuple[str, ...]
    year: int | None = None


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None
    age_s: int
    stale: bool
    failing_since: datetime | None

    def as_json(self, last_modified: datetime | None, missing: Sequence[str]) -> dict[str, Any]:
        return {
            "as_of": _stamp(self.as_of),
            "age_seconds": self.age_s,
            "stale": self.stale,
            "source_failing_since": _stamp(self.failing_since),
            "last_modified": _stamp(last_modified),
            "missing_municipalities": list(missing),
        }


def _stamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def freshness(store: FeedStore, involved: Sequence[FeedKey], now: datetime) -> Freshness:
    """How old the oldest part of a page is, and whether a source it comes from is failing."""
    fetched = [s.fetched_at for key in involved if (s := store.get(key)) is not None]
    failures = [f.since for key in involved if (f := store.failure(key)) is not None]
    as_of = min(fetched) if fetched else None
    age = max(0, int((now - as_of).total_seconds())) if as_of else 0
    return Freshness(as_of, age, bool(failures), min(failures) if failures else None)


def page_of(
    rows: FeedRows, query: FeedQuery, cursors: CursorSigner
) -> tuple[list[dict[str, Any]], str | None]:
    """The page after the cursor's key, and the cursor of the next page (None: last page)."""
    start = 0
    if query.cursor is not None:
        try:
            start = bisect.bisect_right(rows.keys, query.cursor)
        except TypeError:
            # Signed, but of another shape than the feed's keys: issued before an upgrade
            # changed how the feed sorts.
            raise Refusal("open.cursor.invalid") from None
    end = start + query.page_size
    page = rows.rows[start:end]
    next_cursor = None
    if end < len(rows.rows):
        next_cursor = cursors.issue(query.listing(), rows.keys[end - 1])
    return page, next_cursor


def etag_of(
    query: FeedQuery, store: FeedStore, involved: Sequence[FeedKey], *, version: str = ""
) -> str:
    """Names the data of a page: the query, the snapshots it read and, for the gateway's own
    registers (permits, acts, hearings), their ``version``."""
    digests = [s.digest if (s := store.get(key)) else "-" for key in involved]
    material = query.identity() + "|" + ",".join(digests) + "|" + version
    return 'W/"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _cell(value: Any) -> Cell:
    if isinstance(value, list):
        return " | ".join(
            inert(_cell(item.get("url") if isinstance(item, dict) else item)) for item in value
        )
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def csv_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """RFC 4180 CSV; a ``*_by_month`` list spreads over twelve ``*_m01``..``*_m12`` columns."""
    header: list[str] = []
    for column in columns:
        if column.endswith("_by_month"):
            stem = column.removesuffix("_by_month")
            header.extend(f"{stem}_m{month:02d}" for month in range(1, 13))
        else:
            header.append(column)
    lines: list[list[Cell]] = []
    for row in rows:
        cells: list[Cell] = []
        for column in columns:
            value = row.get(column)
            if column.endswith("_by_month"):
                months = list(value or [])
                cells.extend(_cell(months[m]) if m < len(months) else None for m in range(12))
            else:
                cells.append(_cell(value))
        lines.append(cells)
    return csv_text(header, lines).encode("utf-8")


def last_modified_of(rows: FeedRows, store: FeedStore) -> datetime | None:
    """The sources' own update times when they give them, else when the gateway saw a change."""
    if rows.source_times:
        return max(rows.source_times)
    changed = [s.changed_at for key in rows.involved if (s := store.get(key)) is not None]
    return max(changed) if changed else None


class PageCache:
    """Rendered pages by (query, store generation); least recently used go first.

    Pages of the gateway's own registers are rendered in worker threads (they read the
    database), so the cache takes a lock: uncontended, it costs well under a microsecond.
    """

    def __init__(self, entries: int) -> None:
        self._entries = entries
        self._pages: OrderedDict[tuple[str, str], RenderedPage] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> RenderedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple[str, str], page: RenderedPage) -> None:
        if self._entries <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._entries:
                self._pages.popitem(last=False)
