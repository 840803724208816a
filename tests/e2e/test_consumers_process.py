"""``ekomunat-gateway consumers`` as its systemd unit runs it: the API instance consumes
nothing, and a municipality's status updates still reach the portal, recorded by the
stand-alone consumers process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.seed import build_seed
from tests.e2e.test_handoff_flow import MUNICIPALITY, submit_complaint, wait_until_final
from tests.fixtures.broker import private_vhost, vhost_url
from tests.fixtures.broker_users import e2e_party
from tests.fixtures.gateway import GatewayProcess, sandbox_office


@pytest.fixture
def amqp_url():
    with private_vhost("ekomunat-consumers") as vhost:
        yield vhost_url(vhost)


def _wait_for(log: Path, needle: str, process: subprocess.Popen[bytes], timeout_s=120) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8")
        if needle in text:
            return text
        if process.poll() is not None:
            raise AssertionError(f"consumers exited {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"no {needle} in time:\n{log.read_text(encoding='utf-8')[-3000:]}")


def test_the_consumers_process_records_the_updates_the_api_does_not_consume(
    amqp_url: str, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'gateway.db'}"
    shared = {"GATEWAY_DATABASE_URL": database, "GATEWAY_AMQP_URL": amqp_url}
    # The API unit's settings: it writes and relays the outbox, it consumes nothing.
    api = GatewayProcess(
        {
            **shared,
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            "GATEWAY_OPEN_ENABLED": "false",
        },
        tmp_path / "api.log",
    )
    consumers_log = tmp_path / "consumers.log"
    with consumers_log.open("w", encoding="utf-8") as log:
        consumers = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "consumers"],
            # The shared environment file says "off" for the API units; the command runs them.
            env={
                **os.environ,
                **shared,
                "GATEWAY_LOG_FORMAT": "json",
                "GATEWAY_LOG_FILE": "",
                "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        api.wait_ready()
        started = _wait_for(consumers_log, "consumers.running", consumers)
        for worker in ("status-consumer", "complaint-status-consumer", "act-review-consumer"):
            assert worker in started
        assert "outbox-relay" not in started and "open-data-refresher" not in started
        office = e2e_party(amqp_url).municipality(MUNICIPALITY).url
        with sandbox_office(
            "sandbox.backoffice",
            *("--municipality", MUNICIPALITY, "--amqp-url", office),
            *("--database", str(tmp_path / "office.db"), "--decision-delay", "0.2"),
            log_path=tmp_path / "office.log",
        ):
            person = build_seed().person_in(MUNICIPALITY, 2)
            request_id = submit_complaint(api.base, person, "Sporteli ishte i mbyllur.")
            view = wait_until_final(api.base, [request_id])[request_id]

        assert view["history"][-1]["status"] == "approved"
        assert "status.recorded" not in api.log_text()
        assert "status.recorded" in consumers_log.read_text(encoding="utf-8")
    finally:
        api.stop()
        consumers.send_signal(signal.SIGTERM)
        assert consumers.wait(30) == 0
