"""Issue 16, item 3: a production gateway refuses to start with development credentials.

The README publishes the development keys, routing.yaml's defaults are their hashes, and
RabbitMQ's ``guest`` user is the broker default: a production gateway left with any of them
is open to whoever read the README. Each test starts the real ``ekomunat-gateway serve``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.fixtures.gateway import (
    OPERATOR_KEY,
    GatewayProcess,
    http_json,
    production_audit_keys,
)

KEY_VARIABLES = (
    "GATEWAY_PORTAL_KEY_SHA256",
    "GATEWAY_OPERATOR_KEY_SHA256",
    "GATEWAY_COMPLAINTS_APP_KEY_SHA256",
    "GATEWAY_MUNICIPALITY_19_KEY_SHA256",
    "GATEWAY_MUNICIPALITY_20_KEY_SHA256",
    "GATEWAY_MUNICIPALITY_13_KEY_SHA256",
)
START_CEILING_S = 120


def _quiet(database: Path) -> dict[str, str]:
    """A gateway that contacts nothing while it starts: the broker workers and the feeds off."""
    return {
        "GATEWAY_ENVIRONMENT": "production",
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "GATEWAY_RELAY_ENABLED": "false",
        "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        "GATEWAY_OPEN_ENABLED": "false",
        "GATEWAY_LOG_FORMAT": "json",
    }


def _serve_until_exit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", "0"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=START_CEILING_S,
        check=False,
    )


def test_production_with_the_readme_credentials_refuses_to_start_naming_each_setting(
    tmp_path: Path,
) -> None:
    started = _serve_until_exit(
        {**_quiet(tmp_path / "gateway.db"), "GATEWAY_CALLBACK_SECRET": "only-a-callback-secret"}
    )

    assert started.returncode != 0
    for variable in (
        *KEY_VARIABLES,
        "GATEWAY_CALLBACK_SECRET",
        "GATEWAY_OPEN_CURSOR_SECRET",
        "GATEWAY_AMQP_URL",
        "GATEWAY_AUDIT_LOOKUP_KEY",
        "GATEWAY_AUDIT_SIGNING_KEY",
        "GATEWAY_PARTICIPATION_SIGNER_KEY",
    ):
        assert variable in started.stderr, started.stderr
    assert "Traceback" not in started.stderr


def test_production_refuses_the_development_callback_secret_and_a_guest_broker_user(
    tmp_path: Path,
) -> None:
    env = _quiet(tmp_path / "gateway.db")
    for variable in KEY_VARIABLES:
        env[variable] = hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()
    env["GATEWAY_AMQP_URL"] = f"amqp://guest:{secrets.token_urlsafe(32)}@127.0.0.1:5672/%2F"

    started = _serve_until_exit(env)

    assert started.returncode != 0
    refused = started.stderr.split("production refuses these settings:", 1)[1]
    assert "GATEWAY_CALLBACK_SECRET: the development value" in refused
    assert "GATEWAY_AMQP_URL" in refused
    assert not any(variable in refused for variable in KEY_VARIABLES)


def test_production_with_its_own_credentials_starts_and_refuses_the_readme_operator_key(
    tmp_path: Path,
) -> None:
    env = _quiet(tmp_path / "gateway.db")
    keys = {variable: secrets.token_urlsafe(32) for variable in KEY_VARIABLES}
    for variable, key in keys.items():
        env[variable] = hashlib.sha256(key.encode()).hexdigest()
    env["GATEWAY_CALLBACK_SECRET"] = secrets.token_urlsafe(32)
    env["GATEWAY_OPEN_CURSOR_SECRET"] = secrets.token_urlsafe(32)
    env.update(production_audit_keys())
    # The broker is never contacted (workers off); its credentials are checked all the same.
    env["GATEWAY_AMQP_URL"] = (
        f"amqp://ekomunat-gateway:{secrets.token_urlsafe(32)}@127.0.0.1:5672/%2F"
    )
    gateway = GatewayProcess(env, tmp_path / "gateway.log")
    try:
        gateway.wait_ready(START_CEILING_S)
        readme, _, _ = http_json(
            "GET",
            f"{gateway.base}/v1/ops/whoami",
            headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
        )
        own, _, who = http_json(
            "GET",
            f"{gateway.base}/v1/ops/whoami",
            headers={"Authorization": f"Bearer {keys['GATEWAY_OPERATOR_KEY_SHA256']}"},
        )
    finally:
        gateway.stop()

    assert readme == 401
    assert (own, who) == (200, {"operator": "operations-desk"})
