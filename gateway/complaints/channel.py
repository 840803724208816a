"""The complaints channel as the composition root builds it: data, desk, consumer.

``build_complaints_channel`` is called once by ``gateway.bootstrap``: it loads and checks
the complaint catalogue and the coarse boundaries (a broken file stops the start), builds
the desk the Open311 API uses, and, when the gateway runs its broker workers, the consumer
of the institutions' status updates. ``feature`` is what the channel brings to the gateway;
the consumer starts with the app's workers, never here.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from contracts.catalogue import Catalogue
from contracts.complaints.boundaries import BOUNDARIES_FILE, load_boundaries
from contracts.complaints.catalogue import COMPLAINTS_DIR, load_complaint_catalogue
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.complaints.desk import ComplaintDesk
from gateway.complaints.placement import Gazetteer
from gateway.features import Feature, ReadinessReport, Scope, Worker
from gateway.metrics import StateSources
from gateway.settings import Settings
from gateway.store import Store

log = structlog.get_logger()


@dataclass
class ComplaintsChannel:
    desk: ComplaintDesk
    consumer: ComplaintStatusConsumer | None = None

    def readiness(self) -> tuple[bool, str]:
        """Always ready to accept complaints (the outbox holds them); says how answers flow."""
        categories = len(self.desk.catalogue.categories)
        if self.consumer is None:
            return True, f"{categories} categories; status consumer off"
        state = "connected" if self.consumer.connected else "broker unreachable"
        return True, f"{categories} categories; status consumer {state}"

    def overdue(self) -> dict[str, int]:
        """Open311 complaints past their deadline, as ``open311.<category>``."""
        return {
            f"open311.{category}": late
            for category, late in self.desk.overdue_by_category().items()
        }

    def feature(self) -> Feature:
        async def complaints_ready() -> ReadinessReport:
            return ReadinessReport("complaints", *self.readiness())

        workers: tuple[Worker, ...] = ()
        if self.consumer is not None:
            # Per process: the queue gives each answer to one consumer, and the desk checks
            # each against the complaint's stored state.
            workers = (Worker("complaint-status-consumer", Scope.PER_PROCESS, self.consumer),)
        return Feature(
            "complaints",
            provides=(self.desk,),
            workers=workers,
            readiness=(complaints_ready,),
            metrics=StateSources(complaints_overdue=self.overdue),
        )


def build_complaints_channel(
    settings: Settings, catalogue: Catalogue, store: Store
) -> ComplaintsChannel:
    complaint_catalogue = load_complaint_catalogue(catalogue.municipalities, COMPLAINTS_DIR)
    boundaries = load_boundaries(BOUNDARIES_FILE)
    desk = ComplaintDesk(
        catalogue=complaint_catalogue,
        boundaries=boundaries,
        gazetteer=Gazetteer(catalogue.municipalities),
        store=store,
    )
    channel = ComplaintsChannel(desk)
    if settings.status_consumer_enabled and settings.complaints_consumer_enabled:
        channel.consumer = ComplaintStatusConsumer(
            store,
            settings.amqp_url,
            municipality_codes=list(catalogue.municipality_codes),
            central_institutions=[i.id for i in complaint_catalogue.central_institutions],
        )
    log.info(
        "complaints.ready",
        categories=len(complaint_catalogue.categories),
        central_institutions=len(complaint_catalogue.central_institutions),
        consumer=channel.consumer is not None,
    )
    return channel
