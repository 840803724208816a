"""``/open311/v2/``: the complaints channel, speaking Open311 GeoReport v2 in XML and JSON.

The complaint app (and any other Open311 client) lists the categories, reads a category's
extra questions, submits a complaint as a form, and follows complaints: all as the spec
describes (http://wiki.open311.org/GeoReport_v2), so that an existing Open311 client
library works unchanged. Where the spec leaves a choice, this endpoint chooses:

* ``jurisdiction_id`` is optional: ``rks-gov.net`` (all of Kosovo, the default) or a
  municipality's KAS code or slug (``19``, ``prishtine``); anything else is a 404.
* Categories are of type ``batch``: ``POST requests`` answers with a ``token`` (the spec
  forbids returning it beside the id). The token is the citizen's secret: ``GET
  tokens/{token}`` gives the ``service_request_id`` at once (the complaint is committed
  before the answer), and ``GET requests/{id}`` with the token (query ``token`` or header
  ``X-Complaint-Token``) shows the complaint's own words and photo, which the public
  view leaves out (``gateway/complaints/public_view.py``).
* Language: ``locale`` (the parameter CitySDK-style Open311 extensions use), else
  ``lang``, else ``Accept-Language``; ``sq``, ``sr`` or ``en``, Albanian by default.
* Anonymity: ``anonymous=true`` (an extension) keeps the contact details in the gateway;
  without contact details a complaint is anonymous anyway.
* Errors are the spec's list of ``{code, description}`` with status 404, 403 or 400;
  ``code`` repeats the status, the stable dotted code is in ``X-Ekomunat-Error``.

Nothing here decides anything: screening, placement, routing and storage live in
``gateway/complaints``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from contracts.catalogue import DisplayLanguage
from contracts.complaint_messages import ComplaintStatus
from contracts.complaints.catalogue import Attribute, ComplaintCategory
from gateway.access import hash_key
from gateway.api.deps import ComplaintDeskDep, gateway_of
from gateway.api.language import negotiate
from gateway.api.open_data import public_base_url
from gateway.complaints.desk import ComplaintDesk, ComplaintQuery
from gateway.complaints.open311_documents import MEDIA_TYPES, Format, as_format, render
from gateway.complaints.public_view import open311_request
from gateway.complaints.refusals import statuses
from gateway.complaints.screening import (
    ADDRESS_LIMIT,
    IDENTIFIER_LIMIT,
    ComplaintSubmission,
    Findings,
    check_attributes,
    check_coordinate,
    check_text,
    check_url,
    parse_flag,
    screen_contact,
    screen_description,
    screen_personal_data,
)
from gateway.kosovo_days import kosovo_date
from gateway.refusals import Reason, Refusal

log = structlog.get_logger()

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
ERROR_HEADER = "X-Ekomunat-Error"
TOKEN_HEADER = "X-Complaint-Token"
REPORTER_ROLE = "reporter"
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 200
MAX_RANGE_DAYS = 90
MAX_RESULTS = 1000
DISCOVERY_CHANGESET = "2026-11-24T00:00:00Z"

_POST_FIELDS = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
        "locale",
        "lang",
        "anonymous",
    }
)
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
_GROUP_NAMES: dict[str, dict[DisplayLanguage, str]] = {
    "municipal": {"sq": "Komuna", "sr": "Opština", "en": "Municipality"},
    "central": {
        "sq": "Institucionet qendrore",
        "sr": "Centralne institucije",
        "en": "Central institutions",
    },
}


def _format_of_path(path: str) -> Format:
    return "xml" if path.lower().endswith(".xml") else "json"


def _language(request: Request, form: Mapping[str, str] | None = None) -> DisplayLanguage:
    """``locale``, ``lang`` (query or form), then ``Accept-Language``; remembered for errors."""
    chosen: DisplayLanguage | None = getattr(request.state, "open311_language", None)
    if form is None and chosen is not None:
        return chosen
    form = form or {}
    explicit = (
        request.query_params.get("locale")
        or form.get("locale")
        or request.query_params.get("lang")
        or form.get("lang")
    )
    language = negotiate(explicit, request.headers.get("accept-language"))
    request.state.open311_language = language
    return language


def _document(value: Any, root: str, fmt: Format, language: DisplayLanguage) -> Response:
    return Response(
        render(value, root, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Language": language},
    )


def _errors(refused: Refusal, fmt: Format, language: DisplayLanguage) -> Response:
    """The spec's error list: one ``{code, description}`` per reason, all with one status."""
    status = refused.status
    body = [{"code": status, "description": reason.text(language)} for reason in refused.reasons]
    return Response(
        render(body, "errors", fmt),
        status_code=status,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Language": language, ERROR_HEADER: refused.code},
    )


def overloaded(request: Request, retry_after_s: int) -> Response:
    """The admission limit's refusal, as an Open311 error list in the path's format."""
    response = _errors(
        Refusal("complaint.service.overloaded"),
        _format_of_path(request.url.path),
        _language(request),
    )
    response.headers["Retry-After"] = str(retry_after_s)
    return response


class Open311Route(APIRoute):
    """Every answer of this router, refusals and crashes included, is an Open311 document."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            fmt = _format_of_path(request.url.path)
            try:
                return await handler(request)
            except Refusal as refused:
                log.info(
                    "open311.refused",
                    path=request.url.path,
                    status=refused.status,
                    reasons=[f"{r.code}:{r.field}" if r.field else r.code for r in refused.reasons],
                )
                return _errors(refused, fmt, _language(request))
            except Exception as exc:  # the spec's "general service error"; never a traceback
                log.exception(
                    "open311.crashed", path=request.url.path, error_type=type(exc).__name__
                )
                return _errors(Refusal("complaint.service.error"), fmt, _language(request))

        return handle


def _error_responses() -> dict[int | str, dict[str, Any]]:
    """The spec's error list, documented on every operation under each status it comes with
    (the refusal codes' own statuses: 400, 403, 404, and 503 when the gateway is full)."""
    content: dict[str, dict[str, Any]] = {media.split(";")[0]: {} for media in MEDIA_TYPES.values()}
    return {
        status: {"description": "Open311 errors: a list of {code, description}", "content": content}
        for status in sorted(statuses())
    }


router = APIRouter(
    prefix="/open311",
    tags=["open311"],
    route_class=Open311Route,
    responses=_error_responses(),
)


def _checked_format(fmt: str) -> Format:
    checked = as_format(fmt)
    if checked is None:
        raise Refusal("complaint.format.unsupported")
    return checked


def _jurisdiction(desk: ComplaintDesk, value: str | None) -> str | None:
    try:
        return desk.gazetteer.jurisdiction(value)
    except KeyError:
        raise Refusal("complaint.jurisdiction.unknown") from None


def _category(desk: ComplaintDesk, code: str | None) -> ComplaintCategory:
    if not code:
        raise Refusal("complaint.service_code.missing")
    category = desk.catalogue.category(code)
    if category is None:
        raise Refusal("complaint.service_code.unknown")
    return category


@router.get("/discovery.{fmt}", summary="Open311 service discovery")
async def open311_discovery(fmt: str, request: Request) -> Response:
    """Where the GeoReport v2 endpoint is and which formats it speaks."""
    checked = _checked_format(fmt)
    base = public_base_url(request)
    document = {
        "changeset": DISCOVERY_CHANGESET,
        "contact": "eKomunat Gateway operators, Ministry of Local Government Administration",
        "key_service": "API keys are issued to complaint apps by the gateway's operators.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": DISCOVERY_CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _document(document, "discovery", checked, _language(request))


@router.get("/v2/services.{fmt}", summary="GET Service List")
async def open311_services(fmt: str, request: Request, desk: ComplaintDeskDep) -> Response:
    """The complaint categories, in the caller's language."""
    checked = _checked_format(fmt)
    language = _language(request)
    _jurisdiction(desk, request.query_params.get("jurisdiction_id"))
    services = [
        {
            "service_code": category.code,
            "service_name": category.name.in_language(language),
            "description": category.description.in_language(language),
            "metadata": bool(category.attributes),
            "type": "batch",
            "keywords": category.keywords.in_language(language) if category.keywords else None,
            "group": _GROUP_NAMES[category.kind][language],
        }
        for category in desk.catalogue.categories
    ]
    return _document(services, "services", checked, language)


@router.get("/v2/services/{service_code}.{fmt}", summary="GET Service Definition")
async def open311_service_definition(
    service_code: str, fmt: str, request: Request, desk: ComplaintDeskDep
) -> Response:
    """A category's extra questions (Open311 attributes)."""
    checked = _checked_format(fmt)
    language = _language(request)
    _jurisdiction(desk, request.query_params.get("jurisdiction_id"))
    category = _category(desk, service_code)
    definition = {
        "service_code": category.code,
        "attributes": [
            _attribute_view(attribute, language)
            for attribute in sorted(category.attributes, key=lambda a: a.order)
        ],
    }
    return _document(definition, "service_definition", checked, language)


def _attribute_view(attribute: Attribute, language: DisplayLanguage) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description.in_language(language)
        if attribute.datatype_description
        else None,
        "order": attribute.order,
        "description": attribute.description.in_language(language),
        "values": [
            {"key": value.key, "name": value.name.in_language(language)}
            for value in attribute.values
        ],
    }


@router.post("/v2/requests.{fmt}", summary="POST Service Request")
async def open311_submit(fmt: str, request: Request, desk: ComplaintDeskDep) -> Response:
    """Submit a complaint (form-encoded); answers with the citizen's follow-up token."""
    checked = _checked_format(fmt)
    fields, attributes = await _read_form(request)
    language = _language(request, fields)
    client = _reporter(request, fields.get("api_key"))
    submission = _screen(desk, fields, attributes, language)
    accepted = await desk.submit(client, submission)
    notice = {
        "sq": "Ankesa iu dërgua: {name}. Përgjigjja ligjore pritet deri më {date}.",
        "sr": "Pritužba je prosleđena: {name}. Zakonski odgovor se očekuje do {date}.",
        "en": "Your complaint goes to {name}, which must answer by {date}.",
    }[language].format(
        name=accepted.responsible.name.in_language(language),
        date=kosovo_date(accepted.deadline_at).isoformat(),
    )
    body = [{"token": accepted.token, "service_notice": notice, "account_id": None}]
    return _document(body, "service_requests", checked, language)


async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form's plain fields and its ``attribute[code]`` / ``attribute[code][]`` answers."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Refusal("complaint.body.invalid")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refusal("complaint.body.too_large", limit=MAX_BODY_BYTES)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY_BYTES:
            raise Refusal("complaint.body.too_large", limit=MAX_BODY_BYTES)
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise Refusal("complaint.body.invalid") from None
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    reasons: list[Reason] = []
    for key, value in pairs:
        attribute = _ATTRIBUTE_KEY.match(key)
        if attribute:
            attributes.setdefault(attribute.group(1), []).append(value)
        elif key not in _POST_FIELDS:
            reasons.append(Reason("complaint.field.unknown", _printable(key)))
        elif key in fields:
            reasons.append(Reason("complaint.field.repeated", key))
        else:
            fields[key] = value
    if reasons:
        raise Refusal(reasons=reasons)
    return fields, attributes


def _printable(key: str) -> str:
    """A field name safe to repeat back: short, and without markup."""
    cleaned = re.sub(r"[^A-Za-z0-9_\[\].-]", "?", key)
    return cleaned[:40]


def _reporter(request: Request, api_key: str | None) -> str:
    if not api_key:
        log.warning("open311.auth_refused", reason="missing")
        raise Refusal("complaint.api_key.missing")
    client = gateway_of(request).clients_by_key_hash.get(hash_key(api_key.strip()))
    if client is None or not client.has_role(REPORTER_ROLE):
        log.warning("open311.auth_refused", reason="invalid")
        raise Refusal("complaint.api_key.invalid")
    structlog.contextvars.bind_contextvars(client=client.name)
    return client.name


def _screen(
    desk: ComplaintDesk,
    fields: Mapping[str, str],
    attributes: Mapping[str, Sequence[str]],
    language: DisplayLanguage,
) -> ComplaintSubmission:
    """Every check that needs no database; all problems are reported together."""
    category = _category(desk, fields.get("service_code"))
    jurisdiction = _jurisdiction(desk, fields.get("jurisdiction_id"))
    findings = Findings()
    latitude = check_coordinate(findings, "lat", fields.get("lat"), bound=90)
    longitude = check_coordinate(findings, "long", fields.get("long"), bound=180)
    address = check_text(
        findings, "address_string", fields.get("address_string"), limit=ADDRESS_LIMIT
    )
    address_id = check_text(
        findings, "address_id", fields.get("address_id"), limit=IDENTIFIER_LIMIT
    )
    has_lat, has_long = bool(fields.get("lat")), bool(fields.get("long"))
    if has_lat != has_long:
        findings.add("complaint.location.incomplete", "lat")
    elif not (has_lat or fields.get("address_string") or fields.get("address_id")):
        findings.add("complaint.location.missing", "lat")
    description = screen_description(findings, fields.get("description"))
    media_url = check_url(findings, "media_url", fields.get("media_url"))
    contact = screen_contact(findings, fields)
    anonymous = parse_flag(findings, "anonymous", fields.get("anonymous"))
    for name in ("locale", "lang"):
        check_text(findings, name, fields.get(name), limit=35)
    answers = check_attributes(findings, category, attributes)
    free_text: dict[str, str | list[str] | None] = {
        f"attribute[{code}]": value for code, value in answers.items()
    }
    free_text.update(address_string=address, address_id=address_id, description=description)
    screen_personal_data(findings, free_text, contact)
    if findings.reasons:
        raise Refusal(reasons=findings.reasons)
    return ComplaintSubmission(
        category=category,
        language=language,
        jurisdiction=jurisdiction,
        latitude=latitude,
        longitude=longitude,
        address=address,
        address_id=address_id,
        description=description,
        media_url=media_url,
        attributes=answers,
        contact=contact,
        anonymous=anonymous,
    )


@router.get("/v2/requests.{fmt}", summary="GET Service Requests")
async def open311_requests(fmt: str, request: Request, desk: ComplaintDeskDep) -> Response:
    """Complaints, newest first, with the spec's filters (90 days at most at a time)."""
    checked = _checked_format(fmt)
    language = _language(request)
    params = request.query_params
    municipality = _jurisdiction(desk, params.get("jurisdiction_id"))
    ids = _comma_list(params.get("service_request_id"))
    if ids:
        query = ComplaintQuery(ids=ids[:MAX_RESULTS])
    else:
        start, end = _date_range(params.get("start_date"), params.get("end_date"), desk.now())
        query = ComplaintQuery(
            categories=_comma_list(params.get("service_code")) or None,
            statuses=_statuses(params.get("status")),
            municipality=municipality,
            submitted_from=start,
            submitted_until=end,
            limit=MAX_RESULTS,
        )
    found = await desk.find(query)
    now = desk.now()
    body = [
        open311_request(
            record,
            catalogue=desk.catalogue,
            language=language,
            note=found.notes.get(record.id),
            now=now,
        )
        for record in found.records
    ]
    return _document(body, "service_requests", checked, language)


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _moment(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Refusal("complaint.query.invalid", field=name) from None
    if moment.tzinfo is None:  # the spec requires the time zone
        raise Refusal("complaint.query.invalid", field=name)
    return moment


def _date_range(
    start_text: str | None, end_text: str | None, now: datetime
) -> tuple[datetime, datetime]:
    """The spec's window: both given (at most 90 days apart), one given, or the last 90 days."""
    span = timedelta(days=MAX_RANGE_DAYS)
    start = _moment("start_date", start_text) if start_text else None
    end = _moment("end_date", end_text) if end_text else None
    if start is None and end is None:
        return now - span, now
    if start is None:
        assert end is not None
        return end - span, end
    if end is None:
        return start, start + span
    if end < start:
        raise Refusal("complaint.query.invalid", field="end_date")
    if end - start > span:
        raise Refusal("complaint.query.range_too_long", limit=MAX_RANGE_DAYS)
    return start, end


def _statuses(value: str | None) -> list[ComplaintStatus] | None:
    wanted = set(_comma_list(value))
    if not wanted:
        return None
    if not wanted <= {"open", "closed"}:
        raise Refusal("complaint.query.invalid", field="status")
    statuses: list[ComplaintStatus] = []
    if "open" in wanted:
        statuses += [status for status in ComplaintStatus if status is not ComplaintStatus.CLOSED]
    if "closed" in wanted:
        statuses.append(ComplaintStatus.CLOSED)
    return statuses


@router.get("/v2/requests/{service_request_id}.{fmt}", summary="GET Service Request")
async def open311_request_by_id(
    service_request_id: str, fmt: str, request: Request, desk: ComplaintDeskDep
) -> Response:
    """One complaint; with its token, also the complaint's own words and photo."""
    checked = _checked_format(fmt)
    language = _language(request)
    _jurisdiction(desk, request.query_params.get("jurisdiction_id"))
    token = request.query_params.get("token") or request.headers.get(TOKEN_HEADER)
    found = await desk.find(ComplaintQuery(ids=[service_request_id], limit=1))
    if not found.records:
        raise Refusal("complaint.request.unknown")
    private = False
    if token:
        if not await desk.token_matches(service_request_id, token):
            raise Refusal("complaint.token.mismatch")
        private = True
    record = found.records[0]
    body = [
        open311_request(
            record,
            catalogue=desk.catalogue,
            language=language,
            note=found.notes.get(record.id),
            now=desk.now(),
            private=private,
        )
    ]
    return _document(body, "service_requests", checked, language)


@router.get("/v2/tokens/{token}.{fmt}", summary="GET service_request_id from a token")
async def open311_token(token: str, fmt: str, request: Request, desk: ComplaintDeskDep) -> Response:
    """The id of the complaint a token belongs to."""
    checked = _checked_format(fmt)
    language = _language(request)
    _jurisdiction(desk, request.query_params.get("jurisdiction_id"))
    complaint_id = await desk.id_for_token(token)
    if complaint_id is None:
        raise Refusal("complaint.token.unknown")
    body = [{"service_request_id": complaint_id, "token": token}]
    return _document(body, "service_requests", checked, language)


@router.api_route(
    "/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def open311_not_found(rest: str) -> Response:
    """Anything else under /open311 is an Open311 404, not a problem document."""
    raise Refusal("complaint.resource.unknown")
