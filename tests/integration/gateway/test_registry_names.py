"""A registry's name is whatever ``routing.yaml`` declares, everywhere the gateway uses it.

The catalogue and ``routing.yaml`` may give an async service a call to any registry they
declare, a transparency source included. Such a route passes ``routes check`` and start-up,
so the citizen's application must then be accepted and handed to the municipality with the
record the gateway read: the hand-off's ``registry`` field carries the name ``routing.yaml``
gives, and the message stays valid against the published hand-off schema.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from contracts.catalogue import CATALOGUE_DIR, load_catalogue
from contracts.located_yaml import ConfigFileError
from contracts.messages import SCHEMA_DIR
from gateway.app import create_app
from gateway.bootstrap import build_routing
from gateway.settings import REPO_ROOT
from tests.fixtures.gateway import offline_settings, portal_headers
from tests.fixtures.open_data import source_environment
from tests.fixtures.sandbox import RunningSandbox

SERVICE = "municipal-budget-information"


def _made_async(text: str, before: str) -> str:
    """``text`` with the first ``mode: sync`` after ``before`` turned into ``mode: async``."""
    start = text.index(before)
    at = text.index("mode: sync", start)
    return text[:at] + "mode: async" + text[at + len("mode: sync") :]


@pytest.fixture(scope="module")
def async_treasury_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A catalogue and a routing.yaml in which the budget information service is async."""
    root = tmp_path_factory.mktemp("async-treasury")
    catalogue_dir = root / "catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue_dir)
    services = catalogue_dir / "services.yaml"
    services.write_text(
        _made_async(services.read_text(encoding="utf-8"), f"code: {SERVICE}"), encoding="utf-8"
    )
    routing = root / "routing.yaml"
    made_async = _made_async(
        (REPO_ROOT / "routing.yaml").read_text(encoding="utf-8"), f"service: {SERVICE}"
    )
    # An async route names what it hands off: here, both records whole, as a sync answer has.
    route_head = f"service: {SERVICE}\n    mode: async\n"
    routing.write_text(
        made_async.replace(
            route_head,
            route_head + "    handoff_fields: "
            "{budget: *municipal_budget, own_revenues: *municipal_revenues}\n",
        ),
        encoding="utf-8",
    )
    return catalogue_dir, routing


@pytest.fixture(scope="module")
def async_treasury_client(
    sandbox: RunningSandbox,
    async_treasury_files: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    catalogue_dir, routing = async_treasury_files
    settings = offline_settings(tmp_path_factory.mktemp("gateway") / "gateway.db").model_copy(
        update={"catalogue_dir": catalogue_dir, "routing_file": routing}
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in source_environment(sandbox).items():
            patch.setenv(name, value)
        patch.setenv("GATEWAY_OPEN_ENABLED", "false")
        with TestClient(create_app(settings)) as client:
            client.database = settings.database_url.removeprefix("sqlite:///")  # type: ignore[attr-defined]
            yield client


def test_the_async_route_to_a_transparency_source_passes_the_routes_check(
    async_treasury_files: tuple[Path, Path],
) -> None:
    catalogue_dir, routing = async_treasury_files
    settings = offline_settings(Path("unused.db")).model_copy(update={"routing_file": routing})

    table, _ = build_routing(settings, load_catalogue(catalogue_dir))

    route = table.route_for(SERVICE, "19")
    assert route is not None
    assert route.mode.value == "async"
    assert {call.registry for call in route.calls} == {"treasury"}


def test_an_application_read_from_a_transparency_source_is_handed_off_with_its_records(
    async_treasury_client: TestClient, sandbox: RunningSandbox
) -> None:
    person = sandbox.seed.alive_parcel_owner(3)
    body = {
        "service": SERVICE,
        "municipality": "19",
        "language": "sq",
        "applicant": {
            "personal_number": person.personal_number,
            "first_name": person.first_name,
            "last_name": person.last_name,
        },
        "form": {"budget_year": 2025, "information_type": "approved_budget"},
    }

    response = async_treasury_client.post("/v1/requests", json=body, headers=portal_headers("sq"))

    assert response.status_code == 202, response.text
    request_id = response.json()["request_id"]
    with sqlite3.connect(async_treasury_client.database) as db:  # type: ignore[attr-defined]
        (handoff,) = db.execute(
            "SELECT body FROM outbox WHERE request_id = ? AND kind = 'handoff'", (request_id,)
        ).fetchone()
    message = json.loads(handoff)
    assert sorted((r["registry"], r["operation"]) for r in message["records"]) == [
        ("treasury", "getBudget"),
        ("treasury", "getOwnRevenues"),
    ]
    schema = json.loads((SCHEMA_DIR / "handoff-v1.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(message))


def test_a_catalogue_registry_that_routing_yaml_does_not_declare_is_refused_by_line(
    tmp_path: Path,
) -> None:
    catalogue_dir = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue_dir)
    services = catalogue_dir / "services.yaml"
    text = services.read_text(encoding="utf-8")
    start = text.index(f"code: {SERVICE}")
    at = text.index("registries: [treasury]", start)
    services.write_text(
        text[:at] + "registries: [treasury, atk]" + text[at + len("registries: [treasury]") :],
        encoding="utf-8",
    )
    routing = REPO_ROOT / "routing.yaml"
    line = next(
        number
        for number, content in enumerate(routing.read_text(encoding="utf-8").splitlines(), 1)
        if content.startswith("registries:")
    )

    with pytest.raises(ConfigFileError) as refused:
        build_routing(offline_settings(tmp_path / "unused.db"), load_catalogue(catalogue_dir))

    message = str(refused.value)
    assert f"routing.yaml:{line}" in message
    assert f"registry 'atk' for {SERVICE}" in message


def test_a_routing_yaml_registry_without_a_mapping_module_is_refused_by_line(
    tmp_path: Path,
) -> None:
    text = (REPO_ROOT / "routing.yaml").read_text(encoding="utf-8")
    declared = (
        "registries:\n"
        "  atk:\n"
        "    kind: rest\n"
        "    contract: wsdl/treasury.openapi.yaml\n"
        "    endpoint: http://127.0.0.1:8108\n"
    )
    routing = tmp_path / "routing.yaml"
    routing.write_text(text.replace("registries:\n", declared, 1), encoding="utf-8")
    settings = offline_settings(tmp_path / "unused.db").model_copy(update={"routing_file": routing})

    with pytest.raises(ConfigFileError) as refused:
        build_routing(settings, load_catalogue())

    message = str(refused.value)
    assert f"routing.yaml:{text.count(chr(10), 0, text.index('registries:')) + 4}" in message
    assert "registries.atk.contract" in message
    assert "no mapping module for registry 'atk'" in message
