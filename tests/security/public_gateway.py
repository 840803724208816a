"""The gateway as a real process serving its public feeds, for the attacks of tests/security.

``bare_gateway`` starts the process with no broker workers and no feeds; ``public_gateway``
(module scope) starts ``ekomunat-gateway serve`` on a free port, with the
sandbox registries and transparency sources behind it, a fresh SQLite store and the broker
workers off (nothing here needs the broker), and waits until the first feed refresh is in.
``fetch`` makes one raw HTTP exchange, any header included (``Host`` too), without raising on
a 4xx or 5xx.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.gateway import GatewayProcess
from tests.fixtures.open_data import source_environment
from tests.fixtures.sandbox import RunningSandbox
from tests.integration.relay.probes import wait_until


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    gateway: GatewayProcess,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One exchange over a fresh connection; header names come back lower-cased."""
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    try:
        # skip_host: the test's own Host header (if any) is the only one sent.
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{gateway.port}", **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in sent.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


SOURCED_FEEDS = ("budget", "revenues", "contracting", "plans", "permits")
"""The feeds that come from the sandbox sources: each answers 200 once its source was read."""


@contextmanager
def bare_gateway(directory: Path, **environment: str) -> Iterator[GatewayProcess]:
    """The gateway process on a fresh store in ``directory``: no broker workers, no feed
    refresher; its JSON log in ``directory / "gateway.log"`` (readable after the block)."""
    gateway = GatewayProcess(
        {
            "GATEWAY_DATABASE_URL": f"sqlite:///{directory / 'gateway.db'}",
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
            "GATEWAY_OPEN_ENABLED": "false",
            **environment,
        },
        directory / "gateway.log",
    )
    try:
        gateway.wait_ready()
        yield gateway
    finally:
        gateway.stop()


@contextmanager
def serving_feeds(
    sandbox: RunningSandbox, directory: Path, **environment: str
) -> Iterator[GatewayProcess]:
    """The gateway process on a fresh store in ``directory``, once every sourced feed is in."""
    settings = {**source_environment(sandbox), "GATEWAY_OPEN_ENABLED": "true", **environment}
    with bare_gateway(directory, **settings) as gateway:
        for feed in SOURCED_FEEDS:
            wait_until(
                lambda feed=feed: fetch(gateway, f"/v1/open/{feed}?page_size=1").status == 200,
                timeout_s=90,
                what=f"the first refresh of /v1/open/{feed}",
            )
        yield gateway


@pytest.fixture(scope="module")
def public_gateway(
    sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayProcess]:
    with serving_feeds(sandbox, tmp_path_factory.mktemp("public-gateway")) as gateway:
        yield gateway
