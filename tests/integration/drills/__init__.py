"""Fault drills on engines of their own: a RabbitMQ cluster and a PostgreSQL pair.

What the deployment guide promises of the engines is checked here on real servers: a
confirmed message outlives its queue leader's node, a committed row outlives its primary,
and a multi-host client finds the promoted replica (docs/deployment.md).
"""
