"""``serve`` writes its log file, and ``ekomunat-gateway logs`` reads it, as the docs say.

The gateway runs as a real process with ``GATEWAY_LOG_FILE`` pointing into the test's folder
(the default is ``var/gateway.log``) and a small rotation size, so that the rotation by
``RotatingFileHandler`` happens for real.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.fixtures.gateway import GatewayProcess

CEILING_S = 60.0


def test_serve_writes_json_lines_to_its_log_file_rotated_and_logs_reads_them(
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "var" / "gateway.log"
    gateway = GatewayProcess(
        {
            "GATEWAY_LOG_FILE": str(log_file),
            "GATEWAY_LOG_FILE_MAX_BYTES": "20000",
            "GATEWAY_LOG_FILE_BACKUPS": "2",
            # A terminal's format on stderr; the file stays JSON all the same.
            "GATEWAY_LOG_FORMAT": "console",
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            "GATEWAY_OPEN_ENABLED": "false",
        },
        tmp_path / "stderr.log",
    )
    try:
        gateway.wait_ready()
        deadline = time.monotonic() + CEILING_S
        number = 0
        while not (tmp_path / "var" / "gateway.log.1").exists():
            assert time.monotonic() < deadline, "the log file was never rotated"
            number += 1
            request = urllib.request.Request(
                f"{gateway.base}/v1/catalogue/services/birth-certificate",
                headers={"X-Request-Id": f"log-file-{number}"},
            )
            with urllib.request.urlopen(request, timeout=10):
                pass
    finally:
        gateway.stop()

    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert lines and all("event" in line for line in lines)
    assert not (tmp_path / "var" / "gateway.log.3").exists()
    shown = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "logs", str(log_file), "--all", "--color", "never"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert any("log-file-" in json.dumps(line) for line in lines)
    assert "log-file-" in shown.stdout
    assert shown.stdout.count("\n") == len(lines)
