"""The one writer of the audit log: data-usage records, operators' actions, act decisions.

Data-usage records and act decisions are written inside the transaction of what they record
(the request's answer or accept, the decision's state change), so an answered request
without its record, or a record of a request that was rolled back, cannot exist. Operators'
actions (a replay, a breaker reset, a sign-in) change no table of ours, so each is its own
short transaction, written after the action was done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog

from gateway.audit.lookup import PersonKeys
from gateway.audit.reads import CallPlan, fields_read, persons_asked, plan_of
from gateway.routing.config import ClientConfig
from gateway.routing.engine import Gathered, RequestFacts
from gateway.routing.table import Route
from gateway.store import Store, UnitOfWork
from gateway.store.audit import AuditRepository, UsageEntry, UsageRead

log = structlog.get_logger()

OPERATOR_ACTION = "operator_action"
ACT_DECISION = "act_decision"


class AuditTrail:
    """Writes entries to the chain; ``clock`` stamps them (and decides what is disclosed)."""

    def __init__(
        self,
        store: Store,
        keys: PersonKeys,
        *,
        clients: Mapping[str, ClientConfig],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self.keys = keys
        self._delays = {
            name: timedelta(days=config.disclosure_delay_days)
            for name, config in clients.items()
            if config.disclosure_delay_days
        }
        self.clock = clock
        # By the route object's identity: the routing table is built once at start-up, and
        # each route is kept beside its plan, so an id can never come to name another route.
        self._plans: dict[int, tuple[Route, tuple[CallPlan, ...]]] = {}

    def _plan(self, route: Route) -> tuple[CallPlan, ...]:
        known = self._plans.get(id(route))
        if known is None or known[0] is not route:
            known = self._plans[id(route)] = (route, plan_of(route))
        return known[1]

    def reads(
        self,
        route: Route,
        facts: RequestFacts,
        gathered: Gathered,
        *,
        client: str,
        request_id: str,
    ) -> Callable[[UnitOfWork], None] | None:
        """The write of this request's data-usage records, for the intake's commit to run:
        one entry per person asked about, holding every read of their records."""
        reads_of: dict[str, list[UsageRead]] = {}
        records = gathered.records
        for plan in self._plan(route):
            if plan.name not in records:
                continue  # not called, or it failed: nothing was read
            numbers = persons_asked(plan, facts)
            if not numbers:
                continue
            read = plan.read(fields_read(plan, records[plan.name]))
            for number in numbers:
                reads_of.setdefault(number, []).append(read)
        if not reads_of:
            return None
        delay = self._delays.get(client)
        now = self.clock()
        disclosed_from = now + delay if delay is not None else None
        service = route.service.code
        entries = [
            UsageEntry(
                person_key=self.keys.of(number),
                request_id=request_id,
                client_id=client,
                municipality=facts.municipality,
                service=service,
                reads=reads,
                disclosed_from=disclosed_from,
            )
            for number, reads in reads_of.items()
        ]

        def write(uow: UnitOfWork) -> None:
            uow.bind(AuditRepository).add_usage(entries, recorded_at=now)

        return write

    def act_decision(self, uow: UnitOfWork, body: Mapping[str, Any]) -> None:
        """The ministry's decision on an act, in the decision's own transaction."""
        uow.bind(AuditRepository).append([(ACT_DECISION, dict(body))], recorded_at=self.clock())

    def operator_action_now(self, action: str, operator: str, **details: Any) -> None:
        """An operator's action, in a transaction of its own (nothing else of ours changed)."""
        body = {"action": action, "operator": operator, **details}
        with self._store.unit_of_work() as uow:
            uow.bind(AuditRepository).append([(OPERATOR_ACTION, body)], recorded_at=self.clock())
            uow.commit()
        log.info("audit.operator_action", action=action, operator=operator)

    async def operator_action(self, action: str, operator: str, **details: Any) -> None:
        await asyncio.to_thread(self.operator_action_now, action, operator, **details)
