"""The complaint catalogue: categories, the bodies that answer them, and who answers where.

A complaint is a routed request whose destination is the body responsible. The data files
beside this module say, for each category, whether a department of the municipality where
the problem is answers it or a central institution does (and, for regional bodies such as
the water companies, which one serves which municipality). Loading checks everything an
operator could get wrong (an unknown department, a municipality no water company serves,
two companies claiming one municipality), naming file, line and key, so that a broken file
stops the start and never a citizen's complaint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.catalogue import DisplayLanguage, LocalizedText, Municipality, MunicipalityCode
from contracts.located_yaml import (
    ConfigFileError,
    ConfigProblem,
    LocatedDocument,
    load_located_yaml,
)

COMPLAINTS_DIR = Path(__file__).resolve().parent
_M = TypeVar("_M", bound=BaseModel)

CategoryCode = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=48)]
InstitutionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=48)]
AttributeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
ResponsibleKind = Literal["municipal", "central"]

LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AttributeValue(_Frozen):
    key: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]
    name: LocalizedText


class Attribute(_Frozen):
    """An Open311 attribute: one extra question the complaint app asks for a category."""

    code: AttributeCode
    datatype: Datatype
    required: bool = False
    variable: bool = True
    order: int = Field(ge=1)
    description: LocalizedText
    datatype_description: LocalizedText | None = None
    values: tuple[AttributeValue, ...] = ()

    @model_validator(mode="after")
    def _values_only_for_lists(self) -> Attribute:
        if self.datatype in LIST_DATATYPES and not self.values:
            raise ValueError(f"a {self.datatype} needs values")
        if self.datatype not in LIST_DATATYPES and self.values:
            raise ValueError(f"a {self.datatype} takes no values")
        keys = [value.key for value in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError("value keys must be unique")
        return self


class MunicipalResponsibility(_Frozen):
    kind: Literal["municipal"]
    department: InstitutionId


class CentralResponsibility(_Frozen):
    kind: Literal["central"]
    institutions: tuple[InstitutionId, ...] = Field(min_length=1)


Responsibility = Annotated[
    MunicipalResponsibility | CentralResponsibility, Field(discriminator="kind")
]


class ComplaintCategory(_Frozen):
    """One complaint category (an Open311 service)."""

    code: CategoryCode
    name: LocalizedText
    description: LocalizedText
    keywords: LocalizedText | None = None
    responsible: Responsibility
    answer_days: int = Field(gt=0, le=365, description="legal answer deadline, calendar days")
    attributes: tuple[Attribute, ...] = ()

    @model_validator(mode="after")
    def _unique_attributes(self) -> ComplaintCategory:
        codes = [attribute.code for attribute in self.attributes]
        orders = [attribute.order for attribute in self.attributes]
        if len(set(codes)) != len(codes):
            raise ValueError("attribute codes must be unique within a category")
        if len(set(orders)) != len(orders):
            raise ValueError("attribute orders must be unique within a category")
        return self

    @property
    def kind(self) -> ResponsibleKind:
        return self.responsible.kind

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)


class Department(_Frozen):
    """A department every municipality has (names differ a little between municipalities)."""

    id: InstitutionId
    name: LocalizedText


class CentralInstitution(_Frozen):
    id: InstitutionId
    name: LocalizedText
    serves: Literal["all"] | tuple[MunicipalityCode, ...] = "all"

    def serves_municipality(self, code: str | None) -> bool:
        return self.serves == "all" or (code is not None and code in self.serves)


@dataclass(frozen=True, slots=True)
class Responsible:
    """The body that must answer one complaint, and where its hand-off goes.

    ``institution`` is the id status updates must name: ``<municipality>.<department>``
    (``19.public-services``) or a central institution's id (``keds``). ``routing_prefix``
    starts every routing key of this body: the municipality code, or ``central.<id>``.
    """

    institution: str
    kind: ResponsibleKind
    name: LocalizedText
    routing_prefix: str
    municipality: str | None

    def handoff_routing_key(self, category: str) -> str:
        return f"{self.routing_prefix}.complaint.{category}"


class ComplaintCatalogue:
    """The loaded catalogue, indexed for the Open311 API and the router."""

    def __init__(
        self,
        categories: Iterable[ComplaintCategory],
        departments: Iterable[Department],
        central_institutions: Iterable[CentralInstitution],
        municipalities: Iterable[Municipality],
    ) -> None:
        self.categories: tuple[ComplaintCategory, ...] = tuple(categories)
        self.departments: tuple[Department, ...] = tuple(departments)
        self.central_institutions: tuple[CentralInstitution, ...] = tuple(central_institutions)
        self._categories = {category.code: category for category in self.categories}
        self._departments = {department.id: department for department in self.departments}
        self._central = {institution.id: institution for institution in self.central_institutions}
        self._municipalities = {m.code: m for m in municipalities}

    def category(self, code: str) -> ComplaintCategory | None:
        return self._categories.get(code)

    def municipality_name(self, code: str, language: DisplayLanguage) -> str | None:
        municipality = self._municipalities.get(code)
        return municipality.name.in_language(language) if municipality else None

    def needs_place(self, category: ComplaintCategory) -> bool:
        """True when the body responsible depends on the municipality of the problem."""
        if isinstance(category.responsible, MunicipalResponsibility):
            return True
        return not any(
            self._central[institution].serves == "all"
            for institution in category.responsible.institutions
        )

    def responsible_for(
        self, category: ComplaintCategory, municipality: str | None
    ) -> Responsible | None:
        """Who answers ``category`` for a problem in ``municipality``; ``None`` if unplaced."""
        responsibility = category.responsible
        if isinstance(responsibility, MunicipalResponsibility):
            place = self._municipalities.get(municipality or "")
            if place is None:
                return None
            department = self._departments[responsibility.department]
            return Responsible(
                institution=f"{place.code}.{department.id}",
                kind="municipal",
                name=_joined(place.name, department.name),
                routing_prefix=place.code,
                municipality=place.code,
            )
        for institution_id in responsibility.institutions:
            institution = self._central[institution_id]
            if institution.serves_municipality(municipality):
                return Responsible(
                    institution=institution.id,
                    kind="central",
                    name=institution.name,
                    routing_prefix=f"central.{institution.id}",
                    municipality=municipality,
                )
        return None

    def institution_name(self, institution: str) -> LocalizedText | None:
        """The display name of an institution id as ``Responsible.institution`` spells it."""
        if institution in self._central:
            return self._central[institution].name
        code, _, department_id = institution.partition(".")
        place, department = self._municipalities.get(code), self._departments.get(department_id)
        if place is None or department is None:
            return None
        return _joined(place.name, department.name)

    def institution_ids(self) -> list[str]:
        """Every institution id a complaint can be routed to (for stats and checks)."""
        municipal = [
            f"{code}.{department.id}"
            for code in sorted(self._municipalities)
            for department in self.departments
        ]
        return municipal + [institution.id for institution in self.central_institutions]


def _joined(place: LocalizedText, department: LocalizedText) -> LocalizedText:
    return LocalizedText(
        sq=f"{place.sq} – {department.sq}",
        sr=f"{place.sr} – {department.sr}",
        en=f"{place.en} – {department.en}",
    )


class _CategoriesFile(_Frozen):
    categories: tuple[ComplaintCategory, ...] = Field(min_length=1)


class _InstitutionsFile(_Frozen):
    municipal_departments: tuple[Department, ...] = Field(min_length=1)
    central_institutions: tuple[CentralInstitution, ...] = ()


def load_complaint_catalogue(
    municipalities: Sequence[Municipality], directory: Path = COMPLAINTS_DIR
) -> ComplaintCatalogue:
    """Load and cross-check ``categories.yaml`` and ``institutions.yaml``."""
    institutions_doc = load_located_yaml(directory / "institutions.yaml")
    institutions = _parse(_InstitutionsFile, institutions_doc)
    _refuse_duplicates(
        institutions_doc,
        "municipal_departments",
        [d.id for d in institutions.municipal_departments],
    )
    _refuse_duplicates(
        institutions_doc,
        "central_institutions",
        [i.id for i in institutions.central_institutions],
    )
    known_codes = {m.code for m in municipalities}
    _check_served_municipalities(institutions_doc, institutions, known_codes)

    categories_doc = load_located_yaml(directory / "categories.yaml")
    categories = _parse(_CategoriesFile, categories_doc).categories
    _refuse_duplicates(categories_doc, "categories", [c.code for c in categories])
    _check_responsibilities(categories_doc, categories, institutions, known_codes)
    return ComplaintCatalogue(
        categories,
        institutions.municipal_departments,
        institutions.central_institutions,
        municipalities,
    )


def _check_served_municipalities(
    document: LocatedDocument, institutions: _InstitutionsFile, known: set[str]
) -> None:
    problems = [
        document.problem(
            ("central_institutions", index, "serves", position), f"unknown municipality {code!r}"
        )
        for index, institution in enumerate(institutions.central_institutions)
        if institution.serves != "all"
        for position, code in enumerate(institution.serves)
        if code not in known
    ]
    if problems:
        raise ConfigFileError(document.path, problems)


def _check_responsibilities(
    document: LocatedDocument,
    categories: Sequence[ComplaintCategory],
    institutions: _InstitutionsFile,
    known: set[str],
) -> None:
    departments = {d.id for d in institutions.municipal_departments}
    central: Mapping[str, CentralInstitution] = {i.id: i for i in institutions.central_institutions}
    problems: list[ConfigProblem] = []
    for index, category in enumerate(categories):
        where = ("categories", index, "responsible")
        responsibility = category.responsible
        if isinstance(responsibility, MunicipalResponsibility):
            if responsibility.department not in departments:
                problems.append(
                    document.problem(
                        (*where, "department"),
                        f"unknown department {responsibility.department!r}",
                    )
                )
            continue
        unknown = [i for i in responsibility.institutions if i not in central]
        if unknown:
            problems.append(
                document.problem(
                    (*where, "institutions"), f"unknown institutions {', '.join(unknown)}"
                )
            )
            continue
        if any(central[i].serves == "all" for i in responsibility.institutions):
            if len(responsibility.institutions) > 1:
                problems.append(
                    document.problem(
                        (*where, "institutions"),
                        "an institution serving all municipalities must be the only one",
                    )
                )
            continue
        claims: dict[str, list[str]] = {code: [] for code in known}
        for institution_id in responsibility.institutions:
            for code in central[institution_id].serves:
                claims.setdefault(code, []).append(institution_id)
        for code, claimants in sorted(claims.items()):
            if len(claimants) != 1:
                who = ", ".join(claimants) or "none"
                problems.append(
                    document.problem(
                        (*where, "institutions"),
                        f"municipality {code} must be served by exactly one institution "
                        f"(found: {who})",
                    )
                )
    if problems:
        raise ConfigFileError(document.path, problems)


def _parse(model: type[_M], document: LocatedDocument) -> _M:
    if not isinstance(document.data, Mapping):
        raise document.error((), "expected a mapping at the top of the file")
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = [document.problem(error["loc"], error["msg"]) for error in exc.errors()]
        raise ConfigFileError(document.path, problems) from None


def _refuse_duplicates(document: LocatedDocument, section: str, values: list[str]) -> None:
    seen: dict[str, int] = {}
    problems: list[ConfigProblem] = []
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                document.problem(
                    (section, index), f"duplicate id {value!r} (first at {section}[{seen[value]}])"
                )
            )
        seen.setdefault(value, index)
    if problems:
        raise ConfigFileError(document.path, problems)
