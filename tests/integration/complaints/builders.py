"""Complaints as the desk receives them, built for tests that start past the HTTP layer."""

from __future__ import annotations

from contracts.catalogue import load_catalogue
from contracts.complaints.boundaries import load_boundaries
from contracts.complaints.catalogue import load_complaint_catalogue
from gateway.complaints.desk import ComplaintDesk
from gateway.complaints.placement import Gazetteer
from gateway.complaints.screening import ComplaintSubmission, Contact
from gateway.store import Store

CATALOGUE = load_catalogue()
COMPLAINTS = load_complaint_catalogue(CATALOGUE.municipalities)

ARTA = Contact(
    first_name="Arta",
    last_name="Krasniqi",
    email="arta.krasniqi@example.com",
    phone="+383 44 987 654",
    device_id="device-7f3a9c",
    account_id="account-55021",
)


def desk_on(store: Store) -> ComplaintDesk:
    return ComplaintDesk(
        catalogue=COMPLAINTS,
        boundaries=load_boundaries(),
        gazetteer=Gazetteer(CATALOGUE.municipalities),
        store=store,
    )


def submission(
    category: str = "road-damage",
    *,
    contact: Contact = ARTA,
    anonymous: bool = False,
    latitude: float | None = 42.6629,
    longitude: float | None = 21.1655,
    attributes: dict[str, str | list[str]] | None = None,
) -> ComplaintSubmission:
    chosen = COMPLAINTS.category(category)
    assert chosen is not None
    return ComplaintSubmission(
        category=chosen,
        language="sq",
        jurisdiction=None,
        latitude=latitude,
        longitude=longitude,
        address="Rruga Agim Ramadani",
        address_id=None,
        description="Gropë e thellë para shkollës.",
        media_url="https://photos.example.org/gropa.jpg",
        attributes=attributes if attributes is not None else {},
        contact=contact,
        anonymous=anonymous,
    )
