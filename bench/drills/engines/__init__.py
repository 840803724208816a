"""Real engines for the drills, on loopback, private to the drill that starts them.

``RabbitCluster`` (three RabbitMQ nodes joined into one cluster) and ``PostgresPair`` (a
PostgreSQL primary with a synchronous streaming replica) run Debian's own server binaries
with their own node names, ports and data directories under a temporary folder, so a drill
can kill -9 a node of them while the machine's RabbitMQ (5672) and PostgreSQL (5432), which
other tests share, are never touched. Each is a context manager: leaving it kills every
process it started and removes its folder, whatever happened inside.
"""

from bench.drills.engines.pg_replica import PostgresPair
from bench.drills.engines.rabbit_cluster import RabbitCluster

__all__ = ["PostgresPair", "RabbitCluster"]
