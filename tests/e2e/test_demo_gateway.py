"""``make run``'s gateway, built from the demo's own building blocks, as a user meets it.

``gateway.demo.start_sandbox`` and ``start_gateway`` start the sandbox launcher and
``ekomunat-gateway serve`` exactly as ``ekomunat-gateway demo`` does (its own store, a private
RabbitMQ vhost, free ports). Every ``/v1/open/...`` feed must answer 200 with data once its
first refresh is done; then schemathesis sends generated requests to every operation of the
gateway's own ``/openapi.json`` and holds each answer to the document: no 5xx (a registry that
really is down keeps its documented 502-504 problem), no status code the document does not list.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies
from schemathesis.specs.openapi.checks import status_code_conformance

from gateway.demo import start_gateway, start_sandbox
from tests.fixtures.gateway import OPERATOR_KEY, PORTAL_KEY, http_json

FIRST_REFRESH_CEILING_S = 180.0
"""The demo refreshes all 38 municipalities; on two busy cores the first refresh can be slow."""

FEEDS = (
    "/v1/open/budget",
    "/v1/open/revenues",
    "/v1/open/contracting",
    "/v1/open/contracting/records",
    "/v1/open/contracting/releases",
    "/v1/open/plans",
    "/v1/open/permits",
    "/v1/open/acts",
    "/v1/open/hearings",
    "/v1/open/assembly-members",
    "/v1/open/assembly-sessions",
    "/v1/open/assembly-votes",
    "/v1/open/assembly-member-votes",
    "/v1/open/assembly-attendance",
    "/v1/open/assembly-decisions",
    "/v1/open/mayor-meetings",
    "/v1/open/questions",
    "/v1/open/question-statistics",
    "/v1/open/petitions",
    "/v1/open/municipalities",
)
FED_BY_A_SOURCE = FEEDS[:7]
"""The feeds a transparency source fills (acts and hearings are the gateway's own registers,
empty until a municipality publishes)."""

MUNICIPALITY_KEY = "ekomunat-dev-municipality-19-key"
UNAVAILABLE = ("unavailable", "timeout", "overloaded")
"""Endings of the documented problem codes of a part that is really down or saturated."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _open_data_sources(base: str) -> dict[str, str]:
    _status, _headers, body = http_json("GET", f"{base}/ready")
    component = next(c for c in body["components"] if c["name"] == "open_data")
    return {source["name"]: source["status"] for source in component["sources"]}


@pytest.fixture(scope="module")
def demo_gateway(tmp_path_factory: pytest.TempPathFactory, amqp_url: str) -> Iterator[str]:
    """The demo's sandbox and gateway; yields the gateway's base URL after the first refresh."""
    log_dir: Path = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "GATEWAY_LOG_FORMAT": "json",
        "GATEWAY_AMQP_URL": amqp_url,
    }
    with ExitStack() as stack:
        endpoints = start_sandbox(stack, log_dir, env)
        base, _gateway = start_gateway(stack, log_dir, env, endpoints, _free_port())
        deadline = time.monotonic() + FIRST_REFRESH_CEILING_S
        while set(_open_data_sources(base).values()) != {"ready"}:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"open data not ready after the first refresh: {_open_data_sources(base)}; "
                    f"see {log_dir}/gateway.log"
                )
            time.sleep(0.5)
        yield base


def test_every_open_data_feed_answers_200_with_data_after_the_first_refresh(
    demo_gateway: str,
) -> None:
    empty = []
    for feed in FEEDS:
        with urllib.request.urlopen(f"{demo_gateway}{feed}", timeout=30) as response:
            assert response.status == 200, feed
            body = json.load(response)
        # A feed's rows are under "data"; the OCDS packages hold "releases" or "records".
        rows = next(
            (body[key] for key in ("data", "releases", "records", "municipalities") if key in body),
            None,
        )
        if feed in FED_BY_A_SOURCE and not rows:
            empty.append(feed)
    assert not empty, f"feeds without data: {empty}"


def _keys_for(path: str) -> dict[str, str]:
    """The development key an operation's real caller holds (the README's keys)."""
    if path.startswith(("/v1/ops", "/metrics")):
        key = OPERATOR_KEY
    elif path.startswith(("/v1/acts", "/v1/hearings", "/v1/questions")):
        key = MUNICIPALITY_KEY
    else:
        key = PORTAL_KEY
    return {"Authorization": f"Bearer {key}"}


@schemathesis.check
def no_server_error_but_a_documented_outage(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """A 5xx is a failure, unless it is a documented problem of a part that is really down
    or saturated (``registry.civil.unavailable``, ``open.source.unavailable``, …)."""
    if response.status_code < 500:
        return None
    try:
        code = str(json.loads(response.content).get("code", ""))
    except (ValueError, AttributeError):
        code = ""
    if response.status_code in (502, 503, 504) and code.endswith(UNAVAILABLE):
        return None
    raise AssertionError(f"{response.status_code} {code or response.content[:200]!r}")


EXAMPLES_PER_OPERATION = 12
"""Bounded: about fifty operations times this stays within a couple of minutes on two cores."""
FEWER_EXAMPLES = {"/v1/ops/log/stream": 2}
"""A following log stream lasts its full lifetime (10 s) before it answers whole."""


def _exercise(operation: schemathesis.APIOperation) -> None:
    """One operation as a bounded Hypothesis test: generated requests, each answer checked."""
    headers = _keys_for(operation.path)

    @given(
        case=strategies.one_of(
            operation.as_strategy(),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )
    )
    @settings(
        max_examples=FEWER_EXAMPLES.get(operation.path, EXAMPLES_PER_OPERATION),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[no_server_error_but_a_documented_outage, status_code_conformance],
            timeout=30,
        )

    run()


def test_generated_requests_get_only_documented_answers(demo_gateway: str) -> None:
    """Every operation of the served document, each answer held to it; all failures listed.

    The operations are run one by one in this test (schemathesis's lazy pytest loader does not
    work with the pytest this suite runs), each as its own Hypothesis test of bounded size.
    """
    api = schemathesis.openapi.from_url(f"{demo_gateway}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _exercise(operation)
        except (Exception, BaseExceptionGroup) as failure:  # every operation, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert operations > 40
    assert not failures, "\n\n".join(failures)
