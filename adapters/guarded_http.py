"""POSTs to URLs that a client chose (status callbacks), without opening the network behind us.

A callback URL is written by a client, so every delivery is a chance to make the gateway
reach what the client cannot: the broker's management API on loopback, the cloud's metadata
service, a database on the private network. This module is the one place that opens such
connections, and it:

- parses the URL once (``parse_target``). The policy above checks that parsed target, and
  exactly that target is connected to, so the check and the connection cannot read one URL
  two ways;
- resolves the host name once, refuses the delivery when any address it resolves to is
  loopback, private, link-local, multicast, unspecified or otherwise not global (unless the
  caller allows that, for a development origin), and connects to the address it checked,
  sending the name in ``Host`` and as TLS SNI. A DNS answer that changes between a check and
  a connect (rebinding) has no second lookup to slip into;
- never follows a redirect (``http.client`` has no redirect handling), never uses a proxy
  from the environment, and verifies TLS certificates against the host name.

The standard library's ``http.client`` is used rather than aiohttp: the callback sender is
a thread sending one POST at a time, and here this module owns the connect step outright
(aiohttp skips a custom resolver for IP literals and picks addresses in private code).

Errors::

    DeliveryError
    ├── TargetInvalid        the URL cannot be a callback target (scheme, userinfo, host, port)
    ├── DestinationRefused   the host resolves to an address the caller may not reach
    └── DeliveryUnreachable  no DNS answer, connection refused, timeout, TLS failure
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit

Scheme = Literal["http", "https"]
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}
MAX_ANSWER_BYTES = 64 * 1024
"""How much of the receiver's answer is read; only its status matters."""

_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")

Address = tuple[int, tuple[Any, ...]]
"""(address family, socket address) as ``getaddrinfo`` gives them."""


class DeliveryError(Exception):
    """A callback could not be delivered; ``reason`` is short, stable and safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TargetInvalid(DeliveryError):
    """``reason`` is one of: scheme, userinfo, host, port, characters."""


class DestinationRefused(DeliveryError):
    """``reason`` names the kind of address (loopback, private, link-local …)."""


class DeliveryUnreachable(DeliveryError):
    pass


@dataclass(frozen=True, slots=True)
class HttpTarget:
    """A parsed callback URL: only what the connection uses, nothing that could carry a secret."""

    scheme: Scheme
    host: str
    """Lower-case host name, or an IP literal without brackets."""
    port: int
    path: str
    """Path and query, at least ``/``; a fragment is never sent."""


def parse_target(url: str) -> HttpTarget:
    """The one reading of a callback URL that is both checked and connected to."""
    if _UNSAFE_CHARACTERS.search(url):
        raise TargetInvalid("characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetInvalid("port") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetInvalid("scheme")
    if "@" in parts.netloc:
        raise TargetInvalid("userinfo")
    host = (parts.hostname or "").lower()
    if not (_HOST_NAME.match(host) or ip_literal(host) is not None):
        raise TargetInvalid("host")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return HttpTarget(
        scheme=cast(Scheme, scheme),
        host=host,
        port=port if port is not None else DEFAULT_PORTS[scheme],
        path=path,
    )


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` spells in standard notation, or ``None`` for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_refusal(address: str) -> str | None:
    """Why a connection to ``address`` is refused, or ``None`` for a global unicast address.

    An IPv6 address that embeds an IPv4 one (mapped, 6to4, Teredo) is judged by the IPv4
    address too, so ``::ffff:127.0.0.1`` is loopback.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unparseable"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and (reason := address_refusal(str(embedded))):
            return reason
        if ip.is_site_local:
            return "private"
    for reason, applies in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if applies:
            return reason
    return None if ip.is_global else "not global"


def post(
    target: HttpTarget,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_s: float,
    allow_non_global: bool = False,
) -> int:
    """POST ``body`` to ``target`` and return the answer's status; a 3xx is just a status.

    Raises ``DestinationRefused`` before any connection is opened when the host resolves to
    an address that is not global and ``allow_non_global`` is off.
    """
    addresses = _resolve(target)
    if not allow_non_global:
        for _, sockaddr in addresses:
            reason = address_refusal(str(sockaddr[0]))
            if reason is not None:
                raise DestinationRefused(reason)
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _CheckedTlsConnection(target, addresses, timeout_s)
    else:
        connection = _CheckedConnection(target, addresses, timeout_s)
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        return response.status
    except ssl.SSLError as exc:
        raise DeliveryUnreachable("tls") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryUnreachable(type(exc).__name__) from exc
    finally:
        connection.close()


def _resolve(target: HttpTarget) -> list[Address]:
    try:
        found = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryUnreachable("dns") from exc
    addresses = [(family, sockaddr) for family, _, _, _, sockaddr in found]
    if not addresses:
        raise DeliveryUnreachable("dns")
    return addresses


def _connect_first(addresses: Sequence[Address], timeout_s: float | None) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    last: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout_s)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or OSError("no address to connect to")


class _CheckedConnection(http.client.HTTPConnection):
    """Plain HTTP to addresses resolved and checked beforehand: ``connect`` never resolves."""

    def __init__(self, target: HttpTarget, addresses: Sequence[Address], timeout_s: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout_s)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect_first(self._addresses, self.timeout)


class _CheckedTlsConnection(http.client.HTTPSConnection):
    """HTTPS to the checked addresses; the certificate is verified against the host name."""

    def __init__(self, target: HttpTarget, addresses: Sequence[Address], timeout_s: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout_s, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect_first(self._addresses, self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
