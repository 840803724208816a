"""Reading a dead letter's reason and origin, from the gateway's headers or the broker's."""

from __future__ import annotations

import json

from pika.spec import BasicProperties

from gateway.ops.dead_letters import REPLAY_HEADER, describe, replay_properties

PERSONAL_NUMBER = "1234567892"
BODY = json.dumps({"applicant": {"personal_number": PERSONAL_NUMBER}, "service": "x"}).encode()


def test_a_status_update_the_gateway_refused_names_its_reason_and_origin() -> None:
    letter = describe(
        b'{"update_id": "u"}',
        routing_key="19.approved",
        message_id="m-1",
        correlation_id="r-1",
        message_type=None,
        headers={
            "x-ekomunat-reason": "status.unknown_request",
            "x-ekomunat-queue": "gateway.status",
            "x-ekomunat-exchange": "ekomunat.status",
            "x-ekomunat-routing-key": "19.approved",
        },
    )
    assert letter.dead_lettered_by == "gateway"
    assert letter.reason == "status.unknown_request"
    assert (letter.exchange, letter.routing_key, letter.queue) == (
        "ekomunat.status",
        "19.approved",
        "gateway.status",
    )
    assert letter.deaths == 1 and letter.replays == 0


def test_a_hand_off_the_broker_dead_lettered_is_read_from_x_death() -> None:
    letter = describe(
        BODY,
        routing_key="19.birth-certificate",
        message_id="m-2",
        correlation_id="r-2",
        message_type="ekomunat.handoff.v1",
        headers={
            "x-death": [
                {
                    "count": 2,
                    "reason": "rejected",
                    "queue": "ekomunat.19",
                    "exchange": "ekomunat.requests",
                    "routing-keys": ["19.birth-certificate"],
                }
            ],
            REPLAY_HEADER: 1,
        },
    )
    assert letter.dead_lettered_by == "broker"
    assert letter.reason == "rejected"
    assert (letter.exchange, letter.queue) == ("ekomunat.requests", "ekomunat.19")
    assert letter.deaths == 2 and letter.replays == 1


def test_the_preview_never_shows_a_personal_number() -> None:
    letter = describe(
        BODY, routing_key="k", message_id=None, correlation_id=None, message_type=None, headers={}
    )
    assert PERSONAL_NUMBER not in letter.preview
    assert "********92" in letter.preview
    assert letter.reason == "unknown" and letter.size == len(BODY)


def test_a_replayed_message_keeps_its_identity_and_loses_the_marks_of_death() -> None:
    original = BasicProperties(
        message_id="m-3",
        correlation_id="r-3",
        content_type="application/json",
        type="ekomunat.status.v1",
        headers={
            "schema_version": 1,
            "x-death": [{"count": 1}],
            "x-ekomunat-reason": "status.illegal_transition",
            "x-ekomunat-exchange": "ekomunat.status",
            REPLAY_HEADER: 2,
        },
    )

    replayed = replay_properties(original)

    assert (replayed.message_id, replayed.correlation_id, replayed.type) == (
        "m-3",
        "r-3",
        "ekomunat.status.v1",
    )
    assert replayed.delivery_mode == 2
    assert replayed.headers == {"schema_version": 1, REPLAY_HEADER: 3}
