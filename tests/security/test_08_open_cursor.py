"""Item 8: a cursor is the gateway's own opaque token; a bad or forged one is a 400, never a 500.

Attack: ``GET /v1/open/budget?cursor=WzFd`` (the cursor ``[1]``, base64) made bisect compare an
integer with the feed's string keys and answered 500. A cursor is now signed (HMAC, bound to
the feed and its filters): garbage, a re-encoded key, a cursor of another feed or another
filter, each gets the localised ``open.cursor.invalid`` problem on every feed, unauthenticated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.gateway import GatewayProcess
from tests.fixtures.participation import act_body, act_number, municipality_headers
from tests.security.public_gateway import Answer, fetch, public_gateway

__all__ = ["public_gateway"]

FEEDS = (
    "budget",
    "revenues",
    "contracting",
    "contracting/releases",
    "contracting/records",
    "plans",
    "permits",
    "acts",
    "hearings",
)
TITLES = {
    "sq": "Kursori i faqes nuk është i vlefshëm",
    "sr": "Kursor stranice nije ispravan",
    "en": "The page cursor is not valid",
}


def _post(gateway: GatewayProcess, path: str, body: dict[str, object]) -> Answer:
    headers = {**municipality_headers("19"), "Content-Type": "application/json"}
    return fetch(gateway, path, method="POST", headers=headers, body=json.dumps(body).encode())


@pytest.fixture(scope="module")
def registers(public_gateway: GatewayProcess) -> Iterator[GatewayProcess]:
    """Two acts and two hearings, so that the gateway's own registers have a second page."""
    for _ in range(2):
        act = _post(public_gateway, "/v1/acts", act_body(act_number()))
        assert act.status == 202, act.text
        now = datetime.now(UTC)
        hearing = _post(
            public_gateway,
            "/v1/hearings",
            {
                "municipality": "19",
                "reference": f"DP-{act_number()[3:9]}",
                "topic": {"sq": "Projektbuxheti", "sr": "Nacrt budžeta"},
                "place": {"sq": "Salla e Kuvendit", "sr": "Sala Skupštine"},
                "held_at": (now + timedelta(days=2)).isoformat(),
                "comments_until": (now + timedelta(days=1)).isoformat(),
            },
        )
        assert hearing.status == 201, hearing.text
    yield public_gateway


def _next_cursor(gateway: GatewayProcess, feed: str, query: str = "") -> str:
    page = fetch(gateway, f"/v1/open/{feed}?page_size=1{query}")
    assert page.status == 200, page.text
    document = json.loads(page.body)
    cursor = document.get("page", {}).get("next_cursor") or document.get("next_cursor")
    if cursor is None:  # the OCDS packages carry it in the Link header only
        link = page.headers["link"]
        cursor = link.split("cursor=", 1)[1].split(">", 1)[0].split("&", 1)[0]
    assert cursor, f"{feed} has no second page"
    return str(cursor)


def _forged(cursor: str, key: object) -> str:
    """The cursor with its key replaced by one of the attacker's choosing, the rest kept."""
    _, dot, rest = cursor.partition(".")
    payload = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    return payload + dot + rest


def _assert_refused(answer: Answer, language: str = "sq") -> None:
    assert answer.status == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = json.loads(answer.body)
    assert problem["code"] == "open.cursor.invalid"
    assert problem["title"] == TITLES[language]
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("feed", FEEDS)
def test_a_garbled_cursor_is_a_400_problem_on_every_feed(
    registers: GatewayProcess, feed: str
) -> None:
    for cursor, language in (("WzFd", "en"), ("W3siYSI6MX1d", "sq"), ("%25%25", "sr")):
        answer = fetch(
            registers,
            f"/v1/open/{feed}?cursor={cursor}",
            headers={"Accept-Language": language},
        )
        _assert_refused(answer, language)


@pytest.mark.parametrize("feed", FEEDS)
def test_a_forged_cursor_is_a_400_problem_on_every_feed(
    registers: GatewayProcess, feed: str
) -> None:
    genuine = _next_cursor(registers, feed)
    assert fetch(registers, f"/v1/open/{feed}?page_size=1&cursor={genuine}").status == 200

    for key in (["99"], [1], ["19", "zz", "zz", "zz"]):
        forged = _forged(genuine, key)
        _assert_refused(fetch(registers, f"/v1/open/{feed}?page_size=1&cursor={forged}"))
    _assert_refused(fetch(registers, f"/v1/open/{feed}?page_size=1&cursor={genuine[:-2]}"))


def test_a_cursor_holds_only_for_the_feed_and_filters_it_was_given_for(
    registers: GatewayProcess,
) -> None:
    budget = _next_cursor(registers, "budget", "&municipality=19")
    assert fetch(registers, f"/v1/open/budget?municipality=19&cursor={budget}").status == 200

    _assert_refused(fetch(registers, f"/v1/open/permits?cursor={budget}"))
    _assert_refused(fetch(registers, f"/v1/open/budget?municipality=20&cursor={budget}"))
