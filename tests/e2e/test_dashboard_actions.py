"""Every operator action of the dashboard, in a real headless Chromium against a real gateway.

Each test does what an operator does (click, tick, type), checks what the operator would see,
and reads the same numbers from ``/v1/ops`` with the operator's key: the page must show what
the API says. None of them may leave a script error in the browser's console.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pika
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from adapters.amqp.topology import TopologyNames
from gateway.ops.dead_letters import REPLAY_HEADER
from gateway.settings import REPO_ROOT
from gateway.store import Store
from tests.fixtures.browser import (
    SESSION_COOKIE,
    Dashboard,
    birth_certificate,
    dead_letters_from_the_consumer,
)
from tests.fixtures.gateway import GatewayProcess
from tests.integration.relay.probes import drain

CIVIL = '#registries tr[data-registry="civil"]'


def _closed_port() -> int:
    """A loopback port nothing listens on: every connection to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _page_breakers(dashboard: Dashboard) -> dict[str, str]:
    """Each registry's breaker as the registries table shows it."""
    return dict(
        dashboard.read(
            """return Array.from(document.querySelectorAll("#registries tbody tr"),
                (row) => [row.dataset.registry, row.querySelector(".badge").textContent]);"""
        )
    )


def _api_breakers(dashboard: Dashboard) -> dict[str, str]:
    status, breakers = dashboard.api("GET", "breakers")
    assert status == 200, breakers
    return {breaker["registry"]: breaker["state"] for breaker in breakers}


def _shown_lines(dashboard: Dashboard) -> list[tuple[str, str]]:
    """(request id, hop) of each live-log line the operator can see, newest first."""
    return [
        (str(request_id), str(hop))
        for request_id, hop in dashboard.read(
            """return Array.from(document.querySelectorAll("#live-log li"))
                .filter((line) => line.checkVisibility())
                .map((line) => [line.dataset.requestId || "", line.dataset.hop || ""]);"""
        )
    ]


def _lines_of(dashboard: Dashboard, request_id: str) -> list[str]:
    """The hops the page shows for one request, newest first."""
    return [hop for shown, hop in _shown_lines(dashboard) if shown == request_id]


def _api_hops(dashboard: Dashboard, request_id: str) -> list[str]:
    """The request's hops in the API's copy of the live log, newest first as on the page."""
    status, log = dashboard.api("GET", f"log?request_id={request_id}&routing_only=true")
    assert status == 200, log
    return [line["hop"] for line in reversed(log["lines"])]


def _answered(dashboard: Dashboard, request_id: str) -> None:
    dashboard.element(f'#live-log li[data-request-id="{request_id}"][data-hop="answered"]')


def _certificate(sandbox, dashboard: Dashboard) -> str:  # type: ignore[no-untyped-def]
    """A birth certificate the gateway issued; its request id."""
    status, answer = birth_certificate(sandbox, dashboard.base)
    assert status == 200, answer
    return str(answer["request_id"])


@pytest.fixture
def signed_in(ops_gateway: Callable[..., GatewayProcess], browser: WebDriver) -> Dashboard:
    """An operator signed in to the dashboard of a gateway with every registry up."""
    dashboard = Dashboard(browser, ops_gateway().base)
    dashboard.sign_in()
    return dashboard


def test_a_tripped_breaker_shows_open_and_the_reset_button_closes_it(
    sandbox,  # type: ignore[no-untyped-def]
    ops_gateway: Callable[..., GatewayProcess],
    browser: WebDriver,
    tmp_path: Path,
) -> None:
    # The civil registry is a closed port; its breaker stays open for the whole test (no
    # cool-down into half-open), so what the page shows cannot change under the assertions.
    routing = (REPO_ROOT / "routing.yaml").read_text(encoding="utf-8")
    assert "cool_down_s: 10}" in routing
    (tmp_path / "routing.yaml").write_text(
        routing.replace("cool_down_s: 10}", "cool_down_s: 600}"), encoding="utf-8"
    )
    gateway = ops_gateway(
        GATEWAY_ROUTING_FILE=str(tmp_path / "routing.yaml"),
        GATEWAY_CIVIL_REGISTRY_URL=f"http://127.0.0.1:{_closed_port()}/civil-registry",
    )
    dashboard = Dashboard(browser, gateway.base)
    dashboard.sign_in()
    dashboard.until(lambda _: _page_breakers(dashboard).get("civil") == "closed")
    dashboard.until(lambda _: not dashboard.element(f"{CIVIL} button.reset").is_enabled())

    for _attempt in range(6):
        status, _answer = birth_certificate(sandbox, gateway.base)
        assert status != 200, "the civil registry is down: no certificate can be issued"
        if _api_breakers(dashboard)["civil"] == "open":
            break
    assert _api_breakers(dashboard)["civil"] == "open", "the failures did not trip the breaker"

    dashboard.until(lambda _: _page_breakers(dashboard) == _api_breakers(dashboard))
    assert _page_breakers(dashboard)["civil"] == "open"
    dashboard.until(lambda _: int(dashboard.element(f"{CIVIL} td:nth-child(4)").text) > 0)
    dashboard.click(f"{CIVIL} button.reset")

    dashboard.until(lambda _: _page_breakers(dashboard).get("civil") == "closed")
    assert _api_breakers(dashboard)["civil"] == "closed"
    assert _page_breakers(dashboard) == _api_breakers(dashboard)
    dashboard.until(lambda _: not dashboard.element(f"{CIVIL} button.reset").is_enabled())
    assert dashboard.script_errors() == [], "the page's script failed"


def test_the_log_filter_shows_only_the_matching_request_and_clearing_brings_all_back(
    sandbox,  # type: ignore[no-untyped-def]
    signed_in: Dashboard,
) -> None:
    dashboard = signed_in
    requests = [_certificate(sandbox, dashboard) for _citizen in range(2)]
    wanted, other = requests
    for request_id in requests:
        _answered(dashboard, request_id)
    dashboard.until(
        lambda _: all(_lines_of(dashboard, r) == _api_hops(dashboard, r) for r in requests)
    )
    hops = {request_id: _api_hops(dashboard, request_id) for request_id in requests}

    dashboard.element("#log-filter").send_keys(wanted)
    dashboard.until(lambda _: _lines_of(dashboard, other) == [])
    assert {shown for shown, _hop in _shown_lines(dashboard)} == {wanted}
    assert _lines_of(dashboard, wanted) == hops[wanted], "the matching lines stay"

    dashboard.element("#log-filter").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    dashboard.until(lambda _: _lines_of(dashboard, other) == hops[other])
    assert _lines_of(dashboard, wanted) == hops[wanted]
    assert dashboard.script_errors() == [], "the page's script failed"


def test_paused_the_log_takes_no_new_lines_and_unpaused_it_follows_again(
    sandbox,  # type: ignore[no-untyped-def]
    signed_in: Dashboard,
) -> None:
    """dashboard.js drops the lines that arrive while paused (it does not hold them back for
    later): the page stays still to be read, and follows the log again once unpaused."""
    dashboard = signed_in
    before = _certificate(sandbox, dashboard)
    _answered(dashboard, before)
    dashboard.click("#pause")
    assert dashboard.element("#pause").is_selected()

    while_paused = _certificate(sandbox, dashboard)
    assert "answered" in _api_hops(dashboard, while_paused)
    dashboard.until(lambda _: dashboard.received(while_paused, "answered"))
    assert _lines_of(dashboard, while_paused) == [], "a paused log takes no new line"

    dashboard.click("#pause")
    assert not dashboard.element("#pause").is_selected()
    after = _certificate(sandbox, dashboard)
    _answered(dashboard, after)
    assert _lines_of(dashboard, while_paused) == [], "what came while paused is not replayed"
    assert "answered" in _lines_of(dashboard, before), "the lines from before stay"
    assert dashboard.script_errors() == [], "the page's script failed"


def test_replay_all_sends_every_dead_letter_back_and_empties_the_table(
    private_vhost: str,
    ops_gateway: Callable[..., GatewayProcess],
    gateway_database: Path,
    browser: WebDriver,
) -> None:
    gateway = ops_gateway()
    store = Store.from_url(f"sqlite:///{gateway_database}")
    try:
        message_ids = dead_letters_from_the_consumer(private_vhost, store, count=3)
    finally:
        store.close()
    dashboard = Dashboard(browser, gateway.base)
    dashboard.sign_in()

    def page_letters() -> set[str]:
        return set(
            dashboard.read(
                """return Array.from(document.querySelectorAll("#dead-letters tbody tr"),
                    (row) => row.dataset.messageId);"""
            )
        )

    def api_letters() -> set[str]:
        status, listed = dashboard.api("GET", "dead-letters")
        assert status == 200, listed
        return {letter["message_id"] for letter in listed["dead_letters"]}

    dashboard.until(lambda _: page_letters() == set(message_ids))
    assert api_letters() == set(message_ids)
    assert dashboard.element("#dead-letter-count").text == "3"

    dashboard.click("#replay-all")
    dashboard.until(lambda _: "Replayed 3" in dashboard.element("#replay-status").text)
    assert "0 left in the queue" in dashboard.element("#replay-status").text
    dashboard.until(lambda _: page_letters() == set())
    assert api_letters() == set()
    dashboard.until(lambda _: dashboard.element("#dead-letter-count").text == "0")
    assert dashboard.script_errors() == [], "the page's script failed"

    with pika.BlockingConnection(pika.URLParameters(private_vhost)) as connection:
        back = drain(connection.channel(), TopologyNames().status_queue, expect=3)
    assert sorted(message.properties.message_id for message in back) == sorted(message_ids)
    assert all(message.properties.headers[REPLAY_HEADER] == 1 for message in back)


def test_signing_out_shows_the_sign_in_form_and_ends_the_session(
    signed_in: Dashboard, browser: WebDriver
) -> None:
    dashboard = signed_in
    cookie = browser.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "signing in set the session cookie"
    old_session = {"Cookie": f"{SESSION_COOKIE}={cookie['value']}"}
    status, who = dashboard.api("GET", "whoami", **old_session)
    assert status == 200, who
    assert dashboard.element("#operator-name").text == who["operator"]

    dashboard.click("#logout")
    dashboard.until(lambda _: dashboard.element("#login-key").is_displayed())
    assert not dashboard.element("#board").is_displayed()
    assert not dashboard.element("#who").is_displayed()
    status, refused = dashboard.api("GET", "whoami", **old_session)
    assert status == 401, refused

    browser.refresh()
    dashboard.until(lambda _: dashboard.element("#login-key").is_displayed())
    assert not dashboard.element("#board").is_displayed()
    assert dashboard.script_errors() == [], "the page's script failed"
