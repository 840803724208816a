"""Matching a callback URL against a client's declared origins (no network)."""

from __future__ import annotations

import pytest

from gateway.callback_origins import CallbackRefused, admit_callback, parse_origin

PORTAL = parse_origin("https://portal.example")
LOOPBACK = parse_origin("http://127.0.0.1:18080-18099", development=True)


def refusal(url: str, *, production: bool = False) -> str:
    with pytest.raises(CallbackRefused) as caught:
        admit_callback(url, [PORTAL, LOOPBACK], production=production)
    return caught.value.reason


def test_an_url_under_a_declared_origin_is_admitted_with_that_origin() -> None:
    _, portal = admit_callback("https://portal.example/cb", [PORTAL], production=True)
    _, loopback = admit_callback("http://127.0.0.1:18099/cb", [PORTAL, LOOPBACK], production=False)

    assert portal == PORTAL
    assert loopback == LOOPBACK and loopback.development


@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example:8443/cb",
        "http://portal.example/cb",
        "https://portal.example.attacker.example/cb",
        "https://attacker.example/portal.example",
        "http://127.0.0.1:18100/cb",
        "http://localhost:18080/cb",
    ],
)
def test_scheme_host_and_port_must_all_match(url: str) -> None:
    assert refusal(url) == "origin"


def test_production_refuses_http_and_ignores_development_origins() -> None:
    assert refusal("http://127.0.0.1:18080/cb", production=True) == "https_required"
    assert refusal("https://127.0.0.1:18080/cb", production=True) == "origin"


def test_a_password_in_the_url_is_named_before_the_origin() -> None:
    assert refusal("https://user:pw@10.0.0.1:6379/") == "userinfo"


@pytest.mark.parametrize(
    "origin",
    ["https://portal.example/cb", "https://user@portal.example", "https://portal.example:9-3"],
)
def test_an_origin_is_scheme_host_and_port_only(origin: str) -> None:
    with pytest.raises(ValueError):
        parse_origin(origin)


def test_a_non_global_address_as_origin_needs_the_development_mark() -> None:
    with pytest.raises(ValueError, match="link-local"):
        parse_origin("https://169.254.169.254")
    assert parse_origin("http://[::1]:18080", development=True).host == "::1"
