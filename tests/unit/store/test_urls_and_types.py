"""Store plumbing that needs no database server: URLs, time stamps, backlog ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from gateway.store import OutboxStats, normalise_url
from gateway.store.tables import UtcDateTime


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://postgres@db:5432/gateway", "postgresql+psycopg"),
        ("postgres://postgres@db/gateway", "postgresql+psycopg"),
        ("postgresql+psycopg://postgres@db/gateway", "postgresql+psycopg"),
        ("sqlite:///var/gateway.db", "sqlite+pysqlite"),
    ],
)
def test_urls_get_the_drivers_we_ship(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://db/gateway"])
def test_urls_the_store_cannot_serve_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(url)


def test_timestamps_are_stored_as_utc_and_come_back_aware() -> None:
    column = UtcDateTime()
    tirana_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=tirana_summer)

    on_sqlite = column.process_bind_param(moment, sqlite.dialect())
    on_postgres = column.process_bind_param(moment, postgresql.dialect())
    assert on_sqlite == datetime(2026, 7, 1, 10, 0)
    assert on_postgres == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert column.process_result_value(on_sqlite, sqlite.dialect()) == moment


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        UtcDateTime().process_bind_param(datetime(2026, 7, 1, 12, 0), sqlite.dialect())
    to_text = UtcDateTime().bind_processor(sqlite.dialect())
    assert to_text is not None
    with pytest.raises(ValueError, match="aware"):
        to_text(datetime(2026, 7, 1, 12, 0))


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_sqlite_text_is_what_sqlalchemys_datetime_writes(moment: datetime) -> None:
    """Rows the store wrote before the fast processor, and rows Core writes through the
    decorator's own conversion, must compare as equals with the ones written now."""
    dialect = sqlite.dialect()
    column = UtcDateTime()
    ours = column.bind_processor(dialect)
    theirs = column.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and theirs is not None
    assert ours(moment) == theirs(column.process_bind_param(moment, dialect))
    assert ours(None) is None


def test_an_empty_backlog_has_no_age() -> None:
    assert OutboxStats(depth=0, oldest_created_at=None).oldest_age_s(datetime.now(UTC)) == 0.0
