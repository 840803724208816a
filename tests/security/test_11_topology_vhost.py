"""Issue 16, item 11: ``topology user CODE`` and ``ministry-user`` grant in the gateway's vhost.

The CLI runs against the real broker with ``GATEWAY_AMQP_URL`` naming a private vhost. The
users it makes can then log in to that vhost and publish there as themselves, and they have
no rights at all in ``/``: before the fix, every right went to ``/``.
"""

from __future__ import annotations

import uuid

import pika
import pytest
from pika.exceptions import ProbableAccessDeniedError

from adapters.amqp.topology import ActReviewNames, TopologyNames
from gateway.cli import main
from tests.fixtures.broker import private_vhost, rabbitmqctl, vhost_url
from tests.fixtures.broker_users import BrokerUser


def test_broker_users_get_their_rights_in_the_configured_vhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = TopologyNames(prefix=f"cli{uuid.uuid4().hex[:8]}.")
    password = uuid.uuid4().hex
    municipal, ministry = names.municipality_user("19"), ActReviewNames(names).ministry_user
    with private_vhost("ekomunat-cli") as vhost:
        monkeypatch.setenv("GATEWAY_AMQP_URL", vhost_url(vhost))
        monkeypatch.setenv("GATEWAY_MUNICIPALITY_PASSWORD", password)
        try:
            assert main(["topology", "user", "19", "--apply", "--prefix", names.prefix]) == 0
            assert main(["topology", "ministry-user", "--apply", "--prefix", names.prefix]) == 0
            # Applying again is harmless (the demo and the tests do it at every start).
            assert main(["topology", "user", "19", "--apply", "--prefix", names.prefix]) == 0

            with pika.BlockingConnection(pika.URLParameters(vhost_url(vhost))) as connection:
                channel = connection.channel()
                channel.queue_declare("witness", durable=True)
                for exchange in (names.status_exchange, ActReviewNames(names).decision_exchange):
                    channel.exchange_declare(exchange, "topic", durable=True)
                    channel.queue_bind("witness", exchange, routing_key="#")
            for user, exchange, key in (
                (municipal, names.status_exchange, "19.in_review"),
                (ministry, ActReviewNames(names).decision_exchange, "mapl.acts.19.received"),
            ):
                BrokerUser(user, vhost_url(vhost, user=user, password=password)).publish(
                    exchange, key, b"{}"
                )
                with pytest.raises(ProbableAccessDeniedError):
                    pika.BlockingConnection(
                        pika.URLParameters(vhost_url("/", user=user, password=password))
                    )
        finally:
            for user in (municipal, ministry):
                rabbitmqctl("delete_user", user)
