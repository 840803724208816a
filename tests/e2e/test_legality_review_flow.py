"""A municipality's acts reviewed by the ministry, through real processes only.

The gateway runs as ``ekomunat-gateway serve`` (relay and decision consumer inside), the
reference ministry as ``python -m sandbox.ministry``, RabbitMQ in a private virtual host. The
municipality's client speaks HTTP with its development key; the public reads the register. The
ministry's own SQLite file witnesses what reached it, and how often.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.broker import private_vhost, vhost_url
from tests.fixtures.broker_users import e2e_party
from tests.fixtures.gateway import (
    GatewayProcess,
    http_json,
    registry_environment,
    sandbox_office,
)
from tests.fixtures.participation import act_body, municipality_headers

FINAL = {"found_lawful", "reconsidered", "referred_to_court", "withdrawn"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("legality-review")


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    with private_vhost("ekomunat-e2e-acts") as vhost:
        yield vhost_url(vhost)


@pytest.fixture(scope="module")
def gateway(sandbox: Any, amqp_url: str, folder: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_OPEN_ENABLED": "false",
        },
        folder / "gateway.log",
    )
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def ministry(amqp_url: str, folder: Path, gateway: GatewayProcess) -> Iterator[Path]:
    database = folder / "ministry.db"
    with sandbox_office(
        "sandbox.ministry",
        *("--amqp-url", e2e_party(amqp_url).ministry().url),
        *("--database", str(database), "--decision-delay", "0.3"),
        log_path=folder / "ministry.log",
    ):
        yield database


def _review(base: str, act_id: str, code: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        _status, _headers, view = http_json(
            "GET", f"{base}/v1/acts/{act_id}", headers=municipality_headers(code)
        )
        if view.get("review_state") in FINAL:
            return view
        time.sleep(0.3)
    raise AssertionError(f"not decided in time: {view.get('review_state')}")


def test_an_act_reaches_the_ministry_once_and_its_decision_reaches_the_public(
    gateway: GatewayProcess, ministry: Path
) -> None:
    body = act_body(
        f"02-{uuid.uuid4().hex[:6]}/2026",
        municipality="20",
        kind="mayor_decision",
        title={"sq": "Vendim për orarin e tregut", "sr": "Odluka o radnom vremenu pijace"},
    )
    status, headers, accepted = http_json(
        "POST", f"{gateway.base}/v1/acts", body, municipality_headers("20")
    )
    assert status == 202, accepted
    act_id = accepted["act_id"]

    view = _review(gateway.base, act_id, "20")

    assert [event["state"] for event in view["history"]] == [
        "submitted",
        "received",
        "under_review",
        "found_lawful",
    ]
    assert view["history"][-1]["source"] == "ministry:mapl"
    with sqlite3.connect(ministry) as db:
        kept = [row[0] for row in db.execute("SELECT act_id FROM submissions")]
    assert kept.count(act_id) == 1
    _status, _headers, register = http_json(
        "GET", f"{gateway.base}/v1/open/acts?municipality=prizren&lang=en"
    )
    (row,) = [item for item in register["data"] if item["act_id"] == act_id]
    assert (row["review_state_name"], row["issuer_name"]) == ("Found lawful", "Mayor")
    assert row["decided_at"] is not None and row["ministry_documents"]
    assert headers["location"] == f"/v1/acts/{act_id}"
