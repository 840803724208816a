"""A citizen's data-usage records through the real gateway and the real sandbox registries.

The gateway runs in-process on a real SQLite file with a clock the test moves, so that a
restricted record can be seen to stay hidden until its disclosure date.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.access import hash_key
from gateway.app import create_app
from gateway.bootstrap import bootstrap
from gateway.settings import DEVELOPMENT_AUDIT_LOOKUP_KEY, REPO_ROOT
from tests.fixtures.gateway import (
    OPERATOR_KEY,
    PORTAL_KEY,
    citizen_request,
    offline_settings,
    portal_headers,
    registry_environment,
)

POLICE_KEY = "test-police-key"
BIRTH_LAW = "Law No. 04/L-003 on Civil Status"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def routing_with_police(folder: Path) -> Path:
    """routing.yaml with one more client: a police desk whose reads stay hidden 30 days."""
    text = (REPO_ROOT / "routing.yaml").read_text(encoding="utf-8")
    police = (
        "clients:\n"
        "  police-desk:\n"
        f"    key_sha256: {hash_key(POLICE_KEY)}\n"
        "    roles: [portal]\n"
        "    services: all\n"
        "    disclosure_delay_days: 30\n"
    )
    path = folder / "routing.yaml"
    path.write_text(text.replace("clients:\n", police, 1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(sandbox, tmp_path_factory, clock):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("audit")
    settings = offline_settings(folder / "gateway.db").model_copy(
        update={"routing_file": routing_with_police(folder)}
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in registry_environment(sandbox).items():
            patch.setenv(name, value)
        app = create_app(settings, gateway=bootstrap(settings, clock=clock))
        with TestClient(app) as test_client:
            test_client.database = folder / "gateway.db"  # type: ignore[attr-defined]
            yield test_client


def usage(client, personal_number, *, key=PORTAL_KEY, language="en", **params):  # type: ignore[no-untyped-def]
    return client.get(
        f"/v1/persons/{personal_number}/data-usage",
        params=params,
        headers={"Authorization": f"Bearer {key}", "Accept-Language": language},
    )


def test_a_citizen_sees_the_reads_of_a_sync_and_an_async_request(client, sandbox):
    person = sandbox.seed.person_without_parcels(7)
    certificate = client.post(
        "/v1/requests",
        json=citizen_request(person, "birth-certificate", {"purpose": "employment"}),
        headers=portal_headers(),
    )
    assistance = client.post(
        "/v1/requests",
        json=citizen_request(
            person,
            "social-assistance-application",
            {"scheme_category": "category_i", "household_members": 4},
        ),
        headers=portal_headers(),
    )
    assert certificate.status_code == 200, certificate.text
    assert assistance.status_code == 202, assistance.text

    answer = usage(client, person.personal_number)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-language"] == "en"
    records = answer.json()["records"]
    reads = {(r["request_id"], r["registry"], r["operation"]): r for r in records}
    sync_id, async_id = certificate.json()["request_id"], assistance.json()["request_id"]
    assert set(reads) == {
        (sync_id, "civil", "GetPerson"),
        (sync_id, "civil", "GetBirthRecord"),
        (async_id, "civil", "GetPerson"),
        (async_id, "civil", "GetResidence"),
        (async_id, "cadastre", "getPossessionList"),
    }
    birth = reads[(sync_id, "civil", "GetBirthRecord")]
    assert "registration_number" in birth["fields"]
    assert "date_of_birth" in birth["fields"]
    assert birth["legal_basis"] == BIRTH_LAW
    assert birth["purpose"] == "Issue the birth certificate from the record."
    assert birth["institution"] == "e-kosova-portal"
    assert birth["registry_name"] == "The civil registry"
    # The person holds no parcel: the cadastre was asked, and returned nothing to read.
    assert reads[(async_id, "cadastre", "getPossessionList")]["fields"] == []
    assert all(r["legal_basis"] for r in records)
    assert all(r["purpose"] for r in records)
    # Newest first: the async request's reads come before the sync one's.
    assert [r["request_id"] for r in records][:3] == [async_id] * 3
    assert sandbox.seed.person_without_parcels(8).personal_number != person.personal_number
    assert (
        usage(client, sandbox.seed.person_without_parcels(8).personal_number).json()["records"]
        == []
    )


def test_the_records_are_in_the_citizens_language_and_paginated(client, sandbox):
    person = sandbox.seed.alive_parcel_owner(3)
    for _ in range(2):
        response = client.post(
            "/v1/requests",
            json=citizen_request(person, "birth-certificate", {"purpose": "other"}),
            headers=portal_headers(),
        )
        assert response.status_code == 200, response.text

    first = usage(client, person.personal_number, language="sr", limit=3)
    cursor = first.json()["next_cursor"]
    second = usage(client, person.personal_number, language="sr", limit=3, cursor=cursor)
    other = sandbox.seed.alive_parcel_owner(4).personal_number

    assert first.headers["content-language"] == "sr"
    assert first.json()["records"][0]["registry_name"] == "Registar civilnog stanja"
    assert len(first.json()["records"]) == 3 and cursor
    assert len(second.json()["records"]) == 1
    assert second.json()["next_cursor"] is None
    seen = first.json()["records"] + second.json()["records"]
    assert len({(r["request_id"], r["operation"]) for r in seen}) == 4
    # A cursor is signed and bound to the person: neither forged nor moved.
    place, tag = cursor.split(".")
    seq, index = place.split("-")
    forged = f"{int(seq) + 1}-{index}.{tag}"
    for refused in (
        usage(client, person.personal_number, cursor=forged),
        usage(client, person.personal_number, cursor=f"{seq}-{int(index) + 1}.{tag}"),
        usage(client, other, cursor=cursor),
    ):
        assert refused.status_code == 400
        assert refused.json()["code"] == "data_usage.cursor.invalid"


def test_a_restricted_read_stays_hidden_until_its_disclosure_date(client, sandbox, clock):
    person = sandbox.seed.alive_parcel_owner(6)
    response = client.post(
        "/v1/requests",
        json=citizen_request(person, "birth-certificate", {"purpose": "other"}),
        headers={**portal_headers(), "Authorization": f"Bearer {POLICE_KEY}"},
    )
    assert response.status_code == 200, response.text

    clock.now += timedelta(days=29)
    hidden = usage(client, person.personal_number).json()["records"]
    clock.now += timedelta(days=2)
    shown = usage(client, person.personal_number).json()["records"]

    assert hidden == []
    assert {r["institution"] for r in shown} == {"police-desk"}
    assert {r["operation"] for r in shown} == {"GetPerson", "GetBirthRecord"}


def test_a_client_without_the_data_usage_right_is_refused(client, sandbox):
    person = sandbox.seed.alive_parcel_owner(1)

    refused = usage(client, person.personal_number, key=OPERATOR_KEY)
    police = usage(client, person.personal_number, key=POLICE_KEY)
    nobody = usage(client, person.personal_number, key="no-such-key")

    assert refused.status_code == 403 and refused.json()["code"] == "auth.forbidden"
    assert police.status_code == 403
    assert nobody.status_code == 401


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("sq", "Numri personal nuk është i vlefshëm: duhet të ketë dhjetë shifra."),
        ("sr", "Lični broj nije ispravan: mora imati deset cifara."),
    ],
)
def test_an_invalid_personal_number_is_a_localised_problem(client, language, title):
    refused = usage(client, "12345abcde", language=language)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "person.personal_number.invalid"
    assert refused.json()["title"] == title


def test_personal_numbers_are_stored_only_as_their_keyed_hash(client, sandbox, capfd):
    person = sandbox.seed.alive_parcel_owner(9)
    response = client.post(
        "/v1/requests",
        json=citizen_request(person, "birth-certificate", {"purpose": "other"}),
        headers=portal_headers(),
    )
    assert response.status_code == 200, response.text
    assert usage(client, person.personal_number).json()["records"]

    with sqlite3.connect(client.database) as db:
        usage_rows = db.execute("SELECT * FROM audit_log WHERE kind = 'data_usage'").fetchall()
        entries = db.execute("SELECT * FROM audit_log").fetchall()
        usage_bodies = db.execute("SELECT body FROM audit_log WHERE kind = 'data_usage'").fetchall()
        keys = {row[0] for row in db.execute("SELECT person_key FROM audit_log")}
    expected = hmac.new(
        DEVELOPMENT_AUDIT_LOOKUP_KEY.encode(), person.personal_number.encode(), hashlib.sha256
    ).hexdigest()
    assert expected in keys
    # The birth certificate's two civil-registry reads about the applicant: one entry.
    bodies = [json.loads(row[0]) for row in usage_bodies]
    mine = [body for body in bodies if body["request_id"] == response.json()["request_id"]]
    assert [[read["operation"] for read in body["reads"]] for body in mine] == [
        ["GetPerson", "GetBirthRecord"]
    ]
    assert person.personal_number not in repr(usage_rows)
    assert person.personal_number not in repr(entries)
    logged = capfd.readouterr()
    assert person.personal_number not in logged.out + logged.err


def test_the_agency_export_is_csv_for_operators_only(client, sandbox):
    operator = {"Authorization": f"Bearer {OPERATOR_KEY}"}

    export = client.get("/v1/ops/audit/data-usage.csv", headers=operator)
    refused = client.get(
        "/v1/ops/audit/data-usage.csv", headers={"Authorization": f"Bearer {PORTAL_KEY}"}
    )

    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    header, *lines = export.text.splitlines()
    assert header.startswith("recorded_at,client,municipality,person_key,registry")
    assert lines, "the earlier tests' reads are exported"
    rows = list(csv.DictReader(export.text.splitlines()))
    assert all(row["legal_basis"] and row["purpose"] for row in rows)
    assert refused.status_code == 403


def test_the_checkpoints_are_published_with_the_public_key(client):
    feed = client.get("/v1/open/audit-checkpoints")

    assert feed.status_code == 200
    assert feed.json()["algorithm"] == "Ed25519"
    assert len(feed.json()["public_key"]) == 43


def test_an_operators_breaker_reset_and_sign_in_enter_the_audit_log(client):
    operator = {"Authorization": f"Bearer {OPERATOR_KEY}"}

    reset = client.post("/v1/ops/breakers/civil/reset", headers=operator)
    signed_in = client.post("/v1/ops/session", json={"key": OPERATOR_KEY})

    assert reset.status_code == 200 and signed_in.status_code == 200
    with sqlite3.connect(client.database) as db:
        bodies = [
            row[0]
            for row in db.execute("SELECT body FROM audit_log WHERE kind = 'operator_action'")
        ]
    assert any('"breaker.reset"' in body and '"operations-desk"' in body for body in bodies)
    assert any('"session.opened"' in body for body in bodies)
