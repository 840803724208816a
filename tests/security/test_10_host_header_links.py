"""Item 10: the links the gateway publishes never come from the request's Host header.

Attack: ``Host: evil.example`` on a feed request came back in the ``Link`` header of the next
page (and in Open311 discovery's endpoint URL): a shared cache or a crawler would then send the
feed's readers to the attacker. Links are now built from ``GATEWAY_OPEN_PUBLIC_BASE_URL``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fixtures.gateway import GatewayProcess
from tests.fixtures.sandbox import RunningSandbox
from tests.security.public_gateway import fetch, serving_feeds

PUBLIC = "https://open.ekomunat.example"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture(scope="module")
def gateway(
    sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayProcess]:
    directory = tmp_path_factory.mktemp("host-header")
    with serving_feeds(sandbox, directory, GATEWAY_OPEN_PUBLIC_BASE_URL=PUBLIC) as process:
        yield process


@pytest.mark.parametrize("feed", ["budget", "contracting", "contracting/releases", "plans"])
def test_the_next_page_link_names_the_public_origin_whatever_the_host(
    gateway: GatewayProcess, feed: str
) -> None:
    answer = fetch(gateway, f"/v1/open/{feed}?page_size=1&lang=en", headers=EVIL)

    assert answer.status == 200, answer.text
    link = answer.headers["link"]
    assert "evil.example" not in link and "evil.example" not in answer.text
    target = link.split(">", 1)[0].removeprefix("<")
    assert target.startswith(f"{PUBLIC}/v1/open/{feed}?") and 'rel="next"' in link
    # The link leads to the next page when followed on the gateway itself.
    followed = fetch(gateway, target.removeprefix(PUBLIC))
    assert followed.status == 200, followed.text


def test_open311_discovery_names_the_public_origin_whatever_the_host(
    gateway: GatewayProcess,
) -> None:
    answer = fetch(gateway, "/open311/discovery.json", headers=EVIL)

    assert answer.status == 200, answer.text
    (endpoint,) = json.loads(answer.body)["endpoints"]
    assert endpoint["url"] == f"{PUBLIC}/open311/v2"
    assert "evil.example" not in answer.text
