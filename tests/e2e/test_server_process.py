"""The gateway starts as a real process, the way an operator starts it, and answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_health_and_publishes_openapi(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_LOG_FORMAT": "json",
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "GATEWAY_RELAY_ENABLED": "false",
        "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    health = json.load(response)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read().decode()) from None
                time.sleep(0.2)
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as response:
            openapi = json.load(response)

        assert health == {"status": "ok"}
        assert "/v1/catalogue/services" in openapi["paths"]
    finally:
        process.terminate()
        process.wait(timeout=20)
