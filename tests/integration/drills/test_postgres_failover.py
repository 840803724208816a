"""PostgreSQL failover as docs/deployment.md describes it: a row committed with a synchronous
standby survives the primary's kill -9, the transaction in flight fails, the promoted replica
is found by a multi-host client, and the old primary comes back as a standby."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy

from bench.drills.engines import PostgresPair
from bench.drills.engines.process_group import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _rows(dsn: str) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        return [row[0] for row in connection.execute("SELECT note FROM ledger ORDER BY id")]


def _in_recovery(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def test_a_committed_row_survives_failover_and_the_multi_host_client_writes_again(
    postgres_pair: PostgresPair,
) -> None:
    pair = postgres_pair
    old_primary, replica = pair.primary, pair.replica
    with psycopg.connect(pair.multi_host_dsn()) as client:
        assert client.info.port == old_primary.port
        assert client.execute("SHOW synchronous_commit").fetchone() == ("on",)
        client.execute("CREATE TABLE ledger (id serial PRIMARY KEY, note text NOT NULL)")
        client.execute("INSERT INTO ledger (note) VALUES ('committed before the kill')")
        client.commit()
    assert _in_recovery(replica.dsn())
    assert wait_until(
        lambda: _rows(replica.dsn()), timeout_s=60, what="the row on the replica"
    ) == ["committed before the kill"]

    in_flight = psycopg.connect(pair.multi_host_dsn())
    in_flight.execute("INSERT INTO ledger (note) VALUES ('in flight at the kill')")
    pair.kill_node("primary")
    with pytest.raises(psycopg.OperationalError):
        in_flight.commit()
    in_flight.close()

    # Until the promotion no node takes writes: the client is refused, not sent to a standby.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pair.multi_host_dsn()).close()

    pair.promote()
    with psycopg.connect(pair.multi_host_dsn()) as client:
        assert client.info.port == replica.port
        client.execute("INSERT INTO ledger (note) VALUES ('written after the promotion')")
        client.commit()
    assert _rows(replica.dsn()) == ["committed before the kill", "written after the promotion"]

    # The URL the deployment guide gives for GATEWAY_DATABASE_URL reaches the same node.
    engine = sqlalchemy.create_engine(pair.sqlalchemy_url())
    try:
        with engine.connect() as connection:
            port = connection.execute(sqlalchemy.text("SELECT current_setting('port')"))
            assert port.scalar_one() == str(replica.port)
    finally:
        engine.dispose()

    pair.restart_node("primary")
    assert old_primary.role == "replica"
    assert _in_recovery(old_primary.dsn())
    assert wait_until(
        lambda: len(_rows(old_primary.dsn())) == 2, timeout_s=60, what="the rows on the standby"
    )
