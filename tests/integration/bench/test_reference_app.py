"""The benchmark's naive reference route makes the sync route's two real registry calls.

``make bench`` compares the gateway's ``possession-list`` with ``bench/reference_app.py``;
the comparison is only fair if the reference asks the same registries the same questions
for the applicant of each request, and fails when they fail, instead of answering quickly
with nothing. These tests run it against the sandbox registries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bench.reference_app import create_app, template_of
from bench.workload import Applicant, applicants, direct_calls, sync_body
from tests.fixtures.sandbox import RunningSandbox


@pytest.fixture
def people(sandbox: RunningSandbox) -> list[Applicant]:
    return applicants(2, seed=sandbox.seed)


@pytest.fixture
def client(sandbox_reset: RunningSandbox, people: list[Applicant]) -> Iterator[TestClient]:
    urls = {"civil": sandbox_reset.civil_url, "cadastre": sandbox_reset.cadastre_url}
    calls = direct_calls(urls, people[:1])[0]
    app = create_app(template_of(calls, people[0].personal_number))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_each_request_gets_its_own_applicants_person_and_possessions(
    client: TestClient, people: list[Applicant]
) -> None:
    for person in people:
        response = client.post("/v1/requests", content=json.dumps(sync_body(person)))
        assert response.status_code == 200
        answer = response.json()
        # The civil registry's SOAP answer, as it came, is about this request's applicant.
        assert person.personal_number in answer["person"]
        assert person.first_name in answer["person"]
        assert person.cadastral_zone in json.dumps(answer["possessions"])


def test_a_failing_registry_fails_the_request(
    client: TestClient, sandbox_reset: RunningSandbox, people: list[Applicant]
) -> None:
    sandbox_reset.set_faults("cadastre", failure_rate=1.0)
    response = client.post("/v1/requests", content=json.dumps(sync_body(people[0])))
    assert response.status_code == 500
