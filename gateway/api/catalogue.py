"""``/v1/catalogue``: what the portal may offer, where, and in which language.

Public reads: the portal renders its service pages from these answers. Texts are given in
the negotiated language (``lang`` or ``Accept-Language``); ``names`` carries all three so a
language switch needs no second call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from contracts.catalogue import (
    Catalogue,
    Category,
    CommunityLanguage,
    DisplayLanguage,
    LocalizedText,
    Mode,
    Municipality,
    RegistryName,
    Service,
)
from gateway.api.deps import CatalogueDep
from gateway.api.language import negotiate
from gateway.api.problems import problem_responses
from gateway.refusals import Refusal

router = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])

LangQuery = Annotated[
    str | None,
    Query(description="sq, sr or en; overrides Accept-Language; unknown means sq", max_length=35),
]


class Texts(BaseModel):
    sq: str
    sr: str
    en: str


class MunicipalityView(BaseModel):
    code: str = Field(description="KAS municipality code, 01-38")
    slug: str
    name: str = Field(description="the name in the answer's language")
    names: Texts
    region: str
    official_languages: list[CommunityLanguage]
    languages_in_official_use: list[CommunityLanguage]


class MunicipalityList(BaseModel):
    language: DisplayLanguage
    count: int
    municipalities: list[MunicipalityView]


class ServiceSummary(BaseModel):
    code: str
    name: str
    description: str
    names: Texts
    category: Category
    mode: Mode
    registries: list[RegistryName]
    answer_days: int = Field(description="legal answer time in working days")
    fee_eur: float | None = Field(description="indicative fee; municipalities set their own")
    produces: str
    legal_basis: str | None
    municipalities: list[str] = Field(description="KAS codes of the municipalities offering it")


class ServiceDetail(ServiceSummary):
    form_schema: dict[str, Any] = Field(description="JSON Schema (2020-12) of the service's form")


class ServiceList(BaseModel):
    language: DisplayLanguage
    count: int
    services: list[ServiceSummary]


def _texts(text: LocalizedText) -> Texts:
    return Texts(sq=text.sq, sr=text.sr, en=text.en)


def _municipality_view(municipality: Municipality, language: DisplayLanguage) -> MunicipalityView:
    return MunicipalityView(
        code=municipality.code,
        slug=municipality.slug,
        name=municipality.name.in_language(language),
        names=_texts(municipality.name),
        region=municipality.region,
        official_languages=list(municipality.languages.official),
        languages_in_official_use=list(municipality.languages.in_official_use),
    )


def _summary_fields(
    service: Service, language: DisplayLanguage, catalogue: Catalogue
) -> dict[str, Any]:
    offered = (
        list(catalogue.municipality_codes)
        if service.municipalities == "all"
        else list(service.municipalities)
    )
    return {
        "code": service.code,
        "name": service.name.in_language(language),
        "description": service.description.in_language(language),
        "names": _texts(service.name),
        "category": service.category,
        "mode": service.mode,
        "registries": list(service.registries),
        "answer_days": service.answer_days,
        "fee_eur": service.fee_eur,
        "produces": service.produces,
        "legal_basis": service.legal_basis,
        "municipalities": offered,
    }


def _language(request: Request, response: Response, lang: str | None) -> DisplayLanguage:
    language = negotiate(lang, request.headers.get("accept-language"))
    request.state.language = language
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return language


@router.get("/services", response_model=ServiceList, responses=problem_responses(400, 404))
def list_services(
    request: Request,
    response: Response,
    catalogue: CatalogueDep,
    municipality: Annotated[
        str | None, Query(description="only services offered in this municipality (KAS code)")
    ] = None,
    category: Annotated[Category | None, Query()] = None,
    mode: Annotated[Mode | None, Query()] = None,
    lang: LangQuery = None,
) -> ServiceList:
    """The catalogue's services, filtered and in the caller's language."""
    language = _language(request, response, lang)
    if municipality is not None and catalogue.municipality(municipality) is None:
        raise Refusal("municipality.unknown", extra={"municipality": municipality[:8]})
    services = [
        ServiceSummary(**_summary_fields(service, language, catalogue))
        for service in catalogue.services
        if (municipality is None or service.offered_in(municipality))
        and (category is None or service.category is category)
        and (mode is None or service.mode is mode)
    ]
    return ServiceList(language=language, count=len(services), services=services)


@router.get("/services/{code}", response_model=ServiceDetail, responses=problem_responses(404))
def get_service(
    code: str,
    request: Request,
    response: Response,
    catalogue: CatalogueDep,
    lang: LangQuery = None,
) -> ServiceDetail:
    """One service with the JSON Schema of its form."""
    language = _language(request, response, lang)
    service = catalogue.service(code)
    if service is None:
        raise Refusal("service.unknown")
    return ServiceDetail(**_summary_fields(service, language, catalogue), form_schema=service.form)


@router.get("/municipalities", response_model=MunicipalityList, responses=problem_responses(400))
def list_municipalities(
    request: Request, response: Response, catalogue: CatalogueDep, lang: LangQuery = None
) -> MunicipalityList:
    """All 38 municipalities, with their names and official languages."""
    language = _language(request, response, lang)
    views = [_municipality_view(m, language) for m in catalogue.municipalities]
    return MunicipalityList(language=language, count=len(views), municipalities=views)


@router.get(
    "/municipalities/{code}", response_model=MunicipalityView, responses=problem_responses(404)
)
def get_municipality(
    code: str,
    request: Request,
    response: Response,
    catalogue: CatalogueDep,
    lang: LangQuery = None,
) -> MunicipalityView:
    """One municipality by its KAS code."""
    language = _language(request, response, lang)
    municipality = catalogue.municipality(code)
    if municipality is None:
        raise Refusal("municipality.unknown")
    return _municipality_view(municipality, language)
