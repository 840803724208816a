"""The contracting feed as OCDS 1.1, checked with the standard's own schema and tools.

The release package must validate against the OCDS 1.1 release-package schema (vendored in
``contracts/schemas/ocds``, no network), and ``ocdskit compile`` - the OCDS community's
command-line tool, given the same schema file - must compile it into the very compiled
releases the gateway's record package carries.
"""

from __future__ import annotations

import json
import subprocess
import sys

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from tests.fixtures.sandbox import REPO_ROOT

SCHEMAS = REPO_ROOT / "contracts" / "schemas" / "ocds"


def _validator(name: str) -> Draft4Validator:
    release = json.loads((SCHEMAS / "release-schema.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    registry = Registry().with_resource(release["id"], DRAFT4.create_resource(release))
    return Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def _problems(validator: Draft4Validator, document: object) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)][:5]


def test_the_release_package_is_valid_ocds_1_1(open_client):
    response = open_client.get(
        "/v1/open/contracting/releases", params={"municipality": "19", "year": "2025"}
    )
    package = response.json()

    assert response.status_code == 200
    assert package["version"] == "1.1" and package["releases"]
    assert _problems(_validator("release-package-schema.json"), package) == []
    assert all(r["ocid"].startswith("ocds-uhzcmx-") for r in package["releases"])


def test_releases_link_to_the_budget_line_that_funds_them(open_client):
    package = open_client.get(
        "/v1/open/contracting/releases", params={"municipality": "20", "year": "2025"}
    ).json()
    budgets = [r["planning"]["budget"] for r in package["releases"] if "planning" in r]
    assert budgets
    for budget in budgets:
        assert budget["uri"].endswith(f"/v1/open/budget/lines/{budget['id']}")
        line = open_client.get(f"/v1/open/budget/lines/{budget['id']}")
        assert line.status_code == 200


def test_ocdskit_compiles_the_feed_into_the_gateways_compiled_releases(open_client):
    params = {"municipality": "32", "year": "2025"}
    releases = open_client.get("/v1/open/contracting/releases", params=params).json()
    records = open_client.get("/v1/open/contracting/records", params=params).json()

    compiled = subprocess.run(
        [
            sys.executable,
            "-m",
            "ocdskit",
            "compile",
            "--schema",
            str(SCHEMAS / "release-schema.json"),
        ],
        input=json.dumps(releases),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    by_ocdskit = {
        release["ocid"]: release for release in map(json.loads, compiled.stdout.splitlines())
    }
    ours = {record["ocid"]: record["compiledRelease"] for record in records["records"]}

    assert compiled.stderr.strip() == ""
    assert by_ocdskit == ours
    release_validator = _validator("release-schema.json")
    for compiled_release in ours.values():
        assert compiled_release["tag"] == ["compiled"]
        assert _problems(release_validator, compiled_release) == []


def test_a_record_holds_every_release_of_its_process(open_client):
    records = open_client.get(
        "/v1/open/contracting/records", params={"municipality": "19", "year": "2025"}
    ).json()["records"]
    paid = [
        record
        for record in records
        if any("implementation" in release["tag"] for release in record["releases"])
    ]
    assert paid
    for record in paid:
        tags = [tag for release in record["releases"] for tag in release["tag"]]
        assert tags[:3] == ["tender", "award", "contract"]
        transactions = record["compiledRelease"]["contracts"][0]["implementation"]["transactions"]
        paid_ids = {
            t["id"]
            for release in record["releases"]
            for contract in release.get("contracts", ())
            for t in contract.get("implementation", {}).get("transactions", ())
        }
        assert {t["id"] for t in transactions} == paid_ids
