"""The broker topology of this deployment: the catalogue's municipalities and institutions.

The CLI's ``topology`` commands and the demo both need it without building a gateway.
"""

from __future__ import annotations

from adapters.amqp.topology import Topology
from contracts.catalogue import load_catalogue
from contracts.complaints.catalogue import load_complaint_catalogue
from gateway.settings import Settings


def deployment_topology(settings: Settings) -> tuple[Topology, int, int]:
    """The topology, with how many municipalities and central institutions it serves."""
    catalogue = load_catalogue(settings.catalogue_dir)
    central = [
        institution.id
        for institution in load_complaint_catalogue(catalogue.municipalities).central_institutions
    ]
    topology = Topology.build(catalogue.municipality_codes, central)
    return topology, len(catalogue.municipality_codes), len(central)
