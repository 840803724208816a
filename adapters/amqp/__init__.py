"""RabbitMQ, the only place in the gateway that knows AMQP frames (pika).

``publisher`` sends with pipelined publisher confirms, ``consumer`` consumes with manual
acks, ``topology`` declares and describes exchanges, queues and users. Each connection is
owned by the one thread that runs it.
"""

from __future__ import annotations

import pika


def connection_parameters(url: str, *, name: str = "ekomunat-gateway") -> pika.URLParameters:
    """Parameters for ``url`` with the timeouts a long-running worker wants.

    One connection attempt per call (the workers run their own backoff loop), a bounded
    socket timeout, and a limit on how long a broker under a resource alarm may block us.
    """
    parameters = pika.URLParameters(url)
    parameters.connection_attempts = 1
    parameters.socket_timeout = 5
    parameters.stack_timeout = 10
    parameters.blocked_connection_timeout = 60
    parameters.client_properties = {"connection_name": name}
    return parameters
