"""A generic REST/JSON engine driven by an OpenAPI 3.0 file, on the same pooled transport.

At start-up ``RestContract.load`` reads the OpenAPI file once, checks it, and keeps per
``operationId`` the method, the path template, the path parameters with their patterns and a
compiled validator for the 200 answer (``contracts.compiled_schema``). Per call, arguments
are checked against their patterns before anything is sent (a value can never reshape the
path), the answer must be JSON of the declared schema, and problem documents are read only
for their status: the registry's own wording never travels further.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from pydantic import BaseModel

from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.operations import ContractError, OperationSpec, RecordMapper, check_arguments
from adapters.transport import RegistryTransport
from contracts.compiled_schema import CompiledSchema

JsonObject = Mapping[str, Any]
_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PROBLEM_MEDIA_TYPES = frozenset({"application/problem+json", "application/json"})


@dataclass(frozen=True, slots=True)
class RestOperation:
    """What the hot path needs to know about one OpenAPI operation."""

    name: str
    method: str
    path: str
    parameters: tuple[str, ...]
    patterns: Mapping[str, re.Pattern[str]]
    answer: CompiledSchema


class RestContract:
    """An OpenAPI 3.0 description, checked and compiled once."""

    def __init__(self, *, source: Path, operations: Mapping[str, RestOperation]) -> None:
        self.source = source
        self.operations = operations

    @classmethod
    def load(cls, source: Path) -> RestContract:
        """Read and check the OpenAPI file; ``ContractError`` names the file on any problem."""
        try:
            document = yaml.safe_load(source.read_text(encoding="utf-8"))
            validate_openapi(document)
        except (OSError, yaml.YAMLError, OpenAPIValidationError) as exc:
            raise ContractError(f"{source}: not a usable OpenAPI file ({exc})") from exc
        resolver = _Resolver(document, source)
        operations: dict[str, RestOperation] = {}
        for path, item in document.get("paths", {}).items():
            for method in _HTTP_METHODS:
                if method in item:
                    operation = _describe(resolver, path, method, item, item[method])
                    operations[operation.name] = operation
        if not operations:
            raise ContractError(f"{source}: the OpenAPI file declares no operations")
        return cls(source=source, operations=operations)


class _Resolver:
    """Inlines local ``$ref``s and turns OpenAPI 3.0 schema quirks into JSON Schema draft 4."""

    def __init__(self, document: JsonObject, source: Path) -> None:
        self._document = document
        self._source = source

    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, list):
            return [self.resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if isinstance(reference, str):
            if reference in seen:
                raise ContractError(f"{self._source}: recursive $ref {reference} is not supported")
            return self.resolve(self._lookup(reference), (*seen, reference))
        resolved = {key: self.resolve(value, seen) for key, value in node.items()}
        if resolved.pop("nullable", False) and "type" in resolved:
            resolved["type"] = [resolved["type"], "null"]
        return resolved

    def _lookup(self, reference: str) -> Any:
        if not reference.startswith("#/"):
            raise ContractError(f"{self._source}: only local $refs are supported ({reference})")
        node: Any = self._document
        for part in reference[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or key not in node:
                raise ContractError(f"{self._source}: $ref {reference} points nowhere")
            node = node[key]
        return node


def _describe(
    resolver: _Resolver, path: str, method: str, item: JsonObject, operation: JsonObject
) -> RestOperation:
    name = operation.get("operationId")
    if not name:
        raise ContractError(f"{resolver._source}: {method.upper()} {path} has no operationId")
    declared = [
        resolver.resolve(parameter)
        for parameter in (*item.get("parameters", ()), *operation.get("parameters", ()))
    ]
    in_path = [parameter for parameter in declared if parameter.get("in") == "path"]
    patterns = {
        parameter["name"]: re.compile(parameter.get("schema", {}).get("pattern", r"^[^/?#]+$"))
        for parameter in in_path
    }
    template_names = tuple(_PATH_PARAMETER.findall(path))
    if set(template_names) != set(patterns):
        raise ContractError(f"{resolver._source}: {name}: path parameters do not match {path}")
    answer = resolver.resolve(operation.get("responses", {}).get("200", {}))
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise ContractError(f"{resolver._source}: {name} declares no application/json 200 answer")
    Draft4Validator.check_schema(schema)
    return RestOperation(
        name=name,
        method=method.upper(),
        path=path,
        parameters=template_names,
        patterns=patterns,
        answer=CompiledSchema(schema, draft=Draft4Validator),
    )


@dataclass(frozen=True, slots=True)
class RestMapping:
    """What one registry module tells the engine: a mapper per operationId."""

    records: Mapping[str, RecordMapper[JsonObject]]


class RestEngine:
    """Calls one REST registry: path built from checked arguments, JSON answer validated."""

    def __init__(
        self,
        registry: str,
        *,
        contract: RestContract,
        mapping: RestMapping,
        endpoint: str,
        transport: RegistryTransport,
        remember_answers: bool = False,
    ) -> None:
        missing = sorted(set(contract.operations) - set(mapping.records))
        extra = sorted(set(mapping.records) - set(contract.operations))
        if missing or extra:
            raise ContractError(
                f"{contract.source}: mapping for registry {registry} does not match the "
                f"OpenAPI file (unmapped operations {missing}, mapped but undeclared {extra})"
            )
        self._registry = registry
        self._contract = contract
        self._mapping = mapping
        self._origin = endpoint.rstrip("/")
        self._transport = transport
        self._specs = {
            name: OperationSpec(
                name=name, parameters=operation.parameters, record=mapping.records[name].record
            )
            for name, operation in contract.operations.items()
        }
        self._answers: dict[tuple[str, str], tuple[bytes, BaseModel]] | None
        self._answers = {} if remember_answers else None

    def operations(self) -> Mapping[str, OperationSpec]:
        return self._specs

    async def invoke(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        spec = self._specs.get(operation)
        if spec is None:
            raise ValueError(f"registry {self._registry} has no operation {operation}")
        check_arguments(spec, arguments)
        described = self._contract.operations[operation]
        url = self._origin + self._path(described, arguments)
        response = await self._transport.send(
            described.method,
            url,
            headers={"Accept": "application/json, application/problem+json"},
            operation=operation,
        )
        status = response.status
        if status != 200:
            raise self._status_error(described, status, response.media_type)
        if response.media_type != "application/json" and not response.media_type.endswith("+json"):
            raise self._bad(described, f"answer has media type {response.media_type!r}")
        if self._answers is None:
            return self._record(described, operation, response.body)
        # The same bytes for the same call make the same record: the open-data refresher
        # asks ~500 documents every 20 s and most have not changed since the last time.
        key = (operation, url)  # the URL encodes the checked arguments, one to one
        digest = hashlib.blake2b(response.body, digest_size=16).digest()
        remembered = self._answers.get(key)
        if remembered is not None and remembered[0] == digest:
            return remembered[1]
        record = self._record(described, operation, response.body)
        self._answers[key] = (digest, record)
        return record

    def _record(self, described: RestOperation, operation: str, body: bytes) -> BaseModel:
        """The answer's JSON, checked against its schema and mapped to a canonical record."""
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise self._bad(described, "answer is not well-formed JSON") from None
        error = next(described.answer.iter_errors(document), None)
        if error is not None:
            raise self._bad(
                described, f"answer breaks the schema at {error.json_path} ({error.validator})"
            )
        try:
            return self._mapping.records[operation].build(document)
        except (LookupError, ValueError, TypeError):
            # The mapper's error may quote registry data; keep it out of the chain.
            raise self._bad(
                described, "answer is valid JSON but cannot become a canonical record"
            ) from None

    async def aclose(self) -> None:
        await self._transport.aclose()

    def _path(self, operation: RestOperation, arguments: Mapping[str, str]) -> str:
        values: dict[str, str] = {}
        for name in operation.parameters:
            value = arguments[name]
            if (
                not isinstance(value, str)
                or not value.isprintable()
                or operation.patterns[name].search(value) is None
            ):
                raise RegistryRejected(
                    self._registry,
                    f"argument {name} breaks its pattern; not sent",
                    operation=operation.name,
                )
            values[name] = quote(value, safe="")
        return _PATH_PARAMETER.sub(lambda match: values[match.group(1)], operation.path)

    def _status_error(
        self, operation: RestOperation, status: int, media_type: str
    ) -> RegistryError:
        detail = f"HTTP status {status}"
        if status == 404:
            # Only the registry's own problem document means "no such record"; a bare 404
            # (a proxy, a wrong base path) must not tell a citizen they own nothing.
            if media_type in _PROBLEM_MEDIA_TYPES:
                return RegistryNotFound(self._registry, detail, operation=operation.name)
            return RegistryRejected(
                self._registry, f"{detail} without a problem document", operation=operation.name
            )
        if status in (408, 429) or status >= 500:
            return RegistryUnavailable(self._registry, detail, operation=operation.name)
        if 400 <= status < 500:
            return RegistryRejected(self._registry, detail, operation=operation.name)
        return self._bad(operation, f"unexpected HTTP status {status}")

    def _bad(self, operation: RestOperation, detail: str) -> RegistryBadResponse:
        return RegistryBadResponse(self._registry, detail, operation=operation.name)
