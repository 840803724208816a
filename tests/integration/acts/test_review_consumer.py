"""The ministry's decisions: checked, recorded once, or dead-lettered with their reason.

Real store (SQLite and PostgreSQL), real RabbitMQ with real broker users; decisions are
published the way the ministry's system would, on the act review exchange.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import (
    ActReviewNames,
    TopologyNames,
)
from contracts.act_messages import ActReviewDecision, MunicipalAct, ReviewState
from gateway.access import Speaker
from gateway.acts.consumer import ActReviewConsumer
from gateway.acts.desk import ActDesk
from gateway.store import Store
from gateway.store.acts import ActRepository
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.participation import act_body, act_number
from tests.integration.relay.probes import drain, wait_until

CODES = ["19", "20"]
PRISHTINE = Speaker(client="municipality-prishtine", municipality="19")


@pytest.fixture
def consumer(store: Store, amqp_url: str, topology_names: TopologyNames) -> Iterator[None]:
    running = ActReviewConsumer(
        store, amqp_url, names=topology_names, municipality_codes=CODES, retry_delay_s=0.2
    )
    running.start()
    try:
        wait_until(lambda: running.connected, what="act review consumer connected")
        yield
    finally:
        running.stop()


def _act(store: Store) -> str:
    act = MunicipalAct.model_validate(act_body(act_number()))
    return str(asyncio.run(ActDesk(store).submit(PRISHTINE, act)).body["act_id"])


def _decision(act_id: str, state: str, **changes: Any) -> ActReviewDecision:
    values: dict[str, Any] = {
        "update_id": uuid.uuid4(),
        "act_id": act_id,
        "municipality": "19",
        "revision": 1,
        "state": state,
        "occurred_at": datetime.now(UTC),
    }
    if state in ("reconsideration_requested", "referred_to_court"):
        values["public_note"] = {"sq": "Neni 5 bie ndesh me ligjin."}
    values.update(changes)
    return ActReviewDecision.model_validate(values)


def _publish(users: BrokerUsers, names: TopologyNames, decision: ActReviewDecision | bytes) -> None:
    """As the ministry's own broker user, ``user_id`` set, the way its system publishes."""
    body = decision if isinstance(decision, bytes) else decision.model_dump_json().encode()
    key = decision.routing_key if isinstance(decision, ActReviewDecision) else "mapl.acts.19.x"
    users.ministry().publish(ActReviewNames(names).decision_exchange, key, body)


def _state(store: Store, act_id: str) -> ReviewState:
    with store.unit_of_work(read_only=True) as uow:
        act = uow.bind(ActRepository).get(act_id)
    assert act is not None
    return act.review_state


def _reasons(channel: BlockingChannel, names: TopologyNames, expect: int) -> list[str]:
    dead = drain(channel, names.dead_letter_queue, expect=expect)
    return sorted(str(item.properties.headers[REASON_HEADER]).split(":")[0] for item in dead)


def test_a_legal_decision_is_recorded_once_and_a_redelivery_changes_nothing(
    store: Store, broker_users: BrokerUsers, topology_names: TopologyNames, consumer: None
) -> None:
    act_id = _act(store)
    received = _decision(act_id, "received")
    _publish(broker_users, topology_names, received)
    _publish(broker_users, topology_names, received)
    _publish(broker_users, topology_names, _decision(act_id, "under_review"))

    wait_until(lambda: _state(store, act_id) is ReviewState.UNDER_REVIEW, what="under review")
    with store.unit_of_work(read_only=True) as uow:
        history = uow.bind(ActRepository).history(act_id)
    assert [event.state for event in history] == [
        ReviewState.SUBMITTED,
        ReviewState.RECEIVED,
        ReviewState.UNDER_REVIEW,
    ]
    assert history[1].source == "ministry:mapl"


def test_decisions_that_fail_a_check_are_dead_lettered_with_their_reason(
    store: Store,
    amqp_channel: BlockingChannel,
    broker_users: BrokerUsers,
    topology_names: TopologyNames,
    consumer: None,
) -> None:
    act_id = _act(store)
    revised = _act(store)
    with store.unit_of_work() as uow:
        acts = uow.bind(ActRepository)
        current = acts.get(revised)
        assert current is not None
        acts.revise(revised, current.as_act(), message_id=str(uuid.uuid4()))
        uow.commit()

    for bad in (
        b'{"schema_version": "1", "state": "found_lawful"}',
        _decision(str(uuid.uuid4()), "received"),
        _decision(act_id, "received", municipality="20"),
        _decision(revised, "received", revision=1),
        _decision(act_id, "found_lawful"),
    ):
        _publish(broker_users, topology_names, bad)

    assert _reasons(amqp_channel, topology_names, expect=5) == [
        "act.review.illegal_transition",
        "act.review.invalid_message",
        "act.review.stale_revision",
        "act.review.unknown_act",
        "act.review.wrong_municipality",
    ]
    assert _state(store, act_id) is ReviewState.SUBMITTED
    assert _state(store, revised) is ReviewState.SUBMITTED
