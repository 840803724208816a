"""``ekomunat-gateway consumers``: the gateway's consumers without its HTTP API.

It runs the status-update consumer, the consumers of complaint answers and of the ministry's
act reviews, and the callback sender that tells the portal of each recorded status, as their
own systemd unit (``deploy/systemd/ekomunat-consumers.service``). The API units then turn
their consumers off, so where updates are consumed is a unit an operator starts and stops,
not a setting hidden in one API instance.

The process is built by the same ``bootstrap`` as ``serve`` and starts its workers with the
same ``start_workers``, so what applies to a worker there (its scope, a lease) applies here;
only the relay and the open-data refresher are switched off, as they belong to other units.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

import structlog

from contracts.located_yaml import ConfigFileError
from gateway.bootstrap import bootstrap
from gateway.development_credentials import ProductionRefused
from gateway.features import start_workers, stop_workers
from gateway.logging import configure_logging
from gateway.settings import Settings

log = structlog.get_logger()

CONSUMER_SETTINGS = {
    "relay_enabled": False,
    "status_consumer_enabled": True,
    "complaints_consumer_enabled": True,
}
"""What this process is for, whatever the shared environment file says for the API units."""


def run() -> int:
    """Consume until SIGINT or SIGTERM; 1 when the configuration is refused."""
    settings = Settings().model_copy(update=CONSUMER_SETTINGS)
    configure_logging(settings)
    # The feeds are refreshed by the API instances that serve them.
    os.environ["GATEWAY_OPEN_ENABLED"] = "false"
    try:
        gateway = bootstrap(settings)
    except (ConfigFileError, ProductionRefused) as exc:
        sys.stderr.write(f"the consumers cannot start:\n{exc}\n")
        return 1
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    start_workers(gateway)
    log.info("consumers.running", workers=[worker.name for worker in gateway.workers])
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        stop_workers(gateway)
        asyncio.run(gateway.close())
    log.info("consumers.stopped")
    return 0
