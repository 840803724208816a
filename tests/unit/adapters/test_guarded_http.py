"""Which addresses a callback may reach, and how a callback URL is read (no network)."""

from __future__ import annotations

import pytest

from adapters.guarded_http import TargetInvalid, address_refusal, parse_target


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("2002:c0a8:101::1", "private"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not global"),
        ("240.0.0.1", "private"),
    ],
)
def test_a_non_global_address_is_refused_with_its_kind(address: str, reason: str) -> None:
    assert address_refusal(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2a00:1450:4001:82f::200e"])
def test_a_global_unicast_address_is_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://user:pw@10.0.0.1:6379/", "userinfo"),
        ("https://@portal.example/", "userinfo"),
        ("file:///etc/passwd", "scheme"),
        ("https://portal.example:99999/", "port"),
        ("https://portal.example\\@127.0.0.1/", "characters"),
        ("https://portal.example/\r\nX-Injected: 1", "characters"),
        ("https://por_tal.example/", "host"),
        ("https:///cb", "host"),
    ],
)
def test_a_url_that_cannot_be_a_callback_target_is_refused(url: str, reason: str) -> None:
    with pytest.raises(TargetInvalid) as caught:
        parse_target(url)

    assert caught.value.reason == reason


def test_a_target_keeps_path_and_query_and_drops_the_fragment() -> None:
    target = parse_target("HTTPS://Portal.Example/ekomunat/cb?client=1#part")

    assert (target.scheme, target.host, target.port) == ("https", "portal.example", 443)
    assert target.path == "/ekomunat/cb?client=1"
