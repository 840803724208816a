"""Fixtures shared by the whole suite live in tests/fixtures/, one module per real part."""

import os

# The gateways a test starts log to their stderr, not into the developer's var/gateway.log;
# a test of the log file names its own (and inherits this in the processes it starts).
os.environ.setdefault("GATEWAY_LOG_FILE", "")

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.broker",
    "tests.fixtures.broker_users",
    "tests.fixtures.database",
    "tests.fixtures.gateway",
    "tests.fixtures.browser",
    "tests.fixtures.crash",
    "tests.fixtures.complaints",
    "tests.fixtures.open_data",
    "tests.fixtures.participation",
]
