"""The broker as the operator's commands see it: which vhost a URL names.

The CLI's ``topology user`` and the demo's party users grant rights in the gateway's own
vhost; it is read here, the way pika reads it, so that no module outside ``adapters/``
parses an AMQP URL. (``topology apply`` is ``adapters.amqp.topology.apply_topology``.)
"""

from __future__ import annotations

import pika


def virtual_host(amqp_url: str) -> str:
    """The vhost ``amqp_url`` names (``/`` for the broker's default), as pika reads it."""
    return str(pika.URLParameters(amqp_url).virtual_host)
