"""The operator's dashboard in a real headless Chromium, against a real gateway process.

The browser, the gateway process and its private RabbitMQ virtual host come from
``tests/fixtures/browser.py``; the dead letter the page replays was refused by the real status
consumer. ``test_dashboard_actions.py`` drives the page's other actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pika
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from adapters.amqp.topology import TopologyNames
from gateway.ops.dead_letters import REPLAY_HEADER
from gateway.store import Store
from tests.fixtures.browser import WAIT_S, Dashboard, dead_letters_from_the_consumer
from tests.fixtures.gateway import GatewayProcess, http_json, portal_headers
from tests.integration.relay.probes import drain


def test_the_dashboard_shows_live_requests_and_replays_a_dead_letter(
    sandbox,  # type: ignore[no-untyped-def]
    private_vhost: str,
    browser: WebDriver,
    ops_gateway: Callable[..., GatewayProcess],
    gateway_database: Path,
    tmp_path: Path,
) -> None:
    gateway = ops_gateway(GATEWAY_INSTANCE_ID="gw-a")
    # A second instance on the same vhost and database, started once the first has
    # migrated the store: the dashboard on the first must show its lines and requests.
    other = ops_gateway(GATEWAY_INSTANCE_ID="gw-b")
    store = Store.from_url(f"sqlite:///{gateway_database}")
    try:
        [message_id] = dead_letters_from_the_consumer(private_vhost, store)
        wait = WebDriverWait(browser, WAIT_S)
        dashboard = Dashboard(browser, gateway.base)
        dashboard.sign_in()

        wait.until(
            ready.presence_of_element_located(
                (By.CSS_SELECTOR, '#instances li[data-instance="gw-b"]')
            )
        )

        person = sandbox.seed.alive_parcel_owner(30)
        answers = {}
        for base, instance in ((gateway.base, "gw-a"), (other.base, "gw-b")):
            status, _headers, answers[instance] = http_json(
                "POST",
                f"{base}/v1/requests",
                {
                    "service": "birth-certificate",
                    "municipality": person.address.municipality_code,
                    "language": "en",
                    "applicant": {
                        "personal_number": person.personal_number,
                        "first_name": person.first_name,
                        "last_name": person.last_name,
                    },
                    "form": {"purpose": "employment"},
                },
                portal_headers(),
            )
            assert status == 200
        for instance, answer in answers.items():
            answered = (
                f'#live-log li[data-request-id="{answer["request_id"]}"][data-hop="answered"]'
                f'[data-instance="{instance}"]'
            )
            line = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, answered)))
            assert "birth-certificate" in line.text
            assert instance in line.text, "each line names its instance"
            # The request's one line shows each of its hops, with outcome and duration, the
            # other instance's line (come over the broadcast) as well as this one's.
            steps = [step.text for step in line.find_elements(By.CSS_SELECTOR, ".hops .step")]
            assert [step.split()[0] for step in steps] == [
                "received",
                "validated",
                "registry_call",
                "registry_call",
                "rule",
                "answered",
            ]
            assert all(step.endswith(" ms") for step in steps[1:])
            assert all(" found " in step for step in steps if step.startswith("registry_call"))
        assert person.personal_number not in browser.find_element(By.ID, "live-log").text
        route = '#routes tr[data-service="birth-certificate"]'
        wait.until(
            lambda driver: (
                {"gw-a", "gw-b"}
                <= set(
                    (
                        driver.find_element(By.CSS_SELECTOR, route).get_attribute("data-instances")
                        or ""
                    ).split()
                )
                if driver.find_elements(By.CSS_SELECTOR, route)
                else False
            )
        )

        row = f'#dead-letters tr[data-message-id="{message_id}"]'
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, row)))
        assert "status.unknown_request" in browser.find_element(By.CSS_SELECTOR, row).text
        browser.find_element(By.CSS_SELECTOR, f"{row} button.replay").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "replay-status"), "Replayed 1"))
        wait.until(ready.invisibility_of_element_located((By.CSS_SELECTOR, row)))
        browser.save_screenshot(str(tmp_path / "dashboard.png"))

        assert dashboard.script_errors() == [], "the page's script failed"
    finally:
        other.stop()
        gateway.stop()
        store.close()

    with pika.BlockingConnection(pika.URLParameters(private_vhost)) as connection:
        [back] = drain(connection.channel(), TopologyNames().status_queue, expect=1)
    assert back.properties.message_id == message_id, "the replayed update is on the status queue"
    assert back.properties.headers[REPLAY_HEADER] == 1
    assert json.loads(back.body)["municipality"] == "19"
