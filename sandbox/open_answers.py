"""JSON answers of the transparency simulators: documents, problem documents, path checks.

The four sources (treasury, procurement, urban planning, ministry permits) answer alike: JSON
documents, RFC 9457 problem documents for every refusal, identifiers checked against the same
patterns their OpenAPI files declare, so a malformed value is a 400 and never a lookup.
"""

import json
import re
from typing import Any

from sandbox.answers import JSON_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, Answer

MUNICIPALITY_PATTERN = re.compile(r"0[1-9]|[12][0-9]|3[0-8]")
YEAR_PATTERN = re.compile(r"20[0-9]{2}")


def json_answer(document: Any, status: int = 200) -> Answer:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(status, JSON_CONTENT_TYPE, body)


def problem(source: str, status: int, kind: str, title: str, detail: str) -> Answer:
    document = {
        "type": f"urn:ks:{source}:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(status, PROBLEM_CONTENT_TYPE, body)


def unavailable(source: str) -> Answer:
    return problem(
        source, 503, "unavailable", "Service unavailable", "The service is down; try again later."
    )


def bad_identifier(source: str, what: str) -> Answer:
    return problem(source, 400, "invalid-identifier", "Invalid identifier", f"Malformed {what}.")


def not_found(source: str, what: str) -> Answer:
    return problem(source, 404, "not-found", "Not found", f"No {what} is published.")


def check_municipality_year(source: str, municipality: str, year: str) -> Answer | None:
    """A 400 answer when the path's municipality code or year is malformed, else None."""
    if not MUNICIPALITY_PATTERN.fullmatch(municipality):
        return bad_identifier(source, "municipality code (two digits, 01-38)")
    if not YEAR_PATTERN.fullmatch(year):
        return bad_identifier(source, "year (four digits)")
    return None
