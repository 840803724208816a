"""One Idempotency-Key, one request: under concurrent twins and across a SIGKILL (issue 21,
item 6).

Through the real server (``ekomunat-gateway serve``), on SQLite and on PostgreSQL. The API
promises that a retry with the same key gets the first answer (``Idempotent-Replayed:
true``), and that the key reused for a different request is refused with 409
``idempotency.conflict``: the only 409 it documents for a key. Twins racing to commit are
retries like any other: the one that commits first gives the answer, the others replay it.

The kill: two requests (one async, one sync) are sent on raw connections and never read.
Once the store holds their answers, a burst of other requests is let go, and as soon as a
few of those have been answered the gateway gets SIGKILL: the two lost answers stand for a
process dying between commit and reply, and the burst catches requests at every other
stage. After the restart every key is sent again, and each must name the request it had
before, or make its first one.

``database_url`` runs each test once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import uuid
from collections import Counter
from typing import Any

from tests.fixtures.crash import CEILING_S, CrashableGateway, wait_for
from tests.fixtures.gateway import citizen_request, http_json, portal_headers

MUNICIPALITY = "19"
TWINS = 30
CONFLICTING = 20
BURST = 20
BURST_ANSWERED = 3


def _complaint(person: Any, text: str) -> dict[str, Any]:
    return citizen_request(person, "municipal-service-complaint", {"description": text})


def _certificate(person: Any) -> dict[str, Any]:
    return citizen_request(person, "birth-certificate", {"purpose": "other"})


def _all_at_once(base: str, calls: list[tuple[str, dict[str, Any]]]) -> list[tuple]:
    """POST each (key, body) from its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple | None] = [None] * len(calls)

    def post(index: int, key: str, body: dict[str, Any]) -> None:
        barrier.wait()
        answers[index] = http_json("POST", f"{base}/v1/requests", body, portal_headers("sq", key))

    threads = [
        threading.Thread(target=post, args=(i, key, body)) for i, (key, body) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(answer is not None for answer in answers), "a client never got its answer"
    return answers  # type: ignore[return-value]


def _replayed(answers: list[tuple]) -> Counter[bool]:
    return Counter(headers.get("idempotent-replayed") == "true" for _s, headers, _b in answers)


def test_many_concurrent_clients_with_one_key_make_one_request(
    sandbox, database_url, store_rows, tmp_path
):
    gateway = CrashableGateway(sandbox, database_url, tmp_path, amqp_url=None)
    person = sandbox.seed.person_in(MUNICIPALITY, 3)
    async_key, sync_key, contested_key = (uuid.uuid4().hex for _ in range(3))
    try:
        accepted = _all_at_once(
            gateway.base, [(async_key, _complaint(person, "Rruga pa ndriçim."))] * TWINS
        )
        answered = _all_at_once(gateway.base, [(sync_key, _certificate(person))] * TWINS)
        contested = _all_at_once(
            gateway.base,
            [(contested_key, _complaint(person, f"Ankesa {n}.")) for n in range(CONFLICTING)],
        )
    finally:
        gateway.stop()

    for answers, status in ((accepted, 202), (answered, 200)):
        assert {answer[0] for answer in answers} == {status}
        assert len({json.dumps(answer[2], sort_keys=True) for answer in answers}) == 1
        assert _replayed(answers) == {False: 1, True: TWINS - 1}
    statuses = Counter(answer[0] for answer in contested)
    assert statuses == {202: 1, 409: CONFLICTING - 1}
    for status, headers, problem in contested:
        if status == 409:
            assert headers["content-type"] == "application/problem+json"
            assert problem["code"] == "idempotency.conflict"
    keys = store_rows.keys()
    assert keys[async_key].request_id == accepted[0][2]["request_id"]
    assert keys[sync_key].request_id == answered[0][2]["request_id"]
    assert sorted(store_rows.request_ids()) == sorted(key.request_id for key in keys.values())
    assert Counter(store_rows.handoff_request_ids()) == Counter(
        [keys[async_key].request_id, keys[contested_key].request_id]
    )


def _send_unread(base: str, key: str, body: dict[str, Any]) -> http.client.HTTPConnection:
    """Send the request and leave its answer unread: the portal never hears it."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {**portal_headers("sq", key), "Content-Type": "application/json"}
    connection.request("POST", "/v1/requests", json.dumps(body).encode(), headers)
    return connection


def test_a_key_whose_answer_died_with_the_gateway_names_the_same_request_after_restart(
    sandbox, database_url, store_rows, tmp_path, record_property
):
    gateway = CrashableGateway(sandbox, database_url, tmp_path, amqp_url=None)
    people = [sandbox.seed.person_in(MUNICIPALITY, index) for index in range(10, 40)]
    bodies = {
        uuid.uuid4().hex: _complaint(people[0], "Ujësjellësi."),
        uuid.uuid4().hex: (_certificate(people[1])),
    }
    lost = list(bodies)
    burst = {uuid.uuid4().hex: _complaint(people[2 + n], f"Shpërthim {n}.") for n in range(BURST)}
    bodies.update(burst)
    first: dict[str, tuple | None] = dict.fromkeys(burst)
    some_answered = threading.Event()
    lock = threading.Lock()

    def post(key: str) -> None:
        # An error here is the gateway dying under the request: it stays unanswered.
        with contextlib.suppress(OSError, http.client.HTTPException):
            answer = http_json(
                "POST", f"{gateway.base}/v1/requests", burst[key], portal_headers("sq", key)
            )
            with lock:
                first[key] = answer
                if sum(1 for seen in first.values() if seen is not None) >= BURST_ANSWERED:
                    some_answered.set()

    unread = [_send_unread(gateway.base, key, bodies[key]) for key in lost]
    senders = [threading.Thread(target=post, args=(key,)) for key in burst]
    try:
        wait_for(lambda: set(lost) <= set(store_rows.keys()), "the unread requests committed")
        for sender in senders:
            sender.start()
        assert some_answered.wait(CEILING_S), "the burst got no answers"
        gateway.kill()
        for connection in unread:
            connection.close()
        for sender in senders:
            sender.join(60)

        gateway.restart()
        # Read once the new gateway answers: a COMMIT the dead one had sent to PostgreSQL may
        # still have landed after the kill, and no client has reached the new one yet.
        before = store_rows.keys()
        again = {
            key: http_json("POST", f"{gateway.base}/v1/requests", body, portal_headers("sq", key))
            for key, body in bodies.items()
        }
    finally:
        gateway.stop()

    answered = {key for key, answer in first.items() if answer is not None}
    committed_unanswered = set(before) - answered - set(lost)
    figures = {
        "lost_answers": len(lost),
        "burst_answered_before_kill": len(answered),
        "burst_committed_unanswered": len(committed_unanswered),
        "burst_absent": BURST - len(answered) - len(committed_unanswered),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"\n{database_url.split(':')[0]} {figures}")

    for key, (status, headers, answer) in again.items():
        assert status in (200, 202), answer
        if key in before:
            assert headers.get("idempotent-replayed") == "true"
            assert answer["request_id"] == before[key].request_id
            assert status == before[key].status_code
        else:
            assert "idempotent-replayed" not in headers
    for key in answered:
        assert key in before
        assert again[key][2]["request_id"] == first[key][2]["request_id"]  # type: ignore[index]
    keys = store_rows.keys()
    assert set(keys) == set(bodies)
    assert sorted(store_rows.request_ids()) == sorted(key.request_id for key in keys.values())
