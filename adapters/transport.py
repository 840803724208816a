"""The seam between an adapter's message work (XML, JSON) and the wire: bytes in, bytes out.

One pooled, keep-alive HTTP client per registry, created lazily on the event loop that first
uses it. The client is aiohttp, chosen by measurement: on this project's fan-out route it
served ~9x the requests of httpx's async pool for a tenth of the CPU (``measured-here.md``;
re-measured against the sandbox in ``bench/registry_adapters.py``). On the gateway's exact
requests (``bench/registry_client.py``) a session per call costs ~3x this pooled one, and no
further knob (a timeout per request, more skipped headers, one ``read()``, a prebuilt URL)
measures better than the noise; what is left is aiohttp's own per-request work.

The transport knows nothing of SOAP or JSON; it only turns network trouble into
``RegistryUnavailable`` and an oversized answer into ``RegistryBadResponse``. What a status
code means is for the engine above it to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from adapters.errors import RegistryBadResponse, RegistryUnavailable
from adapters.policy import RegistryPolicy


@dataclass(frozen=True, slots=True)
class TransportResponse:
    """An HTTP answer, fully read: status, media type (lower case, no parameters) and body."""

    status: int
    media_type: str
    body: bytes


class RegistryTransport(Protocol):
    """Sends one HTTP request to a registry and returns the whole answer."""

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """A registry's pooled aiohttp session with the policy's timeout and size limit."""

    def __init__(self, registry: str, policy: RegistryPolicy) -> None:
        self._registry = registry
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._policy.max_connections,
                limit_per_host=self._policy.max_connections,
                keepalive_timeout=30.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self._policy.timeout_s),
                trust_env=False,
                raise_for_status=False,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        limit = self._policy.max_response_bytes
        try:
            async with self._client().request(
                method, url, headers=headers, data=body, allow_redirects=False
            ) as response:
                declared = response.content_length
                if declared is not None and declared > limit:
                    raise RegistryBadResponse(
                        self._registry,
                        f"answer of {declared} bytes exceeds the {limit}-byte limit",
                        operation=operation,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > limit:
                        raise RegistryBadResponse(
                            self._registry,
                            f"answer exceeds the {limit}-byte limit",
                            operation=operation,
                        )
                    chunks.append(chunk)
                return TransportResponse(
                    status=response.status,
                    media_type=response.content_type.lower(),
                    body=b"".join(chunks),
                )
        except TimeoutError as exc:
            raise RegistryUnavailable(
                self._registry,
                f"no answer within {self._policy.timeout_s} s",
                operation=operation,
            ) from exc
        except aiohttp.ClientError as exc:
            raise RegistryUnavailable(
                self._registry,
                f"connection failed ({type(exc).__name__})",
                operation=operation,
            ) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
