"""The engine fixtures, for these drills only: the rest of the suite needs none of them."""

from tests.fixtures.engines import postgres_pair, rabbit_cluster

__all__ = ["postgres_pair", "rabbit_cluster"]
