"""The operator's dashboard in a real headless Chromium, against a real gateway process.

Debian's ``chromium`` and ``chromium-driver`` drive the page through Selenium; no browser is
downloaded (``scripts/ensure-services.sh`` installs them). The gateway runs as operators run
it, its dead-letter desk on a RabbitMQ virtual host of this test's own; the dead letter the
page replays was refused by the real status consumer.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pika
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from adapters.amqp.topology import TopologyNames, apply_topology
from contracts.messages import DecidedBy, StatusUpdate
from gateway.ops.dead_letters import REPLAY_HEADER
from gateway.status import StatusConsumer
from gateway.store import Store
from tests.fixtures.broker import BROKER_HOST, BROKER_PORT, rabbitmqctl, wait_for_broker
from tests.fixtures.broker_users import e2e_party
from tests.fixtures.gateway import (
    OPERATOR_KEY,
    GatewayProcess,
    http_json,
    portal_headers,
    registry_environment,
)
from tests.integration.relay.probes import running, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
WAIT_S = 30


@pytest.fixture
def private_vhost() -> Iterator[str]:
    """A virtual host of this test's own: the gateway process uses the default names in it."""
    vhost = f"ekomunat-browser-{uuid.uuid4().hex[:8]}"
    url = f"amqp://guest:guest@{BROKER_HOST}:{BROKER_PORT}/{quote(vhost, safe='')}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        wait_for_broker(url)
        apply_topology(url, ["19"])
        yield url
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    for program in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(program), f"{program} is missing: run scripts/ensure-services.sh"
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium must never fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _dead_letter_from_the_consumer(url: str, store: Store) -> str:
    """A status update for a request nobody knows, refused by the real consumer; sent by
    Prishtinë's own broker user, the only sender the consumer believes."""
    names = TopologyNames()
    consumer = StatusConsumer(store, url, names=names)
    update = StatusUpdate(
        update_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        municipality="19",
        status="in_review",
        decided_by=DecidedBy(official_id="19-0001", role="zyrtar"),
        occurred_at=datetime.now(UTC),
    )
    message_id = str(uuid.uuid4())
    prishtine = e2e_party(url).municipality("19")
    with running(consumer), pika.BlockingConnection(pika.URLParameters(url)) as connection:
        wait_until(lambda: consumer.health()["broker"] == "connected", what="consumer")
        channel = connection.channel()
        prishtine.publish(
            names.status_exchange,
            update.routing_key,
            update.model_dump_json().encode(),
            message_id=message_id,
        )
        wait_until(
            lambda: (
                channel.queue_declare(names.dead_letter_queue, passive=True).method.message_count
                == 1
            ),
            what="the dead letter",
        )
    return message_id


def test_the_dashboard_shows_live_requests_and_replays_a_dead_letter(
    sandbox,  # type: ignore[no-untyped-def]
    private_vhost: str,
    browser: WebDriver,
    tmp_path: Path,
) -> None:
    database = tmp_path / "gateway.db"
    gateway = GatewayProcess(
        {
            **registry_environment(sandbox),
            "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
            "GATEWAY_AMQP_URL": private_vhost,
            "GATEWAY_RELAY_ENABLED": "false",
            "GATEWAY_STATUS_CONSUMER_ENABLED": "false",
        },
        tmp_path / "gateway.log",
    )
    store = Store.from_url(f"sqlite:///{database}")
    try:
        gateway.wait_ready()
        message_id = _dead_letter_from_the_consumer(private_vhost, store)
        wait = WebDriverWait(browser, WAIT_S)

        browser.get(f"{gateway.base}/ops")
        wait.until(ready.visibility_of_element_located((By.ID, "login-key")))
        browser.find_element(By.ID, "login-key").send_keys(OPERATOR_KEY)
        browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "operator-name"), "operations"))
        wait.until(ready.text_to_be_present_in_element((By.ID, "connection"), "live"))

        person = sandbox.seed.alive_parcel_owner(30)
        status, _headers, answer = http_json(
            "POST",
            f"{gateway.base}/v1/requests",
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
        answered = f'#live-log li[data-request-id="{answer["request_id"]}"][data-hop="answered"]'
        line = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, answered)))
        assert "birth-certificate" in line.text
        assert person.personal_number not in browser.find_element(By.ID, "live-log").text
        wait.until(
            lambda driver: (
                "birth-certificate" in driver.find_element(By.CSS_SELECTOR, "#routes tbody").text
            )
        )

        row = f'#dead-letters tr[data-message-id="{message_id}"]'
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, row)))
        assert "status.unknown_request" in browser.find_element(By.CSS_SELECTOR, row).text
        browser.find_element(By.CSS_SELECTOR, f"{row} button.replay").click()
        wait.until(ready.text_to_be_present_in_element((By.ID, "replay-status"), "Replayed 1"))
        wait.until(ready.invisibility_of_element_located((By.CSS_SELECTOR, row)))
        browser.save_screenshot(str(tmp_path / "dashboard.png"))

        # Network entries are expected (the 401 of the first whoami, before signing in);
        # a script error is not.
        script_errors = [
            entry
            for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and entry["source"] != "network"
        ]
        assert script_errors == [], "the page's script failed"
    finally:
        gateway.stop()
        store.close()

    with pika.BlockingConnection(pika.URLParameters(private_vhost)) as connection:
        method, properties, body = connection.channel().basic_get(
            TopologyNames().status_queue, auto_ack=True
        )
    assert method is not None, "the replayed update is back on the status queue"
    assert properties.message_id == message_id
    assert properties.headers[REPLAY_HEADER] == 1
    assert json.loads(body)["municipality"] == "19"
