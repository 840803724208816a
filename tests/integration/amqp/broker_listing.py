"""What a virtual host holds, as the broker itself lists it (``rabbitmqctl``), one line each.

The listing is sorted and leaves out what every vhost has from birth (the ``amq.*`` and
default exchanges, and the default exchange's implicit binding of each queue), so two
listings are equal exactly when the declared exchanges, queues (with their arguments) and
bindings are.
"""

from __future__ import annotations

import json

from tests.fixtures.broker import rabbitmqctl


def _listed(kind: str, vhost: str, *fields: str) -> list[dict[str, object]]:
    output = rabbitmqctl(kind, "-p", vhost, *fields, "--formatter", "json", "--quiet")
    return list(json.loads(output))


def broker_listing(vhost: str) -> list[str]:
    """The exchanges, queues and bindings declared in ``vhost``, one sorted line each."""
    lines = []
    for exchange in _listed("list_exchanges", vhost, "name", "type", "durable"):
        name = str(exchange["name"])
        if name and not name.startswith("amq."):
            lines.append(f"exchange {name} type={exchange['type']} durable={exchange['durable']}")
    for queue in _listed("list_queues", vhost, "name", "durable", "arguments"):
        declared: list[list[object]] = queue["arguments"]  # type: ignore[assignment]
        arguments = " ".join(f"{key}={value}" for key, _type, value in sorted(map(tuple, declared)))
        lines.append(f"queue    {queue['name']} durable={queue['durable']} {arguments}")
    for binding in _listed(
        "list_bindings", vhost, "source_name", "destination_name", "destination_kind", "routing_key"
    ):
        if binding["source_name"] == "":
            continue
        key = binding["routing_key"] or '""'
        lines.append(
            f"binding  {binding['source_name']} -> {binding['destination_kind']} "
            f"{binding['destination_name']} key={key}"
        )
    return sorted(lines)


def _rows(kind: str, vhost: str, *fields: str) -> list[list[str]]:
    """A listing in rabbitmqctl's tab-separated form, whose pids ``close_connection`` takes
    (the JSON form spells them ``#PID<…>`` with a node number it does not)."""
    output = rabbitmqctl(kind, "-p", vhost, *fields, "--quiet", "--no-table-headers")
    return [line.split("\t") for line in output.splitlines() if line.strip()]


def queue_consumers(vhost: str, queue: str) -> list[tuple[str, bool]]:
    """(channel pid, whether the broker delivers to it) of each consumer of ``queue``."""
    return [
        (channel, active == "true")
        for name, channel, active in _rows(
            "list_consumers", vhost, "queue_name", "channel_pid", "active"
        )
        if name == queue
    ]


def close_connection_of(vhost: str, channel_pid: str, reason: str) -> None:
    """Have the broker close the connection a channel belongs to, as a lost link would."""
    for pid, connection in _rows("list_channels", vhost, "pid", "connection"):
        if pid == channel_pid:
            rabbitmqctl("close_connection", connection, reason)
            return
    raise AssertionError(f"no channel {channel_pid} in {vhost}")
