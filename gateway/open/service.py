"""The open-data service: a feed request in, a rendered page (from cache or fresh) out.

The API layer stays thin: it hands over the query string and the language, gets back a
``Served`` page with its freshness, and turns that into headers (ETag, Last-Modified, Age) or
a 304. Everything a feed is (its filters, formats, columns and rows) is declared in ``FEEDS``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from contracts.catalogue import Catalogue, DisplayLanguage
from gateway.kosovo_days import kosovo_date
from gateway.open import labels
from gateway.open.cursors import CursorSigner
from gateway.open.feeds import FeedStore
from gateway.open.ocds import package_frame, record_package, release_package
from gateway.open.pages import (
    CSV_MEDIA_TYPE,
    JSON_MEDIA_TYPE,
    Freshness,
    PageCache,
    RenderedPage,
    csv_bytes,
    etag_of,
    freshness,
    json_bytes,
    last_modified_of,
    page_of,
)
from gateway.open.permits import PermitRegister
from gateway.open.query import FeedQuery, invalid, parse_query
from gateway.open.settings import OpenDataSettings
from gateway.open.views import (
    FeedRows,
    budget_rows,
    contracting_rows,
    permit_rows,
    plan_rows,
    revenue_rows,
)

RowsBuilder = Callable[["OpenData", FeedQuery], FeedRows]
GEOJSON_MEDIA_TYPE = "application/geo+json"


@dataclass(frozen=True)
class FeedSpec:
    name: str
    builder: RowsBuilder
    columns: tuple[str, ...]
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    formats: tuple[str, ...] = ("json", "csv")
    with_year: bool = True
    with_month: bool = False
    free: tuple[str, ...] = ()
    version: Callable[[], str] | None = None
    """For a register the gateway keeps itself (permits, acts, hearings): changes when its
    data does."""


@dataclass(frozen=True)
class Served:
    page: RenderedPage
    freshness: Freshness
    query: FeedQuery

    def body(self) -> bytes:
        """The bytes to send: the cached body, or the JSON envelope around cached data."""
        if not self.page.enveloped:
            return self.page.body
        query = self.query
        envelope = {
            "feed": query.feed,
            "language": query.language,
            "query": {
                "municipality": query.municipality,
                "year": self.page.year,
                **dict(query.filters),
                **query.extra,
            },
            "freshness": self.freshness.as_json(self.page.last_modified, self.page.missing),
            "page": {
                "size": query.page_size,
                "count": self.page.count,
                "total": self.page.total,
                "next_cursor": self.page.next_cursor,
            },
        }
        head = json_bytes(envelope)
        return head[:-1] + b',"data":' + self.page.body + b"}"


_PROGRAMME = re.compile(r"^[0-9]{3}$")


def _budget(service: OpenData, query: FeedQuery) -> FeedRows:
    programme = query.extra.get("programme")
    if programme is not None and not _PROGRAMME.fullmatch(programme):
        raise invalid("programme", "a three-digit programme code")
    if programme:
        query = FeedQuery(
            **{**query.__dict__, "filters": (*query.filters, ("programme", programme))}
        )
    return budget_rows(service.store, service.catalogue, query)


def _revenues(service: OpenData, query: FeedQuery) -> FeedRows:
    return revenue_rows(service.store, service.catalogue, query)


def _contracting(service: OpenData, query: FeedQuery) -> FeedRows:
    return contracting_rows(service.store, service.catalogue, query, service.budget_line_url)


def _permits(service: OpenData, query: FeedQuery) -> FeedRows:
    municipal = service.permits.permits() if service.permits is not None else []
    return permit_rows(service.store, service.catalogue, query, municipal)


def _plans(service: OpenData, query: FeedQuery) -> FeedRows:
    return plan_rows(service.store, service.catalogue, query, kosovo_date(datetime.now(UTC)))


FEEDS: dict[str, FeedSpec] = {
    "budget": FeedSpec(
        "budget",
        _budget,
        columns=(
            "municipality",
            "municipality_name",
            "year",
            "programme",
            "programme_name",
            "economic_category",
            "economic_category_name",
            "line_id",
            "approved",
            "executed",
            "execution_rate",
            "through_month",
            "executed_by_month",
        ),
        choices={
            "economic_category": tuple(labels.ECONOMIC_CATEGORIES),
            "group_by": ("line", "economic_category", "programme", "municipality"),
        },
        with_month=True,
        free=("programme",),
    ),
    "revenues": FeedSpec(
        "revenues",
        _revenues,
        columns=(
            "municipality",
            "municipality_name",
            "year",
            "source",
            "source_name",
            "line_id",
            "planned",
            "collected",
            "collection_rate",
            "through_month",
            "collected_by_month",
        ),
        choices={"source": tuple(labels.REVENUE_SOURCES)},
        with_month=True,
    ),
    "contracting": FeedSpec(
        "contracting",
        _contracting,
        columns=(
            "municipality",
            "municipality_name",
            "year",
            "ocid",
            "title",
            "buyer",
            "category",
            "category_name",
            "procurement_method",
            "stage",
            "stage_name",
            "tender_date",
            "tender_value",
            "award_value",
            "suppliers",
            "date_signed",
            "contract_value",
            "paid",
            "budget_line_id",
            "budget_line_url",
            "last_update",
        ),
        choices={
            "stage": tuple(labels.CONTRACTING_STAGES),
            "category": tuple(labels.PROCUREMENT_CATEGORIES),
        },
    ),
    "ocds_releases": FeedSpec(
        "ocds_releases",
        _contracting,
        columns=(),
        choices={
            "stage": tuple(labels.CONTRACTING_STAGES),
            "category": tuple(labels.PROCUREMENT_CATEGORIES),
        },
        formats=("json",),
        free=("ocid",),
    ),
    "ocds_records": FeedSpec(
        "ocds_records",
        _contracting,
        columns=(),
        choices={
            "stage": tuple(labels.CONTRACTING_STAGES),
            "category": tuple(labels.PROCUREMENT_CATEGORIES),
        },
        formats=("json",),
        free=("ocid",),
    ),
    "permits": FeedSpec(
        "permits",
        _permits,
        columns=(
            "permit_number",
            "kind",
            "kind_name",
            "category",
            "municipality",
            "municipality_name",
            "cadastral_zone",
            "parcel_number",
            "investor_type",
            "investor_type_name",
            "investor_name",
            "description",
            "conditions",
            "applied_on",
            "issued_on",
            "valid_until",
            "issued_by",
        ),
        choices={"category": ("I", "II", "III"), "kind": tuple(labels.PERMIT_KINDS)},
    ),
    "plans": FeedSpec(
        "plans",
        _plans,
        columns=(
            "municipality",
            "municipality_name",
            "plan_id",
            "name",
            "kind",
            "kind_name",
            "status",
            "status_name",
            "in_force",
            "public_review_from",
            "public_review_until",
            "approved_on",
            "valid_until",
            "documents",
        ),
        choices={"status": tuple(labels.PLAN_STATUSES), "kind": tuple(labels.PLAN_KINDS)},
        formats=("json", "csv", "geojson"),
        with_year=False,
    ),
}


class OpenData:
    """The feeds of one gateway instance: the snapshot store, the caches, the builders."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        store: FeedStore,
        settings: OpenDataSettings,
        feeds: Mapping[str, FeedSpec] | None = None,
        permits: PermitRegister | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.store = store
        self.settings = settings
        self.feeds = dict(feeds or FEEDS)
        self.permits = permits
        if permits is not None and "permits" in self.feeds:
            self.feeds["permits"] = replace(self.feeds["permits"], version=permits.version)
        self.pages = PageCache(settings.page_cache_entries)
        self.cursors = CursorSigner(settings.cursor_secret.get_secret_value().encode())
        self._rows: OrderedDict[tuple[str, str], FeedRows] = OrderedDict()
        self._rows_lock = threading.Lock()

    def budget_line_url(self, line_id: str) -> str:
        return f"{self.settings.public_base_url}/v1/open/budget/lines/{line_id}"

    def register(self, spec: FeedSpec) -> None:
        """Add a feed (the permits, acts and hearings registers plug in here)."""
        self.feeds[spec.name] = spec

    def parse(self, feed: str, params: Mapping[str, str], language: DisplayLanguage) -> FeedQuery:
        spec = self.feeds[feed]
        return parse_query(
            feed,
            params,
            catalogue=self.catalogue,
            language=language,
            formats=spec.formats,
            choices=spec.choices,
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
            cursors=self.cursors,
            with_year=spec.with_year,
            with_month=spec.with_month,
            free=spec.free,
        )

    def rows(self, query: FeedQuery, version: str) -> FeedRows:
        """The query's rows (all pages), cached until any source changes (``version``)."""
        base = FeedQuery(**{**query.__dict__, "cursor": None, "page_size": 0, "format": ""})
        key = (base.identity(), version)
        with self._rows_lock:
            rows = self._rows.get(key)
        if rows is None:
            rows = self.feeds[query.feed].builder(self, query)
            with self._rows_lock:
                self._rows[key] = rows
                while len(self._rows) > 64:
                    self._rows.popitem(last=False)
        return rows

    def reads_store(self, feed: str) -> bool:
        """True when serving ``feed`` reads the database (the gateway's own registers)."""
        return self.feeds[feed].version is not None

    def serve(self, feed: str, params: Mapping[str, str], language: DisplayLanguage) -> Served:
        query = self.parse(feed, params, language)
        # Read once per request: a register's version costs a transaction, and the page
        # cache, the rows cache and the ETag must all speak of the same data.
        spec_version = self.feeds[feed].version
        register = spec_version() if spec_version is not None else ""
        generation = str(self.store.generation)
        version = f"{generation}|{register}" if register else generation
        key = (query.identity(), version)
        page = self.pages.get(key)
        if page is None:
            page = self._render(query, version, register)
            self.pages.put(key, page)
        now = datetime.now(UTC)
        if not page.involved and self.reads_store(feed):
            # Only the gateway's own register: read now, from the store, never stale.
            return Served(page, Freshness(now, 0, False, None), query)
        return Served(page, freshness(self.store, page.involved, now), query)

    def _render(self, query: FeedQuery, version: str, register: str) -> RenderedPage:
        spec = self.feeds[query.feed]
        rows = self.rows(query, version)
        page, next_cursor = page_of(rows, query, self.cursors)
        if query.feed.startswith("ocds_"):
            body, media_type, enveloped = self._ocds(query, rows, page), JSON_MEDIA_TYPE, False
        elif query.format == "csv":
            body, media_type, enveloped = csv_bytes(page, spec.columns), CSV_MEDIA_TYPE, False
        elif query.format == "geojson":
            body, media_type, enveloped = (
                geojson_bytes(page, next_cursor),
                GEOJSON_MEDIA_TYPE,
                False,
            )
        else:
            shown = [{k: v for k, v in row.items() if not k.startswith("_")} for row in page]
            body, media_type, enveloped = json_bytes(shown), JSON_MEDIA_TYPE, True
        return RenderedPage(
            # The gateway's own registers change without any source snapshot changing.
            etag=etag_of(query, self.store, rows.involved, version=register),
            last_modified=last_modified_of(rows, self.store),
            media_type=media_type,
            body=body,
            enveloped=enveloped,
            count=len(page),
            total=len(rows.rows),
            next_cursor=next_cursor,
            involved=tuple(rows.involved),
            missing=tuple(rows.missing),
            year=rows.year,
        )

    def _ocds(self, query: FeedQuery, rows: FeedRows, page: Sequence[dict[str, Any]]) -> bytes:
        kind = "records" if query.feed == "ocds_records" else "releases"
        shown = {k: v for k, v in (("municipality", query.municipality), ("year", rows.year))}
        parameters = "&".join(f"{k}={v}" for k, v in (*shown.items(), *query.filters) if v)
        for name, value in sorted(query.extra.items()):
            parameters += f"&{name}={value}"
        uri = f"{self.settings.public_base_url}/v1/open/contracting/{kind}"
        frame = package_frame(rows.records, f"{uri}?{parameters}" if parameters else uri)
        processes = [row["_releases"] for row in page]
        build = record_package if kind == "records" else release_package
        return json_bytes(build(frame, processes, self.budget_line_url))


def geojson_bytes(rows: Sequence[dict[str, Any]], next_cursor: str | None) -> bytes:
    """Plans as a GeoJSON FeatureCollection (RFC 7946), one feature per plan."""
    features = [
        {
            "type": "Feature",
            "id": row["plan_id"],
            "geometry": row["boundary"],
            "properties": {k: v for k, v in row.items() if k != "boundary"},
        }
        for row in rows
    ]
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if next_cursor:
        document["next_cursor"] = next_cursor
    return json_bytes(document)
