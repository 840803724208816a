"""Portal requests through the real app and the real sandbox registries over loopback HTTP.

Each test is a citizen's case across the catalogue's categories: the answer a citizen gets,
and each refusal the portal must be able to show (with a stable code and a localised title).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.fixtures.gateway import (
    OPERATOR_KEY,
    offline_settings,
    portal_headers,
    registry_environment,
)


def applicant(person) -> dict[str, str]:
    return {
        "personal_number": person.personal_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }


def submit(client, service, person, form, *, municipality=None, language="en", headers=None):
    body = {
        "service": service,
        "municipality": municipality or person.address.municipality_code,
        "language": language,
        "applicant": applicant(person),
        "form": form,
    }
    return client.post("/v1/requests", json=body, headers=headers or portal_headers(language))


def owned_parcel(seed, person, *, without: str | None = None):
    """A parcel the person holds, optionally one without an encumbrance of a kind."""
    for parcel, _owner in seed.possessions[person.personal_number]:
        if without is None or all(e.kind != without for e in parcel.encumbrances):
            return parcel
    raise LookupError("no such parcel")


def owner_of_disputed_parcel(seed):
    for index in range(200):
        parcel = seed.parcel_with_encumbrance("dispute", index)
        for owner in parcel.owners:
            if owner.personal_number and seed.persons[owner.personal_number].alive:
                return seed.persons[owner.personal_number], parcel
    raise LookupError("no disputed parcel with a living owner")


def owner_of_undisputed_parcel(seed):
    for index in range(200):
        person = seed.alive_parcel_owner(index)
        try:
            return person, owned_parcel(seed, person, without="dispute")
        except LookupError:
            continue
    raise LookupError("no undisputed parcel")


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    return problem


# ── sync services: the document comes back at once ───────────────────────────────────────


def test_a_birth_certificate_is_issued_from_the_civil_registry(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()

    response = submit(gateway_client, "birth-certificate", person, {"purpose": "employment"})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "completed"
    assert answer["document"]["type"] == "birth_certificate"
    birth = answer["document"]["records"]["birth"]
    assert birth["registration_number"] == person.birth_registration_number
    assert birth["date_of_birth"] == person.date_of_birth.isoformat()
    hops = {hop["hop"]: hop for hop in answer["trace"]}
    assert hops["registry.person"]["outcome"] == "found"
    assert hops["registry.birth"]["registry"] == "civil"
    assert hops["rule.applicant_alive"]["outcome"] == "passed"


def test_the_status_url_shows_the_request_and_its_trace(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner(1)
    answer = submit(gateway_client, "citizenship-certificate", person, {"purpose": "other"}).json()

    status = gateway_client.get(answer["status_url"], headers=portal_headers())

    assert status.status_code == 200
    view = status.json()
    assert view["status"] == "completed"
    assert view["service"] == "citizenship-certificate"
    assert [h["hop"] for h in view["trace"]] == ["registry.person", "rule.applicant_alive"]


@pytest.mark.parametrize(
    ("language", "words"),
    [("sq", "nuk i plotëson"), ("sr", "ne ispunjava"), ("en", "does not meet")],
)
def test_a_deceased_applicant_is_refused_with_the_rule_in_words(
    gateway_client, sandbox, language, words
):
    person = sandbox.seed.deceased_person()

    response = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, language=language
    )

    problem = assert_refused(response, 422, "rule.failed")
    assert words in problem["title"]
    assert problem["rule"] == "applicant_alive"
    assert {"sq": "gjallë", "sr": "živo", "en": "living"}[language] in problem["detail"]
    assert response.headers["content-language"] == language


def test_an_applicant_unknown_to_the_civil_registry_is_told_so(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    unknown = {**applicant(person), "personal_number": sandbox.seed.unknown_personal_number()}
    body = {
        "service": "birth-extract",
        "municipality": "19",
        "language": "sq",
        "applicant": unknown,
        "form": {"purpose": "other"},
    }

    response = gateway_client.post("/v1/requests", json=body, headers=portal_headers("sq"))

    problem = assert_refused(response, 422, "applicant.not_found")
    assert "nuk gjendet" in problem["title"]
    assert unknown["personal_number"] not in response.text


def test_a_marriage_certificate_needs_a_marriage(gateway_client, sandbox):
    married = sandbox.seed.married_person()
    single = next(
        p
        for p in sandbox.seed.persons.values()
        if p.alive and p.marital_status == "single" and p.date_of_birth.year < 2000
    )

    issued = submit(gateway_client, "marriage-certificate", married, {"purpose": "other"})
    refused = submit(gateway_client, "marriage-certificate", single, {"purpose": "other"})

    assert issued.status_code == 200, issued.text
    marriage = issued.json()["document"]["records"]["civil_status"]["marriage"]
    assert marriage["spouse_personal_number"] == married.marriage.spouse_personal_number
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "applicant_married"


def test_a_residence_certificate_comes_only_from_the_municipality_of_residence(
    gateway_client, sandbox
):
    person = sandbox.seed.person_in("20")
    home = person.address.municipality_code
    elsewhere = "19" if home != "19" else "20"

    issued = submit(gateway_client, "residence-certificate", person, {"purpose": "other"})
    refused = submit(
        gateway_client,
        "residence-certificate",
        person,
        {"purpose": "other"},
        municipality=elsewhere,
    )

    assert issued.status_code == 200, issued.text
    assert issued.json()["document"]["records"]["residence"]["municipality_code"] == home
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "resides_here"


def test_a_death_certificate_is_for_a_deceased_person_only(gateway_client, sandbox):
    relative = sandbox.seed.alive_parcel_owner()
    deceased = sandbox.seed.deceased_person()

    issued = submit(
        gateway_client,
        "death-certificate",
        relative,
        {"purpose": "other", "deceased_personal_number": deceased.personal_number},
    )
    refused = submit(
        gateway_client,
        "death-certificate",
        relative,
        {"purpose": "other", "deceased_personal_number": relative.personal_number},
    )

    assert issued.status_code == 200, issued.text
    record = issued.json()["document"]["records"]["deceased"]
    assert record["status"] == "deceased"
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "person_deceased"


def test_a_possession_list_lists_the_applicants_parcels(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner(2)
    held = {
        (p.cadastral_zone, p.parcel_number)
        for p, _ in sandbox.seed.possessions[person.personal_number]
    }
    zone = next(iter(held))[0]

    response = submit(
        gateway_client, "possession-list", person, {"purpose": "other", "cadastral_zone": zone}
    )

    assert response.status_code == 200, response.text
    entries = response.json()["document"]["records"]["possession_list"]["entries"]
    assert {(e["cadastral_zone"], e["parcel_number"]) for e in entries} == held


def test_a_person_holding_nothing_gets_record_not_found_for_a_possession_list(
    gateway_client, sandbox
):
    person = sandbox.seed.person_without_parcels()

    response = submit(
        gateway_client,
        "possession-list",
        person,
        {"purpose": "other", "cadastral_zone": "190001"},
    )

    assert assert_refused(response, 422, "record.not_found")["record"] == "possession_list"


def test_the_no_real_estate_certificate_is_the_mirror_image(gateway_client, sandbox):
    without = sandbox.seed.person_without_parcels(1)
    owner = sandbox.seed.alive_parcel_owner(3)

    issued = submit(gateway_client, "no-real-estate-certificate", without, {"purpose": "other"})
    refused = submit(gateway_client, "no-real-estate-certificate", owner, {"purpose": "other"})

    assert issued.status_code == 200, issued.text
    assert issued.json()["document"]["records"]["possession_list"] is None
    hops = {h["hop"]: h["outcome"] for h in issued.json()["trace"]}
    assert hops["registry.possession_list"] == "absent"
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "owns_no_real_estate"


def test_parcel_encumbrances_are_listed(gateway_client, sandbox):
    parcel = sandbox.seed.parcel_with_encumbrance("mortgage")
    person = sandbox.seed.alive_parcel_owner()

    response = submit(
        gateway_client,
        "parcel-encumbrance-information",
        person,
        {"cadastral_zone": parcel.cadastral_zone, "parcel_number": parcel.parcel_number},
    )

    assert response.status_code == 200, response.text
    records = response.json()["document"]["records"]
    assert records["parcel"]["parcel_number"] == parcel.parcel_number
    kinds = {e["kind"] for e in records["encumbrances"]["encumbrances"]}
    assert "mortgage" in kinds


def test_a_business_extract_is_for_its_owners(gateway_client, sandbox):
    owner, business = sandbox.seed.active_business_owner()
    stranger = sandbox.seed.person_without_business()
    form = {"purpose": "other", "business_number": business.registration_number}

    issued = submit(gateway_client, "business-status-extract", owner, form)
    refused = submit(gateway_client, "business-status-extract", stranger, form)

    assert issued.status_code == 200, issued.text
    record = issued.json()["document"]["records"]["business"]
    assert record["registration_number"] == business.registration_number
    assert record["status"] == "active"
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "applicant_business_role"


# ── async services: accepted, committed with their hand-off, not yet handed off ──────────

PERMIT_FORM = {
    "construction_conditions_number": "KN-2026-0042",
    "building_use": "residential",
    "area_m2": 180,
    "attachments": [{"name": "projekti.pdf", "url": "https://e-kosova.example/docs/1"}],
}


def test_a_construction_permit_application_is_accepted_for_the_parcel_owner(
    gateway_client, sandbox
):
    person, parcel = owner_of_undisputed_parcel(sandbox.seed)
    form = {
        **PERMIT_FORM,
        "cadastral_zone": parcel.cadastral_zone,
        "parcel_number": parcel.parcel_number,
    }

    response = submit(
        gateway_client,
        "construction-permit-category-i",
        person,
        form,
        municipality=parcel.municipality_code,
    )

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "accepted"
    assert accepted["handed_off"] is False
    assert accepted["answer_due_working_days"] == 30
    assert response.headers["location"] == accepted["status_url"]
    view = gateway_client.get(accepted["status_url"], headers=portal_headers()).json()
    assert view["status"] == "accepted"
    assert [h["status"] for h in view["history"]] == ["accepted"]


def test_a_permit_on_someone_elses_parcel_is_refused(gateway_client, sandbox):
    _owner, parcel = owner_of_undisputed_parcel(sandbox.seed)
    stranger = sandbox.seed.person_without_parcels(4)
    form = {
        **PERMIT_FORM,
        "cadastral_zone": parcel.cadastral_zone,
        "parcel_number": parcel.parcel_number,
    }

    response = submit(
        gateway_client,
        "construction-permit-category-ii",
        stranger,
        form,
        municipality=parcel.municipality_code,
    )

    assert assert_refused(response, 422, "rule.failed")["rule"] == "applicant_owns_parcel"


def test_a_permit_on_a_disputed_parcel_is_refused(gateway_client, sandbox):
    person, parcel = owner_of_disputed_parcel(sandbox.seed)
    form = {
        **PERMIT_FORM,
        "cadastral_zone": parcel.cadastral_zone,
        "parcel_number": parcel.parcel_number,
    }

    response = submit(
        gateway_client,
        "construction-permit-category-i",
        person,
        form,
        municipality=parcel.municipality_code,
    )

    assert assert_refused(response, 422, "rule.failed")["rule"] == "no_dispute"


def test_a_public_space_permit_needs_an_active_business(gateway_client, sandbox):
    owner, business = sandbox.seed.active_business_owner(1)
    suspended = sandbox.seed.business_with_status("suspended")
    suspended_owner = sandbox.seed.persons[suspended.owners[0].personal_number]
    form = {
        "address": "Sheshi Skënderbeu 3",
        "object_type": "stand",
        "area_m2": 4,
        "start_date": "2027-03-01",
        "end_date": "2027-09-30",
    }

    accepted = submit(
        gateway_client,
        "public-space-use-permit",
        owner,
        {**form, "business_number": business.registration_number},
    )
    refused = submit(
        gateway_client,
        "public-space-use-permit",
        suspended_owner,
        {**form, "business_number": suspended.registration_number},
    )

    assert accepted.status_code == 202, accepted.text
    assert assert_refused(refused, 422, "rule.failed")["rule"] == "business_active"


@pytest.mark.parametrize(
    ("service", "form"),
    [
        # (A comment in a public hearing needs a published hearing: tests/integration/hearings.)
        (
            "administrative-decision-appeal",
            {"decision_number": "05-1234/26", "decision_date": "2026-10-01", "description": "Jo."},
        ),
        ("municipal-service-complaint", {"description": "Sporteli ishte i mbyllur."}),
        ("property-tax-invoice", {"tax_year": 2026}),
    ],
)
def test_services_without_registry_calls_are_accepted_for_the_municipality(
    gateway_client, sandbox, service, form
):
    person = sandbox.seed.alive_parcel_owner(5)

    response = submit(gateway_client, service, person, form)

    assert response.status_code == 202, response.text
    assert response.json()["trace"] == []


def test_social_assistance_gathers_civil_and_cadastre_records(gateway_client, sandbox):
    person = sandbox.seed.person_without_parcels(2)

    response = submit(
        gateway_client,
        "social-assistance-application",
        person,
        {"scheme_category": "category_i", "household_members": 4},
    )

    assert response.status_code == 202, response.text
    hops = {h["hop"]: h["outcome"] for h in response.json()["trace"]}
    assert hops == {
        "registry.person": "found",
        "registry.residence": "found",
        "registry.possession_list": "absent",
        "rule.applicant_alive": "passed",
        "rule.resides_here": "passed",
    }


def test_a_service_offered_only_elsewhere_is_refused(gateway_client, sandbox):
    person = sandbox.seed.person_in("20")
    form = {
        "address": "Rr. Remzi Ademaj 5",
        "attachments": [{"name": "kontrata.pdf", "url": "https://e-kosova.example/d/2"}],
    }

    refused = submit(gateway_client, "municipal-flat-purchase", person, form, municipality="20")
    accepted = submit(gateway_client, "municipal-flat-purchase", person, form, municipality="19")

    assert_refused(refused, 422, "service.not_offered")
    assert accepted.status_code == 202, accepted.text


# ── refusals before any registry is asked ─────────────────────────────────────────────────


def test_an_invalid_form_field_is_named_without_echoing_the_value(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    secret = sandbox.seed.unknown_personal_number()

    response = submit(
        gateway_client,
        "death-certificate",
        person,
        {"purpose": "other", "deceased_personal_number": secret[:9] + "X", "colour": "red"},
    )

    problem = assert_refused(response, 422, "request.payload.invalid")
    reasons = {e["pointer"]: e["reason"] for e in problem["errors"]}
    assert reasons["/form/deceased_personal_number"].startswith("must match the pattern")
    assert reasons["/form/colour"] == "is not a field of this service's form"
    assert secret[:9] not in response.text


def test_an_invalid_envelope_is_refused_before_routing(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    body = {
        "service": "birth-certificate",
        "municipality": "19",
        "language": "en",
        "applicant": {**applicant(person), "personal_number": "12345"},
        "form": {"purpose": "other"},
    }

    response = gateway_client.post("/v1/requests", json=body, headers=portal_headers())

    problem = assert_refused(response, 422, "request.payload.invalid")
    assert "/applicant/personal_number" in {e["pointer"] for e in problem["errors"]}


def test_malformed_json_is_a_400(gateway_client):
    response = gateway_client.post(
        "/v1/requests",
        content=b'{"service": "birth-',
        headers={**portal_headers(), "Content-Type": "application/json"},
    )

    assert_refused(response, 400, "request.body.malformed")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"service": "passport-issuance"}, "service.unknown"),
        ({"municipality": "39"}, "municipality.unknown"),
    ],
)
def test_unknown_service_or_municipality(gateway_client, sandbox, change, code):
    person = sandbox.seed.alive_parcel_owner()
    body = {
        "service": "birth-certificate",
        "municipality": "19",
        "language": "en",
        "applicant": applicant(person),
        "form": {"purpose": "other"},
        **change,
    }

    response = gateway_client.post("/v1/requests", json=body, headers=portal_headers())

    assert_refused(response, 422, code)


def test_callers_must_authenticate_and_be_allowed(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    headers = portal_headers()
    no_key = {k: v for k, v in headers.items() if k != "Authorization"}
    wrong_key = {**headers, "Authorization": "Bearer not-a-key"}
    operator = {**headers, "Authorization": f"Bearer {OPERATOR_KEY}"}

    missing = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, headers=no_key
    )
    wrong = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, headers=wrong_key
    )
    forbidden = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, headers=operator
    )

    assert_refused(missing, 401, "auth.unauthenticated")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_refused(wrong, 401, "auth.unauthenticated")
    assert_refused(forbidden, 403, "auth.forbidden")


def test_a_request_without_idempotency_key_is_refused(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    headers = {k: v for k, v in portal_headers().items() if k != "Idempotency-Key"}

    response = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, headers=headers
    )

    assert_refused(response, 400, "idempotency.key_missing")


SECOND_PORTAL_KEY = "ekomunat-test-second-portal-key"


@pytest.fixture
def two_portals(sandbox, tmp_path, monkeypatch):
    """The app with a second client exactly like the portal (same role, every service)."""
    settings = offline_settings(tmp_path / "gateway.db")
    digest = hashlib.sha256(SECOND_PORTAL_KEY.encode()).hexdigest()
    second = f"  second-portal:\n    key_sha256: {digest}\n    roles: [portal]\n    services: all\n"
    routing = re.sub(
        r"^clients:\n",
        "clients:\n" + second,
        settings.routing_file.read_text(),
        count=1,
        flags=re.M,
    )
    routing_file = tmp_path / "routing.yaml"
    routing_file.write_text(routing, encoding="utf-8")
    for name, value in registry_environment(sandbox).items():
        monkeypatch.setenv(name, value)
    with TestClient(create_app(settings.model_copy(update={"routing_file": routing_file}))) as app:
        yield app


def test_another_clients_request_is_not_visible(two_portals, sandbox):
    person = sandbox.seed.alive_parcel_owner()
    second = {**portal_headers(), "Authorization": f"Bearer {SECOND_PORTAL_KEY}"}
    mine = submit(two_portals, "birth-certificate", person, {"purpose": "other"}).json()
    theirs = submit(
        two_portals, "birth-certificate", person, {"purpose": "other"}, headers=second
    ).json()

    owner = two_portals.get(mine["status_url"], headers=portal_headers())
    other = two_portals.get(mine["status_url"], headers=second)
    other_own = two_portals.get(theirs["status_url"], headers=second)
    operator = two_portals.get(
        mine["status_url"], headers={"Authorization": f"Bearer {OPERATOR_KEY}"}
    )

    assert owner.status_code == other_own.status_code == operator.status_code == 200
    assert owner.json()["request_id"] == mine["request_id"]
    assert_refused(other, 404, "request.unknown")
    assert "birth-certificate" not in other.text, "the refusal tells nothing of the request"
    assert person.personal_number not in other.text


# ── idempotency ──────────────────────────────────────────────────────────────────────────


def test_a_retried_request_gets_the_first_answer_without_asking_again(
    gateway_client, sandbox_reset
):
    sandbox = sandbox_reset
    person = sandbox.seed.alive_parcel_owner(6)
    headers = portal_headers(key="retry-after-timeout-1")

    first = submit(
        gateway_client, "birth-certificate", person, {"purpose": "travel_abroad"}, headers=headers
    )
    asked = sandbox.stats("civil")["operations"]
    again = submit(
        gateway_client, "birth-certificate", person, {"purpose": "travel_abroad"}, headers=headers
    )

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert sandbox.stats("civil")["operations"] == asked


def test_the_same_key_for_a_different_request_is_a_conflict(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner(7)
    headers = portal_headers(key="reused-key-7")

    first = submit(
        gateway_client, "birth-certificate", person, {"purpose": "other"}, headers=headers
    )
    second = submit(gateway_client, "birth-extract", person, {"purpose": "other"}, headers=headers)

    assert first.status_code == 200
    assert_refused(second, 409, "idempotency.conflict")


def test_a_replayed_async_request_is_stored_once(gateway_client, sandbox):
    person = sandbox.seed.alive_parcel_owner(8)
    headers = portal_headers(key="complaint-twice")
    form = {"description": "Ndriçimi publik nuk punon në rrugën tonë."}

    first = submit(gateway_client, "municipal-service-complaint", person, form, headers=headers)
    second = submit(gateway_client, "municipal-service-complaint", person, form, headers=headers)

    assert first.status_code == second.status_code == 202
    request_id = first.json()["request_id"]
    assert second.json()["request_id"] == request_id
    with sqlite3.connect(gateway_client.database) as db:
        rows = db.execute("SELECT kind FROM outbox WHERE request_id = ?", (request_id,)).fetchall()
    assert rows == [("handoff",)]
