"""What a registry offers, described once at start-up from its WSDL or OpenAPI file.

The routing engine checks ``routing.yaml`` against these descriptions (does the operation
exist? does the route supply every parameter?) before the gateway takes any traffic, and the
engines use them to build requests and to pick the mapper for an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

Answer = TypeVar("Answer", contravariant=True)


class ContractError(Exception):
    """A WSDL, XSD or OpenAPI file (or a mapping) the gateway cannot use; raised at start-up."""


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One registry operation: its parameter names and the canonical record it returns.

    ``parameters`` are the request element's children (SOAP) or the path parameters (REST),
    in contract order. Every operation of the three registries is a read, hence
    ``idempotent``; only idempotent operations are retried.
    """

    name: str
    parameters: tuple[str, ...]
    record: type[BaseModel]
    idempotent: bool = True


@dataclass(frozen=True, slots=True)
class RecordMapper(Generic[Answer]):
    """Turns one operation's validated answer into its canonical record.

    ``build`` may raise ``LookupError`` or ``ValueError`` (pydantic's ``ValidationError``
    is one) when the answer cannot become a record; the engine reports that as a bad answer.
    """

    record: type[BaseModel]
    build: Callable[[Answer], BaseModel]


class RegistryEngine(Protocol):
    """A wire protocol bound to one registry: builds requests, checks and maps answers.

    Engines raise only ``RegistryError``; retries, the breaker and logging sit above them.
    """

    def operations(self) -> Mapping[str, OperationSpec]: ...

    async def invoke(self, operation: str, arguments: Mapping[str, str]) -> BaseModel: ...

    async def aclose(self) -> None: ...


def check_arguments(spec: OperationSpec, arguments: Mapping[str, str]) -> None:
    """Refuse a call whose argument names differ from the contract's: a wiring bug.

    Raised as ``ValueError`` rather than a registry error, because no registry was asked and
    the routing configuration, not the citizen, needs fixing. The message names the
    parameters, never their values.
    """
    given = set(arguments)
    expected = set(spec.parameters)
    if given != expected:
        missing = sorted(expected - given)
        unexpected = sorted(given - expected)
        raise ValueError(
            f"operation {spec.name} takes {list(spec.parameters)}; "
            f"missing {missing}, unexpected {unexpected}"
        )
