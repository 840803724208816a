"""The complaints channel as the composition root builds it: data, desk, consumer.

``build_complaints_channel`` is called once by ``gateway.bootstrap``: it loads and checks
the complaint catalogue and the coarse boundaries (a broken file stops the start), builds
the desk the Open311 API uses, and, when the gateway runs its broker workers, the consumer
of the institutions' status updates, started in its own thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from contracts.catalogue import Catalogue
from contracts.complaints.boundaries import BOUNDARIES_FILE, load_boundaries
from contracts.complaints.catalogue import COMPLAINTS_DIR, load_complaint_catalogue
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.complaints.desk import ComplaintDesk
from gateway.complaints.placement import Gazetteer
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

    async def close(self) -> None:
        if self.consumer is not None:
            await asyncio.to_thread(self.consumer.stop)


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
        channel.consumer.start()
    log.info(
        "complaints.ready",
        categories=len(complaint_catalogue.categories),
        central_institutions=len(complaint_catalogue.central_institutions),
        consumer=channel.consumer is not None,
    )
    return channel
