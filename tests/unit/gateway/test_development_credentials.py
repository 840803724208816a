"""The production screen of secrets: what passes as 32 random bytes and what does not."""

from __future__ import annotations

import secrets

import pytest

from gateway.development_credentials import weakness


@pytest.mark.parametrize(
    "secret",
    [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)],
)
def test_32_random_bytes_written_as_base64url_or_hex_pass(secret: str) -> None:
    assert weakness(secret) is None


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "development-callback-secret",
        secrets.token_hex(31),  # 31 bytes
        secrets.token_urlsafe(24),
        "a" * 200,
        "ab" * 100,
        "0123456789" * 10,
        "0123456789abcdef" * 4,
    ],
)
def test_short_or_repetitive_secrets_are_refused(secret: str) -> None:
    assert weakness(secret) is not None
