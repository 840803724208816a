"""`python -m sandbox` as an operator uses it: flags at start, clean stop, clear failures."""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper (an orphan's new parent may not be
    init, and may not reap it at once)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _until(check, what: str, ceiling_s: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + ceiling_s
    while not (result := check()):
        assert time.monotonic() < deadline, f"not within {ceiling_s} s: {what}"
        time.sleep(0.2)
    return result


def test_a_launcher_started_in_the_background_outlives_its_shell_unless_asked(tmp_path) -> None:
    """``cmd &`` from a script that then exits: the launcher keeps serving; the one started
    with ``--exit-with-parent`` beside it (as test fixtures do) stops once its shell is gone."""
    python = shlex.quote(sys.executable)
    script = (
        f"{python} -m sandbox --port-base 0 --persons 300 > kept.out 2>&1 & echo $!; "
        f"{python} -m sandbox --port-base 0 --persons 300 --exit-with-parent > tied.out 2>&1 & "
        "echo $!; "
        # the script goes on until both serve, then exits
        "until grep -qs 'sandbox ready' kept.out && grep -qs 'sandbox ready' tied.out; "
        "do sleep 0.2; done"
    )
    shell = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    kept, tied = (int(pid) for pid in shell.stdout.split())
    try:
        _until(lambda: not _alive(tied), "the tied launcher to stop with its shell")
        civil = next(
            line.split()[1].removeprefix("url=")
            for line in (tmp_path / "kept.out").read_text().splitlines()
            if line.startswith("civil ")
        )
        assert _alive(kept)
        assert httpx.get(f"{civil}?wsdl", timeout=10).status_code == 200
    finally:
        for pid in (kept, tied):
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)  # a zombie ignores it harmlessly
        _until(lambda: not _alive(kept), "the kept launcher to stop on SIGTERM")
