"""The relay names each message's contract in the AMQP type, so back-offices can route by it."""

from __future__ import annotations

from gateway.relay import HANDOFF_TYPE, message_type


def test_a_row_names_its_own_contract_and_version():
    assert message_type({"schema": "ekomunat.complaint-handoff", "schema_version": "1"}) == (
        "ekomunat.complaint-handoff.v1"
    )


def test_a_row_without_schema_headers_is_an_application_hand_off():
    assert message_type({}) == HANDOFF_TYPE
