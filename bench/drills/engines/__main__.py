"""Start the drill engines by hand and keep them until Ctrl-C, for a drill run from a shell:

    .venv/bin/python -m bench.drills.engines             # the RabbitMQ cluster and PostgreSQL
    .venv/bin/python -m bench.drills.engines rabbitmq    # one of them

It prints the URLs to give the gateway (``GATEWAY_AMQP_URL``, ``GATEWAY_DATABASE_URL``) and
the commands that fault a node; on Ctrl-C or SIGTERM every process it started is killed and
its folder removed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import ExitStack

from bench.drills.engines import PostgresPair, RabbitCluster

ENGINES = ("rabbitmq", "postgresql")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.drills.engines",
        description="Start a private 3-node RabbitMQ cluster and a PostgreSQL primary with a "
        "synchronous replica on loopback; stop them on Ctrl-C.",
    )
    parser.add_argument("engines", nargs="*", help=f"{' and/or '.join(ENGINES)} (default: both)")
    args = parser.parse_args(argv)
    chosen = args.engines or list(ENGINES)
    if unknown := set(chosen) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    with ExitStack() as stack:
        if "rabbitmq" in chosen:
            cluster = stack.enter_context(RabbitCluster())
            print("RabbitMQ cluster, one URL per node:", *cluster.urls, sep="\n  ")
            print(f"  kill -9 a node: kill -9 -- -{cluster.nodes[0].process.group}")
        if "postgresql" in chosen:
            pair = stack.enter_context(PostgresPair())
            print("PostgreSQL, primary and replica:", f"  {pair.sqlalchemy_url()}", sep="\n")
            print(f"  kill -9 the primary: kill -9 -- -{pair.primary.process.group}")
            print(f"  promote the replica: psql '{pair.replica.dsn()}' -c 'SELECT pg_promote()'")
        print("Ctrl-C stops them.", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
