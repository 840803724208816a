"""The open-data feeds' problem codes, with their HTTP status and titles in sq, sr and en.

The same RFC 9457 shape as every other refusal of the gateway (``gateway/api/problems.py``),
kept here because these codes belong to the feeds: a bad filter is a 400, an unknown
municipality or year a 404, a source that never answered a 503 with ``Retry-After``. The
codes are stable; clients may branch on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenProblemKind:
    status: int
    sq: str
    sr: str
    en: str


OPEN_PROBLEMS: dict[str, OpenProblemKind] = {
    "open.municipality.unknown": OpenProblemKind(
        404,
        "Komuna e kërkuar nuk ekziston",
        "Tražena opština ne postoji",
        "There is no such municipality",
    ),
    "open.year.unknown": OpenProblemKind(
        404,
        "Për këtë vit nuk ka të dhëna të publikuara",
        "Za ovu godinu nema objavljenih podataka",
        "No data is published for this year",
    ),
    "open.filter.invalid": OpenProblemKind(
        400,
        "Një filtër i kërkesës nuk është i vlefshëm",
        "Filter zahteva nije ispravan",
        "A filter of the request is not valid",
    ),
    "open.page_size.too_large": OpenProblemKind(
        400,
        "Madhësia e faqes është më e madhe se sa lejohet",
        "Veličina stranice je veća od dozvoljene",
        "The page size is larger than allowed",
    ),
    "open.cursor.invalid": OpenProblemKind(
        400,
        "Kursori i faqes nuk është i vlefshëm",
        "Kursor stranice nije ispravan",
        "The page cursor is not valid",
    ),
    "open.format.unsupported": OpenProblemKind(
        406,
        "Ky format nuk ofrohet për këtë listë",
        "Ovaj format nije dostupan za ovaj spisak",
        "This format is not offered for this list",
    ),
    "open.record.not_found": OpenProblemKind(
        404,
        "E dhëna e kërkuar nuk u gjet",
        "Traženi podatak nije pronađen",
        "The requested record was not found",
    ),
    "open.source.unavailable": OpenProblemKind(
        503,
        "Burimi i të dhënave nuk është i qasshëm dhe ende nuk ka të dhëna të ruajtura",
        "Izvor podataka nije dostupan i još nema sačuvanih podataka",
        "The data source is unreachable and no earlier data is held yet",
    ),
    "open.payload.invalid": OpenProblemKind(
        422,
        "Të dhënat e dërguara nuk janë të vlefshme",
        "Poslati podaci nisu ispravni",
        "The data sent is not valid",
    ),
    "open.forbidden": OpenProblemKind(
        403,
        "Nuk keni të drejtë për këtë veprim",
        "Nemate pravo na ovu radnju",
        "You may not do this",
    ),
}


class OpenProblem(Exception):
    """A refusal of an open-data request; the API renders it as a problem document."""

    def __init__(
        self,
        code: str,
        *,
        detail: str | Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(code)
        self.kind = OPEN_PROBLEMS[code]
        self.code = code
        self.status = self.kind.status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def title(self, language: str) -> str:
        return str(getattr(self.kind, language, self.kind.sq))
