"""``GET /metrics``: the gateway's metrics in the Prometheus text format, for operators.

Operator credentials are required, like the rest of the operations surface: Prometheus
sends them with ``authorization: {type: Bearer, credentials_file: …}`` in its scrape config.
The handler is a plain ``def`` (run in the thread pool) because a scrape reads the outbox
backlog and the overdue complaints from the store.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.api.deps import GatewayDep
from gateway.api.ops import operator
from gateway.api.problems import problem_responses

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    dependencies=[Depends(operator)],
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4"},
        **problem_responses(401, 403),
    },
)
def metrics(gateway: GatewayDep) -> Response:
    """Counters, histograms and scrape-time states of this gateway instance."""
    return Response(gateway.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
