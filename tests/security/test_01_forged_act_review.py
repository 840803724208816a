"""Issue 16, item 1, for the legality review: only the ministry decides on a municipal act.

Through the real broker: a municipality's broker user, to which an operator wrongly gave
the right to write to the decisions' exchange, declares its own act lawful; the ministry's
own user sends a decision whose routing key names another municipality. Each is
dead-lettered with its reason and the act keeps its review state; the ministry, logged in as
itself and saying so in ``user_id``, decides.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.topology import ActReviewNames, TopologyNames
from contracts.act_messages import ActReviewDecision, MunicipalAct, ReviewState
from gateway.access import Speaker
from gateway.acts.consumer import ActReviewConsumer
from gateway.acts.desk import ActDesk
from gateway.store import Store
from gateway.store.acts import ActRepository
from tests.fixtures.broker import rabbitmqctl
from tests.fixtures.broker_users import BrokerUsers
from tests.fixtures.participation import act_body, act_number
from tests.integration.relay.probes import running, wait_until
from tests.security.forgery import refusal, unverified_reasons


def _decision(act_id: str, state: str, municipality: str = "19") -> bytes:
    return (
        ActReviewDecision.model_validate(
            {
                "update_id": uuid.uuid4(),
                "act_id": act_id,
                "municipality": municipality,
                "revision": 1,
                "state": state,
                "occurred_at": datetime.now(UTC),
            }
        )
        .model_dump_json()
        .encode()
    )


def test_no_one_but_the_ministry_decides_on_an_act(
    postgres_store: Store,
    amqp_url: str,
    amqp_vhost: str,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    act = MunicipalAct.model_validate(act_body(act_number()))
    prishtine_speaker = Speaker(client="municipality-prishtine", municipality="19")
    act_id = str(asyncio.run(ActDesk(postgres_store).submit(prishtine_speaker, act)).body["act_id"])
    ministry, prishtine = broker_users.ministry(), broker_users.municipality("19")
    # The operator's mistake: the municipality may write to the decisions' exchange too.
    rabbitmqctl("set_permissions", "-p", amqp_vhost, prishtine.name, "^$", ".*", "^$")
    exchange = ActReviewNames(topology_names).decision_exchange
    where: dict[str, Any] = {"exchange": exchange, "channel": amqp_channel, "names": topology_names}
    reason_for = partial(refusal, **where)
    consumer = ActReviewConsumer(
        postgres_store, amqp_url, names=topology_names, municipality_codes=["19", "20"]
    )

    def state() -> ReviewState:
        with postgres_store.unit_of_work(read_only=True) as uow:
            record = uow.bind(ActRepository).get(act_id)
        assert record is not None
        return record.review_state

    lawful = _decision(act_id, "received")
    with running(consumer):
        wait_until(lambda: consumer.connected, what="act review consumer connected")
        # The municipality poses as the ministry: no user_id...
        reason = reason_for(prishtine, "mapl.acts.19.received", lawful, user_id=None)
        assert reason.startswith("act.review.sender_unverified")
        # ...or its own.
        reason = reason_for(prishtine, "mapl.acts.19.received", lawful)
        assert reason.startswith("act.review.sender_not_ministry")
        # No user_id, or one that is nobody's, from any other login.
        unverified = unverified_reasons(amqp_vhost, "mapl.acts.19.received", lawful, **where)
        assert unverified == {"act.review.sender_unverified"}
        # The ministry's routing key must name the municipality the decision does.
        reason = reason_for(ministry, "mapl.acts.20.received", lawful)
        assert reason.startswith("act.review.routing_key_mismatch")

        assert state() is ReviewState.SUBMITTED
        ministry.publish(exchange, "mapl.acts.19.received", lawful)
        wait_until(lambda: state() is ReviewState.RECEIVED, what="the ministry's decision")
