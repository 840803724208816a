"""The fail-over drill, short: two instances behind nginx on the RabbitMQ cluster and the
PostgreSQL pair, one of them killed -9 under load; no accepted application is lost or handed
to its back-office under two message ids (``python -m bench.drills.run failover`` is the
whole drill, with its ledgers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.drills.engines.pg_replica import postgres_bin_dir
from bench.drills.engines.process_group import EngineError
from bench.drills.engines.rabbit_cluster import RABBITMQ_BIN
from bench.drills.failover import Timing, drill
from bench.drills.nginx import nginx_available

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def _engines_or_fail() -> None:
    """The README's test command installs every engine (scripts/ensure-services.sh): one
    missing here is a broken set-up, said loudly rather than skipped."""
    if not (RABBITMQ_BIN / "rabbitmq-server").exists():
        pytest.fail(f"no rabbitmq-server in {RABBITMQ_BIN}: run `make services`")
    try:
        if not (postgres_bin_dir() / "pg_basebackup").exists():
            pytest.fail("no pg_basebackup: run `make services`")
    except EngineError as exc:
        pytest.fail(f"{exc}: run `make services`")
    if not nginx_available():
        pytest.fail("no nginx: run `make services`")


def test_a_killed_instance_loses_and_duplicates_no_accepted_application(tmp_path: Path) -> None:
    _engines_or_fail()
    timing = Timing(
        warm_s=2.0, outage_s=0.0, after_s=2.0, drain_s=120.0, rate=10.0, decision_delay_s=1.0
    )
    (ledger,), _workers = drill(["instance-kill"], timing, tmp_path)
    assert ledger.accepted > 20, ledger
    assert ledger.lost == 0, ledger.lost_request_ids
    assert ledger.duplicates_other_message_id == 0, ledger
    assert ledger.delivered_once == ledger.accepted
