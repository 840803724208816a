"""``/v1/complaints``: open-data statistics in JSON and CSV, and the citizen's own view."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.fixtures.complaints import complaint_form


def _token_and_id(client: TestClient, **overrides: str | None) -> tuple[str, str]:
    answer = client.post("/open311/v2/requests.json", data=complaint_form(**overrides))
    token = answer.json()[0]["token"]
    found = client.get(f"/open311/v2/tokens/{token}.json").json()
    return token, found[0]["service_request_id"]


def test_stats_count_complaints_per_institution_and_category(
    complaints_client: TestClient,
) -> None:
    before = complaints_client.get("/v1/complaints/stats?lang=en&municipality=32").json()
    for _ in range(3):
        _token_and_id(complaints_client, lat="42.3250", long="20.7280", address_string=None)
    stats = complaints_client.get("/v1/complaints/stats?lang=en&municipality=32")
    assert stats.status_code == 200
    assert stats.headers["content-language"] == "en"
    body = stats.json()
    assert body["municipality"] == "32"
    (row,) = [r for r in body["rows"] if r["institution"] == "32.public-services"]
    previous = sum(r["received"] for r in before["rows"])
    assert row == {
        "institution": "32.public-services",
        "institution_name": "Mamusha – Directorate of Public Services",
        "category": "road-damage",
        "category_name": "Damaged road or pothole",
        "received": previous + 3,
        "answered": 0,
        "answered_late": 0,
        "overdue": 0,
        "median_days_to_answer": None,
    }


def test_stats_are_also_open_data_csv(complaints_client: TestClient) -> None:
    _token_and_id(complaints_client)
    for response in (
        complaints_client.get("/v1/complaints/stats?format=csv&lang=sq"),
        complaints_client.get("/v1/complaints/stats?lang=sq", headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        prishtina = [r for r in rows if r["institution"] == "19.public-services"]
        assert prishtina and int(prishtina[0]["received"]) >= 1
        assert prishtina[0]["institution_name"] == "Prishtinë – Drejtoria e Shërbimeve Publike"


def test_stats_refuse_a_backwards_period_and_an_unknown_municipality(
    complaints_client: TestClient,
) -> None:
    backwards = complaints_client.get("/v1/complaints/stats?from=2026-05-01&to=2026-04-01")
    assert backwards.status_code == 400
    assert backwards.headers["content-type"] == "application/problem+json"
    unknown = complaints_client.get("/v1/complaints/stats?municipality=39")
    assert unknown.status_code == 422


def test_the_citizen_follows_the_complaint_with_id_and_token(
    complaints_client: TestClient,
) -> None:
    token, complaint_id = _token_and_id(complaints_client)
    view = complaints_client.get(
        f"/v1/complaints/{complaint_id}?lang=en", headers={"X-Complaint-Token": token}
    )
    assert view.status_code == 200
    body = view.json()
    assert body["status"] == "received"
    assert body["agency_responsible"] == "Pristina – Directorate of Public Services"
    assert body["overdue"] is False
    assert [line["status"] for line in body["history"]] == ["received"]

    assert complaints_client.get(f"/v1/complaints/{complaint_id}").status_code == 401
    stranger = complaints_client.get(
        f"/v1/complaints/{complaint_id}", headers={"X-Complaint-Token": "guess"}
    )
    assert stranger.status_code == 404
