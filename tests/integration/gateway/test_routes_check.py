"""``routes check``: the shipped routing.yaml passes; each kind of mistake is refused by name.

The check loads the real WSDL and OpenAPI files (no network), so a route naming an operation
that a contract lacks is caught exactly as at start-up.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.catalogue import load_catalogue
from contracts.located_yaml import ConfigFileError
from gateway.bootstrap import build_routing
from gateway.settings import REPO_ROOT, Settings

ROUTING = REPO_ROOT / "routing.yaml"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def check(catalogue, path: Path):
    return build_routing(Settings(routing_file=path), catalogue)


def broken_copy(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """A copy of routing.yaml after ``edit`` changed its text (anchors and all kept)."""
    path = tmp_path / "routing.yaml"
    path.write_text(edit(ROUTING.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def refusal(catalogue, path: Path) -> str:
    with pytest.raises(ConfigFileError) as caught:
        check(catalogue, path)
    return str(caught.value)


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise LookupError(text)


def line_after(path: Path, marker: str, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if marker in line)
    return next(n for n in range(start, len(lines)) if text in lines[n]) + 1


def test_the_shipped_routing_file_covers_every_service(catalogue):
    table, registries = check(catalogue, ROUTING)

    assert {service for service, _ in table.routes} == {s.code for s in catalogue.services}
    assert set(registries) == {
        "civil",
        "business",
        "cadastre",
        "tax",
        "treasury",
        "procurement",
        "urban_planning",
        "ministry_permits",
    }


def test_the_cli_prints_the_routing_table():
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "routes", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "routing ok: 53 routes over 8 registries" in result.stdout
    assert re.search(r"birth-certificate\s+all\s+sync\s+person=civil\.GetPerson", result.stdout)


def test_an_operation_the_wsdl_lacks_is_refused_with_its_line(catalogue, tmp_path):
    path = broken_copy(
        tmp_path, lambda text: text.replace("operation: GetBirthRecord", "operation: GetBirth", 1)
    )

    message = refusal(catalogue, path)

    assert f"{path}:{line_of(path, 'operation: GetBirth')}" in message
    assert "routes[0].calls[1].operation" in message
    assert "no operation 'GetBirth'" in message


def test_a_service_without_a_route_is_refused(catalogue, tmp_path):
    def drop_petition(text: str) -> str:
        start = text.index("  - service: petition")
        end = text.index("  # ── complaints")
        return text[:start] + text[end:]

    message = refusal(catalogue, broken_copy(tmp_path, drop_petition))

    assert "catalogue service 'petition' has no route" in message


def test_a_second_route_for_one_service_is_refused(catalogue, tmp_path):
    path = broken_copy(tmp_path, lambda text: text + "  - service: petition\n    mode: async\n")

    message = refusal(catalogue, path)

    last_line = len(path.read_text(encoding="utf-8").splitlines()) - 1
    assert "a second route for 'petition'" in message
    assert f"routing.yaml:{last_line}: routes[53].service" in message


def test_an_argument_from_a_field_the_form_lacks_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "arguments: {registrationNumber: form.business_number}",
            "arguments: {registrationNumber: form.company_number}",
            1,
        ),
    )

    message = refusal(catalogue, path)

    assert "has no field 'company_number'" in message
    assert "arguments.registrationNumber" in message


def test_an_argument_from_an_optional_field_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "operation: getParcel\n        arguments: "
            "{cadastralZone: form.cadastral_zone, parcelNumber: form.parcel_number}",
            "operation: getParcel\n        arguments: "
            "{cadastralZone: form.cadastral_zone, parcelNumber: form.floors}",
        ),
    )

    message = refusal(catalogue, path)

    assert "form field 'floors'" in message
    assert "is optional" in message


def test_a_rule_on_a_record_no_call_produces_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "{id: applicant_married, kind: marital_status_in, record: civil_status,",
            "{id: applicant_married, kind: marital_status_in, record: marriage,",
        ),
    )

    message = refusal(catalogue, path)

    assert "no call of this route produces a record 'marriage'" in message


def test_a_rule_on_the_wrong_kind_of_record_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "{id: applicant_alive, kind: applicant_alive, record: person, reason: *alive}",
            "{id: applicant_alive, kind: business_active, record: person, reason: *alive}",
            1,
        ),
    )

    message = refusal(catalogue, path)

    assert "rule business_active reads a Business; 'person' is a Person" in message


def test_an_unset_environment_variable_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "${GATEWAY_CADASTRE_URL:-http://127.0.0.1:8103}", "${EKOMUNAT_TEST_UNSET_CADASTRE}"
        ),
    )

    message = refusal(catalogue, path)

    assert "environment variable EKOMUNAT_TEST_UNSET_CADASTRE is unset" in message
    assert "registries.cadastre.endpoint" in message


def test_a_mode_that_contradicts_the_catalogue_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "  - service: possession-list\n    mode: sync",
            "  - service: possession-list\n    mode: async",
        ),
    )

    message = refusal(catalogue, path)

    assert "the catalogue says 'possession-list' is sync" in message


def test_a_yaml_error_names_its_line(catalogue, tmp_path):
    path = broken_copy(tmp_path, lambda text: text.replace("routes:\n", "routes: [\n", 1))

    message = refusal(catalogue, path)

    assert re.search(r"routing\.yaml:\d+: .*not valid YAML", message)


def test_the_server_refuses_to_start_on_a_broken_file(tmp_path):
    path = broken_copy(
        tmp_path, lambda text: text.replace("operation: GetResidence", "operation: GetHome")
    )
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "GATEWAY_ROUTING_FILE": str(path),
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
            "GATEWAY_LOG_FORMAT": "json",
        },
    )

    assert result.returncode != 0
    assert "no operation 'GetHome'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_service_open_to_anonymous_requests_may_not_ask_about_the_applicant(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace(
            "  - service: public-hearing-comment\n    mode: async\n",
            "  - service: public-hearing-comment\n    mode: async\n    calls:\n"
            "      - {name: person, registry: civil, operation: GetPerson, "
            "arguments: {personalNumber: applicant.personal_number}}\n",
        ),
    )
    line = line_of(path, "GetPerson, arguments: {personalNumber: applicant.personal_number}}")
    assert (
        f"routing.yaml:{line}: routes[44].calls[0].arguments.personalNumber: "
        "'public-hearing-comment' takes anonymous requests"
    ) in refusal(catalogue, path)


# ── purpose-bound routes: what a call may read, why, and what it may hand off ─────────────


def test_a_registry_call_without_a_legal_basis_is_refused_with_its_line(catalogue, tmp_path):
    # The first call of the file (birth-certificate's person) loses its legal basis.
    path = broken_copy(
        tmp_path, lambda text: text.replace("        legal_basis: *catalogue\n", "", 1)
    )

    message = refusal(catalogue, path)

    line = line_of(path, "      - name: person")
    assert (
        f"routing.yaml:{line}: routes[0].calls[0].legal_basis: "
        "registry call 'person' names no legal basis"
    ) in message


def test_the_catalogues_legal_basis_is_refused_where_the_catalogue_gives_none(catalogue, tmp_path):
    def catalogue_law_for_advertising(text: str) -> str:
        start = text.index("  - service: advertising-panel-permit")
        end = text.index("        purpose:", start)
        call = text[start:end]
        law_at = call.index("        legal_basis:\n")
        return text[: start + law_at] + "        legal_basis: *catalogue\n" + text[end:]

    path = broken_copy(tmp_path, catalogue_law_for_advertising)

    message = refusal(catalogue, path)

    line = line_after(path, "  - service: advertising-panel-permit", "legal_basis: *catalogue")
    assert (
        f"routing.yaml:{line}: routes[29].calls[0].legal_basis: "
        "law: catalogue, but the catalogue gives no legal basis for 'advertising-panel-permit'"
    ) in message


def test_a_rule_reading_a_field_the_call_did_not_declare_is_refused(catalogue, tmp_path):
    # birth-certificate's applicant_alive reads the person's status; the call stops declaring it.
    path = broken_copy(
        tmp_path,
        lambda text: text.replace("fields: *person\n", "fields: [first_name, last_name]\n", 1),
    )

    message = refusal(catalogue, path)

    line = line_of(path, "{id: applicant_alive, kind: applicant_alive, record: person,")
    assert (
        f"routing.yaml:{line}: routes[0].rules[0].kind: "
        "rule applicant_alive reads field 'status' of 'person'; its call does not declare it"
    ) in message


def test_a_hand_off_field_the_call_did_not_declare_is_refused(catalogue, tmp_path):
    # late-birth-registration reads the parent's name and status, and tries to hand off more.
    def overreach(text: str) -> str:
        start = text.index("  - service: late-birth-registration")
        route = text[start:]
        route = route.replace("fields: *person\n", "fields: [first_name, last_name, status]\n", 1)
        route = route.replace(
            "      parent: *person\n", "      parent: [first_name, date_of_birth]\n", 1
        )
        return text[:start] + route

    path = broken_copy(tmp_path, overreach)

    message = refusal(catalogue, path)

    line = line_of(path, "      parent: [first_name, date_of_birth]")
    assert (
        f"routing.yaml:{line}: routes[8].handoff_fields.parent[1]: "
        "hand-off field 'date_of_birth' of 'parent' is not among the fields its call declares"
    ) in message


def test_an_async_route_that_names_no_hand_off_fields_is_refused(catalogue, tmp_path):
    def drop_handoff(text: str) -> str:
        start = text.index("  - service: late-birth-registration")
        return text[:start] + text[start:].replace(
            "    handoff_fields:\n      parent: *person\n", "", 1
        )

    path = broken_copy(tmp_path, drop_handoff)

    message = refusal(catalogue, path)

    line = line_of(path, "  - service: late-birth-registration")
    assert (
        f"routing.yaml:{line}: routes[8].handoff_fields: "
        "an async route with registry calls names the fields it hands off"
    ) in message


def test_a_call_without_fields_or_purpose_is_refused(catalogue, tmp_path):
    def drop(text: str) -> str:
        text = text.replace("        fields: *person\n", "", 1)
        start = text.index("        purpose: Issue the birth certificate")
        end = text.index("\n", start) + 1
        return text[:start] + text[end:]

    path = broken_copy(tmp_path, drop)

    message = refusal(catalogue, path)

    line = line_of(path, "      - name: person")
    assert (
        f"routing.yaml:{line}: routes[0].calls[0].fields: registry call 'person' declares no fields"
        in message
    )
    assert (
        f"routing.yaml:{line}: routes[0].calls[0].purpose: a registry call names its purpose"
        in message
    )


def test_a_declared_field_the_record_lacks_is_refused(catalogue, tmp_path):
    path = broken_copy(
        tmp_path,
        lambda text: text.replace("fields: *person\n", "fields: [status, shoe_size]\n", 1),
    )

    message = refusal(catalogue, path)

    line = line_of(path, "fields: [status, shoe_size]")
    assert (
        f"routing.yaml:{line}: routes[0].calls[0].fields[1]: a Person has no field 'shoe_size'"
        in message
    )


def test_each_call_of_the_shipped_file_carries_its_legal_basis_purpose_and_fields(catalogue):
    table, _ = check(catalogue, ROUTING)

    route = table.route_for("social-assistance-application", "19")
    assert route is not None
    person = next(call for call in route.calls if call.name == "person")
    assert str(person.legal_basis) == "Law No. 2003/15 on the Social Assistance Scheme in Kosovo"
    assert person.legal_basis.from_catalogue
    assert "status" in person.fields
    assert person.purpose
    assert set(route.handoff_fields) == {call.name for call in route.calls}
