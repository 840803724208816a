"""Declaring the topology on a fresh vhost gives what the gateway declared before issue 18.

``topology_on_main.txt`` is the broker's own listing (``rabbitmqctl``, see
``broker_listing``) of a fresh vhost after the topology of main before the change (the
catalogue's 38 municipalities and its central institutions) was declared there. Every
exchange, queue, queue argument (quorum, dead-lettering, delivery limit) and binding the
one ``Topology`` value declares now must be exactly that, no more and no less, however
often it is declared. One deliberate change since: issue 19 added
``x-single-active-consumer=True`` to the three queues the gateway consumes, so that N
instances record each request's updates in the order they were sent.
"""

from __future__ import annotations

from pathlib import Path

import pika

from adapters.amqp.topology import Topology, declare
from contracts.catalogue import load_catalogue
from contracts.complaints.catalogue import load_complaint_catalogue
from tests.integration.amqp.broker_listing import broker_listing

SNAPSHOT = Path(__file__).with_name("topology_on_main.txt")


def _catalogue_topology() -> Topology:
    catalogue = load_catalogue()
    complaints = load_complaint_catalogue(catalogue.municipalities)
    return Topology.build(
        catalogue.municipality_codes, [i.id for i in complaints.central_institutions]
    )


def test_declare_on_a_fresh_vhost_yields_exactly_the_topology_declared_before(
    own_amqp_url: str,
) -> None:
    parameters = pika.URLParameters(own_amqp_url)
    topology = _catalogue_topology()
    with pika.BlockingConnection(parameters) as connection:
        channel = connection.channel()
        declare(channel, topology)
        declare(channel, topology)  # idempotent: the workers declare at every reconnect

    assert broker_listing(parameters.virtual_host) == SNAPSHOT.read_text().splitlines()
