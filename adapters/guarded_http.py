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
- never follows a redirect, never uses a proxy from the environment, and verifies TLS
  certificates against the host name.

The connections are aiohttp's, pooled and kept alive like the registries' (one client for
every callback, on the outbox deliverer's event loop). aiohttp is never given a name to
resolve: it would skip a custom resolver for anything that looks like an IP literal (so
``127.1`` would reach loopback unchecked) and picks among addresses in private code. The
request goes to the checked address itself, written as a literal, with the name in ``Host``
and as ``server_hostname`` (SNI and certificate check). A pooled connection is keyed by that
address and name, so it is only ever reused for an address that was checked again.

Errors::

    DeliveryError
    ├── TargetInvalid        the URL cannot be a callback target (scheme, userinfo, host, port)
    ├── DestinationRefused   the host resolves to an address the caller may not reach
    └── DeliveryUnreachable  no DNS answer, connection refused, timeout, TLS failure
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

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


class GuardedHttpClient:
    """The pooled HTTP client that callbacks go out on; created lazily on the loop using it.

    ``post`` resolves the target's name once, refuses it when an address is not global
    (unless ``allow_non_global``, for a development origin), and sends to the checked
    addresses in order until one answers.
    """

    def __init__(self, *, timeout_s: float, max_connections: int = 50) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, use_dns_cache=False, keepalive_timeout=30.0
                ),
                timeout=self._timeout,
                trust_env=False,
                raise_for_status=False,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def post(
        self,
        target: HttpTarget,
        body: bytes,
        headers: Mapping[str, str],
        *,
        allow_non_global: bool = False,
    ) -> int:
        """POST ``body`` to ``target`` and return the answer's status; a 3xx is just a status.

        Raises ``DestinationRefused`` before any connection is opened when the host resolves
        to an address that is not global and ``allow_non_global`` is off, and
        ``DeliveryUnreachable`` when no checked address answers.
        """
        addresses = await _resolve(target)
        if not allow_non_global:
            for _, sockaddr in addresses:
                reason = address_refusal(str(sockaddr[0]))
                if reason is not None:
                    raise DestinationRefused(reason)
        sent = {**headers, "Host": _host_header(target)}
        last: DeliveryUnreachable | None = None
        for address in dict.fromkeys(str(sockaddr[0]) for _, sockaddr in addresses):
            try:
                return await self._post_to(address, target, body, sent)
            except _Unanswered as unanswered:
                last = unanswered.error
        raise last or DeliveryUnreachable("dns")

    async def _post_to(
        self, address: str, target: HttpTarget, body: bytes, headers: Mapping[str, str]
    ) -> int:
        host = f"[{address}]" if ":" in address else address
        url = URL(f"{target.scheme}://{host}:{target.port}{target.path}", encoded=True)
        try:
            async with self._client().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                server_hostname=target.host if target.scheme == "https" else None,
            ) as response:
                await response.content.read(MAX_ANSWER_BYTES)
                return response.status
        except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as exc:
            raise DeliveryUnreachable("tls") from exc
        except aiohttp.ClientConnectorError as exc:
            # Nothing was sent: the next checked address may answer.
            raise _Unanswered(DeliveryUnreachable(type(exc.os_error).__name__)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryUnreachable(type(exc).__name__) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Unanswered(Exception):
    """No connection to one address; the caller tries the next before giving up."""

    def __init__(self, error: DeliveryUnreachable) -> None:
        super().__init__(error.reason)
        self.error = error


def _host_header(target: HttpTarget) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = DEFAULT_PORTS[target.scheme] == target.port
    return host if default else f"{host}:{target.port}"


async def _resolve(target: HttpTarget) -> list[Address]:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryUnreachable("dns") from exc
    addresses: list[Address] = [(family, sockaddr) for family, _, _, _, sockaddr in found]
    if not addresses:
        raise DeliveryUnreachable("dns")
    return addresses
