"""Every way a registry call can fail, as one exception tree with stable codes.

::

    RegistryError                 registry.<name>.<kind>
    ├── RegistryNotFound          registry.<name>.not_found     the registry has no such record
    ├── RegistryRejected          registry.<name>.rejected      it refused the request (fault, 4xx)
    ├── RegistryUnavailable       registry.<name>.unavailable   no usable answer in time
    │   └── RegistryCircuitOpen   (same code)                   failing fast, breaker is open
    └── RegistryBadResponse       registry.<name>.bad_response  an answer that breaks the contract

The gateway turns ``code`` into a problem document, so codes never change once published.
``detail`` is written for operators: it names what went wrong in our words and never quotes
the registry's raw answer (which may hold personal data or hostile markup). Foreign exceptions
(zeep, lxml, aiohttp, pydantic) are translated at the boundary with ``raise ... from exc`` and
never leave ``adapters/``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

Outcome = Literal["found", "not_found", "rejected", "unavailable", "bad_response"]


class RegistryError(Exception):
    """A registry call that did not produce a record."""

    kind: ClassVar[Outcome]
    retryable: ClassVar[bool] = False
    counts_against_registry: ClassVar[bool] = False

    def __init__(self, registry: str, detail: str, *, operation: str | None = None) -> None:
        super().__init__(f"registry.{registry}.{self.kind}: {detail}")
        self.registry = registry
        self.detail = detail
        self.operation = operation

    @property
    def code(self) -> str:
        """The stable, dotted code that becomes the problem document's ``code``."""
        return f"registry.{self.registry}.{self.kind}"


class RegistryNotFound(RegistryError):
    """The registry answered that it holds no record for the identifier asked about."""

    kind = "not_found"


class RegistryRejected(RegistryError):
    """The registry refused the request (a declared SOAP fault, a 4xx status).

    Asking again would get the same answer, so it is never retried.
    """

    kind = "rejected"


class RegistryUnavailable(RegistryError):
    """No usable answer: timeout, refused connection, 5xx, or the registry said it is down.

    Reads are retried on this error, and it counts towards opening the circuit breaker.
    """

    kind = "unavailable"
    retryable = True
    counts_against_registry = True


class RegistryCircuitOpen(RegistryUnavailable):
    """The circuit breaker is open: the call failed fast without reaching the registry.

    Not retried, since retrying would only spin on the open breaker, and not counted again.
    """

    retryable = False
    counts_against_registry = False


class RegistryBadResponse(RegistryError):
    """The registry answered, but not with something we accept.

    Malformed or hostile XML (DTDs, entities), an answer that breaks the XSD or the OpenAPI
    schema, an unexpected media type or an oversized body. The raw answer is never kept.
    """

    kind = "bad_response"
    counts_against_registry = True
