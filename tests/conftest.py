"""Fixtures shared by the whole suite live in tests/fixtures/, one module per real part."""

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.broker",
    "tests.fixtures.broker_users",
    "tests.fixtures.database",
    "tests.fixtures.gateway",
    "tests.fixtures.crash",
    "tests.fixtures.complaints",
    "tests.fixtures.open_data",
    "tests.fixtures.participation",
]
