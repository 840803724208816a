"""Which callback URLs a client may register, and the one reason a URL is refused.

Each client in ``routing.yaml`` lists the origins (scheme, host, port) its callbacks may go
to; a URL outside them is refused when the request is submitted, and again by the callback
sender before each delivery (so a row queued before an origin was withdrawn is not sent).
Production accepts https only, and ignores origins marked ``development``: those are the
only ones whose host may resolve to loopback or private addresses, so that the demo and the
tests can receive callbacks on a developer's machine. The addresses themselves are checked
when the sender connects (``adapters.guarded_http``), because only then is DNS asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from adapters.guarded_http import (
    HttpTarget,
    TargetInvalid,
    address_refusal,
    ip_literal,
    parse_target,
)

_ORIGIN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.-]+)"
    r"(?::(?P<low>[0-9]{1,5})(?:-(?P<high>[0-9]{1,5}))?)?/?$"
)

RefusalReason = Literal["malformed", "scheme", "userinfo", "https_required", "origin"]

REFUSAL_DETAILS: dict[RefusalReason, dict[str, str]] = {
    "malformed": {
        "sq": "callback_url nuk është URL e vlefshme.",
        "sr": "callback_url nije ispravan URL.",
        "en": "callback_url is not a valid URL.",
    },
    "scheme": {
        "sq": "callback_url duhet të përdorë http ose https.",
        "sr": "callback_url mora da koristi http ili https.",
        "en": "callback_url must use http or https.",
    },
    "userinfo": {
        "sq": "callback_url nuk duhet të përmbajë emër përdoruesi ose fjalëkalim.",
        "sr": "callback_url ne sme da sadrži korisničko ime ni lozinku.",
        "en": "callback_url must not carry a user name or password.",
    },
    "https_required": {
        "sq": "callback_url duhet të përdorë https.",
        "sr": "callback_url mora da koristi https.",
        "en": "callback_url must use https.",
    },
    "origin": {
        "sq": "Origjina e callback_url nuk është ndër origjinat e regjistruara për këtë klient.",
        "sr": "Izvor adrese callback_url nije među izvorima prijavljenim za ovog klijenta.",
        "en": "callback_url's origin is not one of the callback origins registered for "
        "this client.",
    },
}
"""Why, in the citizen's languages; never the URL itself, which may hold a password."""


_TARGET_REASONS: dict[str, RefusalReason] = {"scheme": "scheme", "userinfo": "userinfo"}


class CallbackRefused(Exception):
    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason


@dataclass(frozen=True, slots=True)
class CallbackOrigin:
    """One declared origin; ``ports`` is an inclusive range (one port: low == high)."""

    scheme: str
    host: str
    ports: tuple[int, int]
    development: bool = False

    def admits(self, target: HttpTarget) -> bool:
        low, high = self.ports
        return (
            target.scheme == self.scheme and target.host == self.host and low <= target.port <= high
        )


def parse_origin(text: str, *, development: bool = False) -> CallbackOrigin:
    """``scheme://host[:port]`` or ``scheme://host:low-high``; ``ValueError`` says what is wrong.

    A host spelled as a loopback, private or other non-global address needs ``development``:
    such an origin can only ever reach the machine or network the gateway stands in.
    """
    match = _ORIGIN.match(text.strip().lower())
    if match is None:
        raise ValueError(
            "expected an origin: http(s)://host, http(s)://host:port or "
            "http(s)://host:low-high, with no user name, path or query"
        )
    try:  # the host as a callback URL's host is read, by the very same parser
        bare = parse_target(f"{match['scheme']}://{match['host']}/")
    except TargetInvalid:
        raise ValueError(f"{match['host']!r} is not a host name or an IP address") from None
    scheme, host = bare.scheme, bare.host
    low = int(match["low"]) if match["low"] else bare.port
    high = int(match["high"]) if match["high"] else low
    if not 1 <= low <= high <= 65535:
        raise ValueError("ports must be 1-65535, the range's low end first")
    literal = ip_literal(host)
    if literal is not None and not development:
        reason = address_refusal(str(literal))
        if reason is not None:
            raise ValueError(
                f"{host} is a {reason} address: only an origin marked development: true "
                "may name one"
            )
    return CallbackOrigin(scheme, host, (low, high), development)


def admit_callback(
    url: str, origins: Sequence[CallbackOrigin], *, production: bool
) -> tuple[HttpTarget, CallbackOrigin]:
    """The parsed target and the declared origin that admits ``url``; else ``CallbackRefused``.

    Reasons are checked from the most to the least specific, so the portal learns the real
    one: a password in the URL is reported as such even when the origin is wrong too.
    """
    try:
        target = parse_target(url)
    except TargetInvalid as invalid:
        raise CallbackRefused(_TARGET_REASONS.get(invalid.reason, "malformed")) from None
    if production and target.scheme != "https":
        raise CallbackRefused("https_required")
    for origin in origins:
        if origin.development and production:
            continue
        if origin.admits(target):
            return target, origin
    raise CallbackRefused("origin")


class CallbackPolicy:
    """Every client's declared origins, for the callback sender's check before each delivery."""

    def __init__(
        self, origins_by_client: Mapping[str, Sequence[CallbackOrigin]], *, production: bool
    ) -> None:
        self._origins = {client: tuple(origins) for client, origins in origins_by_client.items()}
        self._production = production

    def admit(self, client: str, url: str) -> tuple[HttpTarget, CallbackOrigin]:
        return admit_callback(url, self._origins.get(client, ()), production=self._production)
