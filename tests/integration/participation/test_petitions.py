"""Petitions through the real gateway: the civil registry checks every signatory, one
signature per person, the threshold counted, and the municipality's status coming back
through RabbitMQ.

The civil registry is the sandbox's SOAP server (the gateway asks it ``GetPerson`` for every
signatory); the hand-off goes through the relay to a reference back-office on a private
topology, whose status updates the status consumer records.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from adapters.amqp.topology import TopologyNames
from contracts.messages import DecidedBy, RequestStatus, StatusUpdate
from gateway.relay import Relay
from gateway.status import StatusConsumer
from gateway.store import Store
from gateway.store.participation import petition_signatures, petitions
from gateway.store.tables import outbox, requests
from sandbox.backoffice import BackOffice
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.gateway import citizen_request, portal_headers
from tests.fixtures.participation import count_rows
from tests.integration.participation.conftest import SMALL, people_of
from tests.integration.relay.probes import running, wait_until


def _store(client: TestClient) -> Store:
    return client.gateway.store  # type: ignore[attr-defined,no-any-return]


def _petition_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "kind": "regulation_referendum",
        "title": "Kundër rregullores për parkingun",
        "summary": "Kërkojmë referendum për rregulloren e re të parkingut.",
        "regulation_number": "01-016/2026-07",
        "regulation_adopted_on": (date.today() - timedelta(days=5)).isoformat(),
    }
    form.update(changes)
    return form


def _open(client: TestClient, person: Any, **changes: Any) -> Any:
    body = citizen_request(person, "citizens-petition", _petition_form(**changes))
    return client.post("/v1/requests", headers=portal_headers(), json=body)


def _sign(client: TestClient, person: Any, petition_id: str, municipality: str = SMALL) -> Any:
    body = citizen_request(
        person, "petition-signature", {"petition_id": petition_id}, municipality=municipality
    )
    return client.post("/v1/requests", headers=portal_headers(), json=body)


def _row(client: TestClient, petition_id: str, **params: str) -> dict[str, Any]:
    answer = client.get("/v1/open/petitions", params={"page_size": "1000", **params})
    assert answer.status_code == 200, answer.text
    (row,) = [row for row in answer.json()["data"] if row["petition_id"] == petition_id]
    return row  # type: ignore[no-any-return]


def _stored(client: TestClient) -> tuple[int, ...]:
    store = _store(client)
    return tuple(count_rows(store, t) for t in (requests, outbox, petitions, petition_signatures))


def test_signatures_are_counted_once_per_person_up_to_the_threshold(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    first, second, third = people_of(client.seed, SMALL, adults=True)[:3]  # type: ignore[attr-defined]
    opened = _open(client, first)
    assert opened.status_code == 202, opened.text
    petition_id = opened.json()["request_id"]

    row = _row(client, petition_id, municipality=SMALL)
    # 19 registered voters in the sandbox: 10 % is 1.9, so two signatures; the initiator's counts.
    assert (row["registered_voters"], row["threshold"], row["signatures"]) == (19, 2, 1)
    assert row["threshold_reached"] is False
    assert row["status"] == "collecting" and row["signing"] == "open"

    assert _sign(client, second, petition_id).status_code == 202
    before = _stored(client)
    again = _sign(client, second, petition_id)
    assert (again.status_code, again.json()["code"]) == (409, "petition.already_signed")
    assert again.json()["title"] == "You have already signed this petition"
    assert _stored(client) == before, "a refused signature leaves nothing behind"
    initiator = _sign(client, first, petition_id)
    assert (initiator.status_code, initiator.json()["code"]) == (409, "petition.already_signed")

    row = _row(client, petition_id, municipality=SMALL, lang="sq")
    assert (row["signatures"], row["threshold_reached"]) == (2, True)
    assert row["share_of_voters_percent"] == round(200 / 19, 2)
    assert row["kind_name"] == "Peticion kundër rregullores"
    assert _sign(client, third, petition_id).status_code == 202
    assert _row(client, petition_id)["signatures"] == 3

    published = json.dumps(client.get("/v1/open/petitions", params={"format": "csv"}).text)
    for person in (first, second, third):
        assert person.personal_number not in published and person.last_name not in published


def test_the_civil_registry_refuses_a_non_resident_and_a_minor(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    seed = client.seed  # type: ignore[attr-defined]
    initiator = people_of(seed, SMALL, adults=True)[3]
    petition_id = _open(client, initiator).json()["request_id"]
    outsider = people_of(seed, "19", adults=True)[0]
    minor = people_of(seed, SMALL, adults=False)[0]
    before = _stored(client)

    elsewhere = _sign(client, outsider, petition_id)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "rule.failed")
    assert elsewhere.json()["rule"] == "resides_here"
    young = _sign(client, minor, petition_id)
    assert (young.status_code, young.json()["code"]) == (422, "rule.failed")
    assert young.json()["rule"] == "adult"
    assert "18" in young.json()["detail"]
    assert _stored(client) == before
    assert _row(client, petition_id)["signatures"] == 1

    # Signing in the outsider's own municipality names no petition there.
    wrong = _sign(client, outsider, petition_id, municipality="19")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "petition.unknown")


def test_a_petition_against_a_regulation_has_30_days_from_its_adoption(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    seed = client.seed  # type: ignore[attr-defined]
    people = people_of(seed, SMALL, adults=True)
    late = _open(
        client,
        people[4],
        regulation_adopted_on=(date.today() - timedelta(days=31)).isoformat(),
    )
    assert (late.status_code, late.json()["code"]) == (409, "petition.window.closed")
    unnamed = _open(client, people[4], regulation_number=None)
    assert (unnamed.status_code, unnamed.json()["code"]) == (422, "request.payload.invalid")

    petition_id = _open(client, people[5]).json()["request_id"]
    client.clock.ahead = timedelta(days=27)  # type: ignore[attr-defined]
    try:
        closed = _sign(client, people[6], petition_id)
        assert (closed.status_code, closed.json()["code"]) == (409, "petition.closed")
        assert _row(client, petition_id, signing="closed")["signatures"] == 1
    finally:
        client.clock.ahead = timedelta(0)  # type: ignore[attr-defined]


def test_a_petition_published_with_personal_data_is_refused(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    initiator = people_of(client.seed, SMALL, adults=True)[10]  # type: ignore[attr-defined]
    before = _stored(client)
    for field, text in (
        ("summary", "Nënshkruani dhe më shkruani në besa.k@example.org."),
        ("title", "Peticioni i " + initiator.last_name),
        ("summary", f"Kontakt: +383 44 123 456, numri {initiator.personal_number}"),
    ):
        refused = _open(client, initiator, **{field: text})
        assert (refused.status_code, refused.json()["code"]) == (422, "petition.personal_data")
        assert refused.json()["title"] == "The petition is published: remove the personal data"
        (error,) = refused.json()["errors"]
        assert error["pointer"] == f"/form/{field}"
        assert initiator.personal_number not in refused.text
    assert _stored(client) == before, "a refused petition leaves nothing behind"


def test_a_regulation_adopted_after_today_is_refused(citizens_client: TestClient) -> None:
    client = citizens_client
    initiator = people_of(client.seed, SMALL, adults=True)[11]  # type: ignore[attr-defined]
    before = _stored(client)
    ahead = (date.today() + timedelta(days=60)).isoformat()
    refused = _open(client, initiator, regulation_adopted_on=ahead)
    assert (refused.status_code, refused.json()["code"]) == (422, "request.payload.invalid")
    (error,) = refused.json()["errors"]
    assert error["pointer"] == "/form/regulation_adopted_on"
    assert _stored(client) == before


def test_two_signatures_of_one_person_racing_count_once(citizens_client: TestClient) -> None:
    client = citizens_client
    initiator, signer = people_of(client.seed, SMALL, adults=True)[12:14]  # type: ignore[attr-defined]
    petition_id = _open(client, initiator).json()["request_id"]
    start, answers = threading.Barrier(4), []

    def sign() -> None:
        start.wait()
        answers.append(_sign(client, signer, petition_id))

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted((a.status_code, a.json().get("code")) for a in answers)
    assert codes == [(202, None)] + [(409, "petition.already_signed")] * 3
    assert _row(client, petition_id)["signatures"] == 2


def test_a_variant_of_a_signers_personal_number_is_refused_not_counted_again(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    initiator, signer = people_of(client.seed, SMALL, adults=True)[14:16]  # type: ignore[attr-defined]
    petition_id = _open(client, initiator).json()["request_id"]
    assert _sign(client, signer, petition_id).status_code == 202
    number = signer.personal_number
    wide = number.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    for variant in (f" {number}", f"{number} ", f"{number}\n", wide):
        body = citizen_request(
            signer, "petition-signature", {"petition_id": petition_id}, municipality=SMALL
        )
        body["applicant"]["personal_number"] = variant
        answer = client.post("/v1/requests", headers=portal_headers(), json=body)
        assert (answer.status_code, answer.json()["code"]) == (422, "request.payload.invalid")
        assert number not in answer.text and variant not in answer.text
    assert _row(client, petition_id)["signatures"] == 2


def test_the_petitions_feed_in_json_and_csv_with_labels_and_etag(
    citizens_client: TestClient,
) -> None:
    client = citizens_client
    people = people_of(client.seed, SMALL, adults=True)  # type: ignore[attr-defined]
    petition_id = _open(client, people[7], kind="initiative").json()["request_id"]
    as_json = client.get(
        "/v1/open/petitions", params={"kind": "initiative", "lang": "sr", "municipality": SMALL}
    )
    as_csv = client.get(
        "/v1/open/petitions", params={"kind": "initiative", "format": "csv", "lang": "en"}
    )
    (row,) = [r for r in as_json.json()["data"] if r["petition_id"] == petition_id]
    (line,) = [
        r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["petition_id"] == petition_id
    ]
    assert (row["kind_name"], row["status_name"]) == ("Građanska inicijativa", "Prikuplja potpise")
    assert line["kind_name"] == "Citizens' initiative" and line["signatures"] == "1"
    assert line["threshold"] == "2" and line["voters_source"].startswith("sandbox civil registry")
    assert row["regulation_number"] is None and line["regulation_number"] == ""
    again = client.get(
        "/v1/open/petitions",
        params={"kind": "initiative", "lang": "sr", "municipality": SMALL},
        headers={"If-None-Match": as_json.headers["etag"]},
    )
    assert again.status_code == 304
    for params, status, code in (
        ({"status": "signed"}, 400, "open.filter.invalid"),
        ({"signing": "later"}, 400, "open.filter.invalid"),
        ({"year": "1999"}, 404, "open.year.unknown"),
    ):
        answer = client.get("/v1/open/petitions", params=params)
        assert (answer.status_code, answer.json()["code"]) == (status, code)


def test_a_petition_reaches_the_back_office_and_its_decision_comes_back(
    citizens_client: TestClient,
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
    tmp_path: Path,
) -> None:
    client = citizens_client
    store = _store(client)
    people = people_of(client.seed, SMALL, adults=True)  # type: ignore[attr-defined]
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=[SMALL])
    consumer = StatusConsumer(store, amqp_url, names=topology_names, municipality_codes=[SMALL])
    office = BackOffice(
        SMALL,
        broker_users.municipality(SMALL).url,
        tmp_path / f"office-{SMALL}.db",
        prefix=topology_names.prefix,
        decision_delay_s=0.2,
    )
    with capture_logs() as logs, running(relay, consumer, office):
        petition_id = _open(client, people[8]).json()["request_id"]
        assert _sign(client, people[9], petition_id).status_code == 202
        wait_until(
            lambda: _row(client, petition_id)["status"] == "decided_adopted",
            what="the back-office's decision on the petition",
        )
    assert petition_id in office.database.request_ids()
    row = _row(client, petition_id, lang="en")
    assert row["status_name"] == "Decided: adopted" and row["signatures"] == 2
    assert people[8].personal_number not in repr(logs) and people[9].personal_number not in repr(
        logs
    )


def test_a_signature_the_municipality_rejects_stops_counting(
    citizens_client: TestClient,
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    """The assembly finds a signatory not entitled and the back-office rejects that signature's
    request over RabbitMQ: the petition's count drops, and the person may sign again."""
    client = citizens_client
    store = _store(client)
    people = people_of(client.seed, SMALL, adults=True)  # type: ignore[attr-defined]
    petition_id = _open(client, people[10]).json()["request_id"]
    signed = _sign(client, people[11], petition_id)
    assert signed.status_code == 202, signed.text
    assert _row(client, petition_id)["signatures"] == 2

    updates = [
        StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=uuid.UUID(signed.json()["request_id"]),
            municipality=SMALL,
            status=status,
            decided_by=DecidedBy(official_id=f"{SMALL}-0007", role="sekretar i kuvendit"),
            occurred_at=datetime.now(UTC),
        )
        for status in (RequestStatus.IN_REVIEW, RequestStatus.REJECTED)
    ]
    consumer = StatusConsumer(store, amqp_url, names=topology_names, municipality_codes=[SMALL])
    with running(consumer):
        for update in updates:
            broker_users.municipality(SMALL).publish(
                topology_names.status_exchange,
                update.routing_key,
                update.model_dump_json().encode(),
            )
        wait_until(
            lambda: _row(client, petition_id)["signatures"] == 1,
            what="the rejected signature taken off the count",
        )
    # A signature's review and rejection are the signature's, not the petition's.
    assert _row(client, petition_id)["status"] == "collecting"
    assert _sign(client, people[11], petition_id).status_code == 202
    assert _row(client, petition_id)["signatures"] == 2
