"""The eKomunat catalogue: the 38 municipalities and the municipal services they offer.

The catalogue is data (``contracts/catalogue/*.yaml``) that the ministry and the municipalities
agree on; this module gives it types and refuses a broken file at start-up, naming the file,
the line and the key, so that an operator can fix it without reading Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.located_yaml import (
    ConfigFileError,
    ConfigProblem,
    LocatedDocument,
    load_located_yaml,
)

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
_M = TypeVar("_M", bound=BaseModel)

DisplayLanguage = Literal["sq", "sr", "en"]
DISPLAY_LANGUAGES: tuple[DisplayLanguage, ...] = ("sq", "sr", "en")
DEFAULT_LANGUAGE: DisplayLanguage = "sq"

MunicipalityCode = Annotated[str, Field(pattern=r"^(0[1-9]|[12][0-9]|3[0-8])$")]
ServiceCode = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(_Frozen):
    """A text in the three display languages of the portal."""

    sq: str = Field(min_length=1)
    sr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_language(self, language: DisplayLanguage) -> str:
        return str(getattr(self, language))


class CommunityLanguage(StrEnum):
    """Languages a municipality may recognise (ISO 639-1, Romani as ``rom``)."""

    ALBANIAN = "sq"
    SERBIAN = "sr"
    TURKISH = "tr"
    BOSNIAN = "bs"
    ROMANI = "rom"


class MunicipalityLanguages(_Frozen):
    official: tuple[CommunityLanguage, ...]
    in_official_use: tuple[CommunityLanguage, ...] = ()

    @field_validator("official")
    @classmethod
    def _albanian_and_serbian_everywhere(
        cls, value: tuple[CommunityLanguage, ...]
    ) -> tuple[CommunityLanguage, ...]:
        missing = {CommunityLanguage.ALBANIAN, CommunityLanguage.SERBIAN} - set(value)
        if missing:
            names = ", ".join(sorted(m.value for m in missing))
            raise ValueError(
                f"Albanian and Serbian are official in every municipality; missing {names}"
            )
        return value


class Municipality(_Frozen):
    code: MunicipalityCode
    slug: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: LocalizedText
    languages: MunicipalityLanguages
    region: str


class Category(StrEnum):
    CIVIL_STATUS = "civil_status"
    PROPERTY_CADASTRE = "property_cadastre"
    URBAN_PLANNING_CONSTRUCTION = "urban_planning_construction"
    BUSINESS_LICENSING = "business_licensing"
    TAXES_FEES = "taxes_fees"
    SOCIAL_EDUCATION = "social_education"
    PARTICIPATION_TRANSPARENCY = "participation_transparency"
    COMPLAINTS = "complaints"


class Mode(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


RegistryName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A registry as ``routing.yaml`` names it under ``registries:``.

The set of registries is data, not code: adding one is an entry in ``routing.yaml`` and a
mapping module, so a name is only checked for its shape here, and against the registries
``routing.yaml`` declares when the routing table is compiled (``gateway.routing.table``).
"""


class Service(_Frozen):
    code: ServiceCode
    category: Category
    mode: Mode
    registries: tuple[RegistryName, ...] = ()
    answer_days: int = Field(gt=0, le=365)
    fee_eur: float | None = Field(default=None, ge=0)
    name: LocalizedText
    description: LocalizedText
    produces: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    legal_basis: str | None = None
    municipalities: Literal["all"] | tuple[MunicipalityCode, ...] = "all"
    anonymous_allowed: bool = Field(
        False, description="a request may come without an applicant (nothing personal is asked)"
    )
    form: dict[str, Any]

    @field_validator("form")
    @classmethod
    def _form_is_an_object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "<root>"
            raise ValueError(f"not a valid JSON Schema at {where}: {exc.message}") from exc
        if value.get("type") != "object":
            raise ValueError('the form schema must have "type": "object"')
        return value

    def offered_in(self, municipality: str) -> bool:
        return self.municipalities == "all" or municipality in self.municipalities


class Catalogue:
    """The loaded catalogue, indexed for the lookups the API and the router make."""

    def __init__(self, municipalities: Iterable[Municipality], services: Iterable[Service]) -> None:
        self.municipalities: tuple[Municipality, ...] = tuple(municipalities)
        self.services: tuple[Service, ...] = tuple(services)
        self._municipalities = {m.code: m for m in self.municipalities}
        self._services = {s.code: s for s in self.services}

    def municipality(self, code: str) -> Municipality | None:
        return self._municipalities.get(code)

    def service(self, code: str) -> Service | None:
        return self._services.get(code)

    def services_in(self, municipality: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.offered_in(municipality))

    @property
    def municipality_codes(self) -> tuple[str, ...]:
        return tuple(self._municipalities)


class _MunicipalitiesFile(_Frozen):
    municipalities: tuple[Municipality, ...] = Field(min_length=1)


class _ServicesFile(_Frozen):
    services: tuple[Service, ...] = Field(min_length=1)


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Load and check both catalogue files; raise ``ConfigFileError`` naming file, line and key."""
    municipalities_doc = load_located_yaml(directory / "municipalities.yaml")
    municipalities = _parse(_MunicipalitiesFile, municipalities_doc).municipalities
    _refuse_duplicates(
        municipalities_doc, "municipalities", [m.code for m in municipalities], "code"
    )
    _refuse_duplicates(
        municipalities_doc, "municipalities", [m.slug for m in municipalities], "slug"
    )

    services_doc = load_located_yaml(directory / "services.yaml")
    services = _parse(_ServicesFile, services_doc).services
    _refuse_duplicates(services_doc, "services", [s.code for s in services], "code")

    known = {m.code for m in municipalities}
    problems = [
        services_doc.problem(
            ("services", index, "municipalities", position),
            f"unknown municipality code {code!r}",
        )
        for index, service in enumerate(services)
        if service.municipalities != "all"
        for position, code in enumerate(service.municipalities)
        if code not in known
    ]
    if problems:
        raise ConfigFileError(services_doc.path, problems)
    return Catalogue(municipalities, services)


def _parse(model: type[_M], document: LocatedDocument) -> _M:
    if not isinstance(document.data, Mapping):
        raise document.error((), "expected a mapping at the top of the file")
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems: list[ConfigProblem] = [
            document.problem(error["loc"], error["msg"]) for error in exc.errors()
        ]
        raise ConfigFileError(document.path, problems) from None


def _refuse_duplicates(
    document: LocatedDocument, section: str, values: list[str], key: str
) -> None:
    seen: dict[str, int] = {}
    problems: list[ConfigProblem] = []
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                document.problem(
                    (section, index, key),
                    f"duplicate {key} {value!r} (first at {section}[{seen[value]}])",
                )
            )
        seen.setdefault(value, index)
    if problems:
        raise ConfigFileError(document.path, problems)
