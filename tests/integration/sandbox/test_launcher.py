"""`python -m sandbox` as an operator uses it: flags at start, clean stop, clear failures."""

import signal
import socket
import subprocess
import sys

import httpx
import pytest

from tests.fixtures.sandbox import REPO_ROOT, SandboxProcess
from tests.integration.sandbox.wire import CIVIL_NS, call_soap, fault_detail

SMALL = ("--persons", "300")
SMALL_PERSONS = 300


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_launcher_applies_start_flags_and_stops_cleanly_on_signal(signum: int) -> None:
    process = SandboxProcess(
        ("--fault", "civil:failure_rate=1", "--fault", "all:latency_ms=1"), persons=SMALL_PERSONS
    )
    try:
        running = process.wait_ready()
        assert running.faults("civil")["failure_rate"] == 1
        assert running.faults("cadastre")["latency_ms"] == 1
        person = running.seed.alive_parcel_owner()
        response = call_soap(
            running.civil_url, CIVIL_NS, "GetPerson", "personalNumber", person.personal_number
        )
        assert fault_detail(response, CIVIL_NS)[1] == "ServiceUnavailableFault"
        process.process.send_signal(signum)
        assert process.process.wait(timeout=30) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(running.civil_wsdl_url)
    finally:
        process.stop()


def test_launcher_rejects_a_bad_fault_flag() -> None:
    result = _run(*SMALL, "--port-base", "0", "--fault", "civil:speed=11")
    assert result.returncode == 2
    assert "speed" in result.stderr


def test_launcher_reports_a_busy_port_and_exits_non_zero() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(*SMALL, "--port-base", str(port - 1))
    assert result.returncode == 1
    # civil's port is the one held here; on a busy machine another of the range may be taken
    # too (a client's ephemeral port) and be the one reported first: either is a clear refusal.
    assert "failed to start" in result.stderr
    assert "address already in use" in result.stderr
    assert "sandbox ready" not in result.stdout
