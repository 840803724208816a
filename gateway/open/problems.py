"""The open-data feeds' problem codes, with their HTTP status and titles in sq, sr and en.

Registered into the gateway's one registry (``gateway/refusals.py``) and raised as a plain
``Refusal``, so a feed's "no" is the same RFC 9457 document as every other refusal of the
gateway. Kept here because these codes belong to the feeds: a bad filter is a 400, an unknown
municipality or year a 404, a source that never answered a 503 with ``Retry-After``. The
codes are stable; clients may branch on them.
"""

from __future__ import annotations

from gateway.refusals import register

register(
    "open.municipality.unknown",
    404,
    "Komuna e kërkuar nuk ekziston",
    "Tražena opština ne postoji",
    "There is no such municipality",
)
register(
    "open.year.unknown",
    404,
    "Për këtë vit nuk ka të dhëna të publikuara",
    "Za ovu godinu nema objavljenih podataka",
    "No data is published for this year",
)
register(
    "open.filter.invalid",
    400,
    "Një filtër i kërkesës nuk është i vlefshëm",
    "Filter zahteva nije ispravan",
    "A filter of the request is not valid",
)
register(
    "open.page_size.too_large",
    400,
    "Madhësia e faqes është më e madhe se sa lejohet",
    "Veličina stranice je veća od dozvoljene",
    "The page size is larger than allowed",
)
register(
    "open.cursor.invalid",
    400,
    "Kursori i faqes nuk është i vlefshëm",
    "Kursor stranice nije ispravan",
    "The page cursor is not valid",
)
register(
    "open.format.unsupported",
    406,
    "Ky format nuk ofrohet për këtë listë",
    "Ovaj format nije dostupan za ovaj spisak",
    "This format is not offered for this list",
)
register(
    "open.record.not_found",
    404,
    "E dhëna e kërkuar nuk u gjet",
    "Traženi podatak nije pronađen",
    "The requested record was not found",
)
register(
    "open.source.unavailable",
    503,
    "Burimi i të dhënave nuk është i qasshëm dhe ende nuk ka të dhëna të ruajtura",
    "Izvor podataka nije dostupan i još nema sačuvanih podataka",
    "The data source is unreachable and no earlier data is held yet",
)
register(
    "open.payload.invalid",
    422,
    "Të dhënat e dërguara nuk janë të vlefshme",
    "Poslati podaci nisu ispravni",
    "The data sent is not valid",
)
register(
    "open.forbidden",
    403,
    "Nuk keni të drejtë për këtë veprim",
    "Nemate pravo na ovu radnju",
    "You may not do this",
)
