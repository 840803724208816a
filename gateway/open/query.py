"""A feed request's query string, checked strictly: every refusal is a clear 4xx.

Unknown parameters are refused too (a misspelt filter must not silently return everything).
Values are checked for form here; whether a well-formed municipality or year exists is
decided against the catalogue and the sources (``service``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from contracts.catalogue import Catalogue, DisplayLanguage
from gateway.open.cursors import CursorSigner
from gateway.refusals import Refusal

_YEAR = re.compile(r"^[0-9]{4}$")
_MONTH = re.compile(r"^(0?[1-9]|1[0-2])$")
_INTEGER = re.compile(r"^[0-9]{1,7}$")
COMMON_PARAMETERS = frozenset({"municipality", "cursor", "page_size", "format", "lang"})


@dataclass(frozen=True)
class FeedQuery:
    """One checked request of a feed."""

    feed: str
    municipality: str | None
    year: int | None
    filters: tuple[tuple[str, str], ...]
    format: str
    language: DisplayLanguage
    page_size: int
    cursor: tuple[Any, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def filter(self, name: str) -> str | None:
        return dict(self.filters).get(name)

    def listing(self) -> str:
        """What decides which rows there are and their order: the scope of a cursor."""
        return json.dumps(
            [self.feed, self.municipality, self.year, self.filters, sorted(self.extra.items())],
            separators=(",", ":"),
            ensure_ascii=False,
        )

    def identity(self) -> str:
        """Everything that decides the page's content, as one string (cache and ETag key)."""
        return json.dumps(
            [
                self.feed,
                self.municipality,
                self.year,
                self.filters,
                self.format,
                self.language,
                self.page_size,
                self.cursor,
            ],
            separators=(",", ":"),
            ensure_ascii=False,
        )


def invalid(parameter: str, reason: str) -> Refusal:
    return Refusal(
        "open.filter.invalid",
        detail=f"{parameter}: {reason}",
        extra={"errors": [{"pointer": f"/query/{parameter}", "reason": reason}]},
    )


def resolve_municipality(catalogue: Catalogue, value: str) -> str:
    """A KAS code ("19") or a slug ("prishtine") -> the code; 404 for no such municipality."""
    if catalogue.municipality(value) is not None:
        return value
    for municipality in catalogue.municipalities:
        if municipality.slug == value.lower():
            return municipality.code
    if not re.fullmatch(r"[0-9]{1,2}|[a-z-]{1,40}", value):
        raise invalid("municipality", "a two-digit KAS code (01-38) or a municipality slug")
    raise Refusal("open.municipality.unknown", extra={"municipality": value[:40]})


def parse_query(
    feed: str,
    params: Mapping[str, str],
    *,
    catalogue: Catalogue,
    language: DisplayLanguage,
    formats: Sequence[str],
    choices: Mapping[str, Sequence[str]],
    default_page_size: int,
    max_page_size: int,
    cursors: CursorSigner,
    with_year: bool = True,
    with_month: bool = False,
    free: Sequence[str] = (),
) -> FeedQuery:
    """Check a feed's query string; ``choices`` are its enumerated filters."""
    allowed = set(COMMON_PARAMETERS) | set(choices) | set(free)
    if with_year:
        allowed.add("year")
    if with_month:
        allowed.add("month")
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise invalid(
            unknown[0], "is not a filter of this list (allowed: " + ", ".join(sorted(allowed)) + ")"
        )
    municipality = None
    if params.get("municipality"):
        municipality = resolve_municipality(catalogue, params["municipality"].strip())
    year = None
    if with_year and params.get("year"):
        if not _YEAR.fullmatch(params["year"]):
            raise invalid("year", "a four-digit year")
        year = int(params["year"])
    filters: list[tuple[str, str]] = []
    for name, values in sorted(choices.items()):
        value = params.get(name)
        if value:
            if value not in values:
                raise invalid(name, "one of " + ", ".join(values))
            filters.append((name, value))
    if with_month and params.get("month"):
        if not _MONTH.fullmatch(params["month"]):
            raise invalid("month", "a month number from 1 to 12")
        filters.append(("month", str(int(params["month"]))))
    extra = {name: params[name] for name in free if params.get(name)}
    chosen_format = params.get("format") or formats[0]
    if chosen_format not in formats:
        raise Refusal("open.format.unsupported", detail="offered: " + ", ".join(formats))
    size_text = params.get("page_size")
    page_size = default_page_size
    if size_text:
        if not _INTEGER.fullmatch(size_text) or int(size_text) < 1:
            raise invalid("page_size", "a whole number from 1")
        page_size = int(size_text)
        if page_size > max_page_size:
            raise Refusal(
                "open.page_size.too_large",
                detail=f"page_size may be at most {max_page_size}",
                extra={"max_page_size": max_page_size},
            )
    query = FeedQuery(
        feed=feed,
        municipality=municipality,
        year=year,
        filters=tuple(filters),
        format=chosen_format,
        language=language,
        page_size=page_size,
        extra=extra,
    )
    if not params.get("cursor"):
        return query
    return replace(query, cursor=cursors.open(query.listing(), params["cursor"]))
