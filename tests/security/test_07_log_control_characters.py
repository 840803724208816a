"""Item 7: a client cannot write a fake line onto an operator's screen through the log.

Attack: a service code carrying ESC and a newline. The JSON log escapes both, but
``ekomunat-gateway logs`` decoded the record and printed the value raw: the newline made a
fake second record, and ESC sequences can clear or recolour the terminal. The command now
escapes every control character it renders, and the portal's service code and municipality
are checked for form before the intake logs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
import uuid
from pathlib import Path

from tests.fixtures.gateway import http_json, portal_headers
from tests.security.public_gateway import bare_gateway

EVIL_SERVICE = "birth-certificate\x1b[2J\x1b[32m\n14:03:12.345 published     confirmed"
RECORDS = [
    {
        "event": "route.received",
        "hop": "received",
        "outcome": "received",
        "service": EVIL_SERVICE,
        "municipality": "19\r\x07",
        "request_id": str(uuid.uuid4()),
        "timestamp": "2026-12-02T14:03:12.345678Z",
        "level": "info",
    },
    {
        "event": "route.refused",
        "hop": "refused",
        "outcome": "request.payload.invalid",
        "reason": "bad\u2028line\x85break\x9b31m",
        "request_id": str(uuid.uuid4()),
        "timestamp": "2026-12-02T14:03:12.400000Z",
        "level": "info",
    },
]


def _control_characters(text: str) -> set[str]:
    return {ch for ch in text if unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch != "\n"}


def _logs_command(log_file: Path, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "logs", str(log_file), *arguments],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return completed.stdout.decode("utf-8")


def test_the_logs_command_shows_one_escaped_line_per_record(tmp_path: Path) -> None:
    log_file = tmp_path / "gateway.log"
    log_file.write_text("".join(json.dumps(record) + "\n" for record in RECORDS))

    output = _logs_command(log_file, "--color", "never")

    lines = output.splitlines()
    assert len(lines) == len(RECORDS), output
    assert not _control_characters(output), output
    assert "birth-certificate\\x1b[2J" in lines[0]
    assert RECORDS[0]["request_id"] in lines[0] and RECORDS[1]["request_id"] in lines[1]


def test_in_colour_the_only_escape_sequences_are_the_commands_own(tmp_path: Path) -> None:
    log_file = tmp_path / "gateway.log"
    log_file.write_text("".join(json.dumps(record) + "\n" for record in RECORDS))

    output = _logs_command(log_file, "--color", "always", "--all")

    assert len(output.splitlines()) == len(RECORDS), output
    assert "\x1b[2J" not in output and "\r" not in output and "\x07" not in output


def test_the_gateway_refuses_a_service_code_with_control_characters_before_logging_it(
    tmp_path: Path,
) -> None:
    body = {"service": EVIL_SERVICE, "municipality": "19", "language": "en", "form": {}}
    with bare_gateway(tmp_path) as gateway:
        status, headers, problem = http_json(
            "POST", f"{gateway.base}/v1/requests", body, portal_headers()
        )

    assert status == 422 and problem["code"] == "request.payload.invalid"
    assert headers["content-type"].startswith("application/problem+json")
    lines = [line for line in gateway.log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, "the gateway logged nothing"
    assert not any("\x1b" in json.dumps(r, ensure_ascii=False) for r in records)
    shown = _logs_command(gateway.log_path, "--all", "--color", "never")
    assert len(shown.splitlines()) == len(lines) and not _control_characters(shown)
