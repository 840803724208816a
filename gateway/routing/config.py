"""``routing.yaml``: registries, routes and clients, typed and checked before any traffic.

The file is declarative on purpose (Camel's content-based router, enricher and
scatter-gather, without a scripting language): a route lists which registry operations to
call with which request fields, which named rules to apply to the gathered records, and
whether the service answers now or is handed to the municipality. Anything the file gets
wrong is refused at start-up, naming file, line and key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.catalogue import LocalizedText, Mode, RegistryName
from contracts.located_yaml import (
    ConfigFileError,
    ConfigProblem,
    LocatedDocument,
    Location,
    load_located_yaml,
)
from gateway.callback_origins import CallbackOrigin, parse_origin
from gateway.routing.rules import RULE_KINDS

_ENV_REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")
SOURCE_PATTERN = r"^(applicant\.personal_number|request\.municipality|form\.[a-z][a-z0-9_]*)$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BackoffConfig(_Strict):
    initial_s: float = Field(0.05, ge=0)
    max_s: float = Field(1.0, ge=0)


class BreakerConfig(_Strict):
    failure_threshold: int = Field(5, ge=1)
    cool_down_s: float = Field(10.0, ge=0)


class RegistryConfig(_Strict):
    kind: Literal["soap", "rest"]
    contract: Path = Field(description="WSDL or OpenAPI file, relative to the contracts root")
    endpoint: str = Field(pattern=r"^https?://")
    timeout_s: float = Field(2.0, gt=0, le=60)
    retries: int = Field(3, ge=1, le=10, description="attempts, 1 = no retry")
    backoff: BackoffConfig = BackoffConfig()
    breaker: BreakerConfig = BreakerConfig()
    max_connections: int = Field(64, ge=1, le=1024)


Role = Literal["portal", "municipality", "operator", "reporter", "data-usage"]


class CallbackOriginConfig(_Strict):
    """An origin a client's status callbacks may go to; a plain string is ``origin`` alone."""

    # Declared before ``origin``, so that the origin's check can read it.
    development: bool = Field(
        False,
        description="may resolve to loopback or private addresses (the demo, the tests); "
        "ignored in production",
    )
    origin: str = Field(
        description="http(s)://host, http(s)://host:port or http(s)://host:low-high"
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        return {"origin": value} if isinstance(value, str) else value

    @field_validator("origin")
    @classmethod
    def _valid_origin(cls, origin: str, info: ValidationInfo) -> str:
        parse_origin(origin, development=bool(info.data.get("development", False)))
        return origin

    def parsed(self) -> CallbackOrigin:
        return parse_origin(self.origin, development=self.development)


class ClientConfig(_Strict):
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the API key")
    roles: tuple[Role, ...] = Field(min_length=1)
    services: Literal["all"] | tuple[str, ...] = ()
    municipality: str | None = Field(None, description="KAS code, for a municipal back-office")
    callback_origins: tuple[CallbackOriginConfig, ...] = Field(
        (), description="where this client's status callbacks may go; none: no callbacks"
    )
    disclosure_delay_days: int | None = Field(
        None,
        ge=1,
        description="a client whose registry reads the law lets stay hidden from the citizen "
        "(a police or court query): its data-usage records are shown this many days later",
    )


FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class LegalBasisConfig(_Strict):
    """Why the gateway may read this registry for this service.

    Law No. 06/L-082 on Protection of Personal Data lets a processing rest only on a basis
    and for a purpose; the route states both, per call, so that they can be shown and audited.

    ``law: catalogue`` takes the service's legal basis from the catalogue, so that the two
    files cannot drift apart; any other text names the law itself. ``article`` is required
    but may be ``null``: where no source gives the article, the file says so rather than
    guess one.
    """

    law: str = Field(min_length=1)
    article: str | None
    note: str | None = Field(None, description="where the basis comes from, when it is weak")


class CallConfig(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the record's name in the route")
    registry: RegistryName
    operation: str
    arguments: dict[str, Annotated[str, Field(pattern=SOURCE_PATTERN)]]
    on_not_found: Literal["applicant", "record", "absent"] = Field(
        "record",
        description="applicant: the applicant is unknown; record: the asked record is missing; "
        "absent: no record, and rules decide",
    )
    # Optional here so that the routes check, not a bare "field required", says what is missing.
    legal_basis: LegalBasisConfig | None = None
    purpose: str | None = Field(None, min_length=1, description="why the route reads it")
    fields: tuple[FieldName, ...] | None = Field(
        None, description="the fields of the record the route may use; the rest are dropped"
    )


class RuleConfig(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    record: str = Field(description="name of the call whose record the rule reads")
    values: tuple[str, ...] = Field((), description="values for marital_status_in / encumbrances")
    reason: LocalizedText

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in RULE_KINDS:
            raise ValueError(f"unknown rule kind {kind!r}; known: {', '.join(sorted(RULE_KINDS))}")
        return kind


class HandoffConfig(_Strict):
    exchange: str = "ekomunat.requests"
    destination: Literal["municipality"] = "municipality"


class RouteConfig(_Strict):
    service: str
    municipality: str | None = Field(None, description="override for one municipality only")
    mode: Mode
    calls: tuple[CallConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()
    handoff: HandoffConfig | None = None
    handoff_fields: dict[str, tuple[FieldName, ...]] | None = Field(
        None,
        description="per call, the fields of its record the hand-off may carry; a call not "
        "named here hands nothing to the municipality",
    )

    @field_validator("calls")
    @classmethod
    def _unique_call_names(cls, calls: tuple[CallConfig, ...]) -> tuple[CallConfig, ...]:
        names = [call.name for call in calls]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"call names must be unique; repeated: {', '.join(duplicates)}")
        return calls


class RoutingFile(_Strict):
    version: Literal[1]
    definitions: dict[str, Any] = Field(
        default_factory=dict, description="YAML anchors shared by routes (e.g. rule reasons)"
    )
    registries: dict[RegistryName, RegistryConfig]
    clients: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], ClientConfig]
    routes: tuple[RouteConfig, ...]


def load_routing_file(
    path: Path, *, environ: Mapping[str, str] | None = None
) -> tuple[RoutingFile, LocatedDocument]:
    """Parse the file, substitute ``${VAR}`` / ``${VAR:-default}``, and type it.

    The located document comes back too, so that the cross-checks against the catalogue and
    the registry contracts (``gateway.routing.check``) can name lines as well.
    """
    document = load_located_yaml(path)
    if not isinstance(document.data, Mapping):
        raise document.error((), "expected a mapping at the top of the file")
    problems: list[ConfigProblem] = []
    document.data = _substitute(
        document.data, (), environ if environ is not None else os.environ, document, problems
    )
    if problems:
        raise ConfigFileError(path, problems)
    try:
        routing = RoutingFile.model_validate(document.data)
    except ValidationError as exc:
        raise ConfigFileError(
            path, [document.problem(error["loc"], error["msg"]) for error in exc.errors()]
        ) from None
    return routing, document


def _substitute(
    value: Any,
    location: Location,
    environ: Mapping[str, str],
    document: LocatedDocument,
    problems: list[ConfigProblem],
) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            problems.append(document.problem(location, f"environment variable {name} is unset"))
            return match.group(0)

        return _ENV_REFERENCE.sub(replace, value)
    if isinstance(value, Mapping):
        return {
            key: _substitute(item, (*location, key), environ, document, problems)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            _substitute(item, (*location, index), environ, document, problems)
            for index, item in enumerate(value)
        ]
    return value
