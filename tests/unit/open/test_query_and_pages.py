"""Feed queries and pages without any server: strict filters, cursors, CSV, freshness."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from contracts.catalogue import load_catalogue
from contracts.open_records import FiscalYears
from gateway.open.cursors import CursorSigner
from gateway.open.feeds import FeedStore, Snapshot, digest_of
from gateway.open.pages import csv_bytes, freshness, page_of
from gateway.open.query import parse_query
from gateway.open.views import FeedRows, summarise_process
from gateway.refusals import PROBLEM_CODES, Refusal

CATALOGUE = load_catalogue()
CURSORS = CursorSigner(b"unit-test-secret")


def parse(**params: str):  # type: ignore[no-untyped-def]
    return parse_query(
        "budget",
        params,
        catalogue=CATALOGUE,
        language="en",
        formats=("json", "csv"),
        choices={"economic_category": ("wages", "subsidies")},
        default_page_size=100,
        max_page_size=1000,
        cursors=CURSORS,
        with_month=True,
    )


def test_a_slug_names_the_same_municipality_as_its_code():
    assert parse(municipality="prishtine").municipality == "19"
    assert parse(municipality="19").municipality == "19"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"municipality": "00"}, "open.municipality.unknown"),
        ({"year": "2o25"}, "open.filter.invalid"),
        ({"economic_category": "other"}, "open.filter.invalid"),
        ({"page_size": "1001"}, "open.page_size.too_large"),
        ({"page_size": "0"}, "open.filter.invalid"),
        ({"municipalty": "19"}, "open.filter.invalid"),
        ({"format": "xml"}, "open.format.unsupported"),
        ({"cursor": "%%%"}, "open.cursor.invalid"),
    ],
)
def test_every_bad_filter_has_its_own_stable_code(params, code):
    with pytest.raises(Refusal) as raised:
        parse(**params)
    assert raised.value.code == code
    assert 400 <= raised.value.status < 500


def test_every_problem_has_a_title_in_each_display_language():
    codes = [code for code in PROBLEM_CODES.codes() if code.startswith("open.")]
    assert codes
    for code in codes:
        assert len({PROBLEM_CODES.title(code, language) for language in ("sq", "sr", "en")}) == 3


def test_a_cursor_round_trips_and_pages_continue_after_its_key():
    rows = FeedRows()
    for number in range(10):
        rows.add(("19", f"{number:02d}"), {"n": number})
    first, cursor = page_of(rows, parse(page_size="4"), CURSORS)
    assert [r["n"] for r in first] == [0, 1, 2, 3]
    listing = parse().listing()
    assert CURSORS.open(listing, CURSORS.issue(listing, ("19", "03"))) == ("19", "03")
    second, then = page_of(rows, parse(page_size="4", cursor=cursor or ""), CURSORS)
    assert [r["n"] for r in second] == [4, 5, 6, 7]
    last, end = page_of(rows, parse(page_size="4", cursor=then or ""), CURSORS)
    assert [r["n"] for r in last] == [8, 9] and end is None


def test_a_cursor_signed_with_another_secret_is_refused():
    foreign = CursorSigner(b"another-deployment").issue(parse().listing(), ("19", "03"))
    with pytest.raises(Refusal) as raised:
        parse(cursor=foreign)
    assert raised.value.code == "open.cursor.invalid"


def test_csv_spreads_monthly_amounts_over_twelve_columns():
    body = csv_bytes(
        [{"line_id": "x", "executed_by_month": [1.5, 2.0], "suppliers": ["A", "B"]}],
        ("line_id", "executed_by_month", "suppliers"),
    )
    (row,) = list(csv.DictReader(io.StringIO(body.decode())))
    assert row["executed_m01"] == "1.5" and row["executed_m02"] == "2.0"
    assert row["executed_m12"] == "" and row["suppliers"] == "A | B"


def test_a_failed_refresh_keeps_the_data_and_makes_it_stale():
    store = FeedStore()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    key = ("years", "treasury", None)
    assert store.put(key, FiscalYears(years=(2025,)), start)
    store.failed(key, "registry.treasury.unavailable", start + timedelta(seconds=20))
    later = freshness(store, [key], start + timedelta(seconds=45))
    assert store.get(key) is not None
    assert later.stale and later.age_s == 45
    assert not store.put(key, FiscalYears(years=(2025,)), start + timedelta(seconds=50))
    again = freshness(store, [key], start + timedelta(seconds=51))
    assert not again.stale and again.age_s == 1


def test_the_very_record_again_confirms_the_data_without_changing_it():
    # The remembering adapter hands back the same object for the same answer bytes.
    store = FeedStore()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    key = ("years", "treasury", None)
    record = FiscalYears(years=(2025,))
    assert store.put(key, record, start)
    generation = store.generation
    store.failed(key, "registry.treasury.unavailable", start + timedelta(seconds=20))
    assert not store.put(key, record, start + timedelta(seconds=40))
    snapshot = store.get(key)
    assert snapshot is not None and snapshot.fetched_at == start + timedelta(seconds=40)
    assert snapshot.changed_at == start and store.generation == generation
    assert not freshness(store, [key], start + timedelta(seconds=41)).stale


def test_after_a_restart_the_fetched_record_replaces_the_loaded_one_of_equal_content():
    # Kept from the database, the snapshot holds another object than the adapter returns;
    # once confirmed, the store holds the adapter's, so its next return is known at once.
    store = FeedStore()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    key = ("years", "treasury", None)
    loaded = FiscalYears(years=(2025,))
    store.load([(key, Snapshot(loaded, digest_of(loaded), start, start))])
    fetched = FiscalYears(years=(2025,))

    assert not store.put(key, fetched, start + timedelta(seconds=20))
    snapshot = store.get(key)
    assert snapshot is not None and snapshot.record is fetched
    assert snapshot.changed_at == start
    assert store.take_changes().changed == ()


def test_a_process_summary_follows_its_releases_in_date_order():
    releases = [
        {
            "date": "2025-03-01T09:00:00Z",
            "tag": ["award"],
            "awards": [{"id": "a", "value": {"amount": 90.0}, "suppliers": [{"name": "Dardania"}]}],
        },
        {
            "date": "2025-02-01T09:00:00Z",
            "tag": ["tender"],
            "tender": {
                "id": "t",
                "title": "Asfaltimi",
                "value": {"amount": 100.0},
                "mainProcurementCategory": "works",
            },
        },
        {
            "date": "2025-04-01T09:00:00Z",
            "tag": ["implementation"],
            "contracts": [
                {
                    "id": "c",
                    "awardID": "a",
                    "status": "active",
                    "implementation": {
                        "transactions": [
                            {"id": "p1", "value": {"amount": 30.0}},
                            {"id": "p2", "value": {"amount": 20.5}},
                        ]
                    },
                }
            ],
        },
    ]
    summary = summarise_process(releases)
    assert summary["stage"] == "implementation" and summary["paid"] == 5050
    assert summary["title"] == "Asfaltimi" and summary["suppliers"] == ["Dardania"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_a_spreadsheet_would_evaluate_is_written_as_text(start):
    body = csv_bytes([{"title": f"{start}1+1", "amount": -12.5}], ("title", "amount"))

    (row,) = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert row["title"] == f"'{start}1+1"
    assert row["amount"] == "-12.5"
