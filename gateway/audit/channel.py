"""The audit feature as bootstrap builds it: the trail, the citizen's view, the checkpoints.

``build_audit`` is called once by ``gateway.bootstrap`` before the features whose actions it
records (the intake's reads, the acts' decisions, the operators' actions), which are handed
the ``AuditTrail``. The checkpoint worker is ``PER_DEPLOYMENT``: one signer is enough, and a
second would only sign the same head again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contracts.catalogue import Catalogue
from gateway.api.problem_titles import REGISTRY_NAMES
from gateway.audit.checkpoints import CheckpointSigner, CheckpointWorker
from gateway.audit.citizen_view import DataUsageView, UsageCursors
from gateway.audit.lookup import PersonKeys
from gateway.audit.trail import AuditTrail
from gateway.features import Feature, Scope, Worker
from gateway.routing.table import RoutingTable
from gateway.settings import Settings
from gateway.store import Store


@dataclass(frozen=True)
class AuditChannel:
    trail: AuditTrail
    view: DataUsageView
    signer: CheckpointSigner
    worker: CheckpointWorker

    def feature(self) -> Feature:
        return Feature(
            "audit",
            provides=(self.trail, self.view, self.signer),
            workers=(Worker("audit-checkpoints", Scope.PER_DEPLOYMENT, self.worker),),
        )


def build_audit(
    settings: Settings,
    catalogue: Catalogue,
    table: RoutingTable,
    store: Store,
    *,
    clock: Callable[[], datetime],
) -> AuditChannel:
    secret = settings.audit_lookup_key.get_secret_value().encode("utf-8")
    keys = PersonKeys(secret)
    signer = CheckpointSigner(settings.audit_signing_key.get_secret_value())
    return AuditChannel(
        trail=AuditTrail(store, keys, clients=table.clients, clock=clock),
        view=DataUsageView(
            store,
            keys,
            UsageCursors(secret),
            catalogue,
            registry_names=REGISTRY_NAMES,
            clock=clock,
        ),
        signer=signer,
        worker=CheckpointWorker(
            store, signer, interval_s=settings.audit_checkpoint_interval_s, clock=clock
        ),
    )
