"""The permits register: construction and occupancy permits, as the public may see them.

A municipality approves a permit by the hand-off's status update (``approved``); the status
consumer calls ``record_approved_permit`` inside the transaction that records the approval, so
the register and the request's status cannot disagree. What enters: the permit number (the
first document the municipality issued with the approval), the kind and category (from the
service), the parcel and the building's use (declared, patterned or enumerated fields of the
application's form), the dates, and the kind of investor. Never the applicant's name or
personal number: applicants through the portal are private persons, so they appear only as
``natural_person``.

Nothing public comes from free text. The decision's note is written to the citizen ("Petrit
Hoxha, nr. personal ..., tel ...") and was once copied into the public ``conditions``
(issue 16, item 4a): the status contract declares no public conditions, so a municipal
permit publishes none, and rows recorded before are not read for them either. A document id
that does not look like a permit number, or holds personal data, gives way to one made from
the request id.

Category III permits are the ministry's (``ministry_permits`` source); the feed reads them
from the feed store beside this table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import structlog

from contracts.messages import StatusUpdate
from gateway.personal_data import kinds_in
from gateway.store import Store, UnitOfWork
from gateway.store.permits import MunicipalPermit, PermitRepository
from gateway.store.records import RequestRecord

log = structlog.get_logger()

PERMIT_SERVICES: Mapping[str, tuple[str, str | None]] = {
    "construction-permit-category-i": ("construction", "I"),
    "construction-permit-category-ii": ("construction", "II"),
    "occupancy-certificate": ("occupancy", None),
}
"""Service code -> (kind of permit, category); an occupancy certificate takes its permit's."""


def _form_of(uow: UnitOfWork, request: RequestRecord) -> Mapping[str, Any]:
    message_id = request.payload.get("message_id")
    row = uow.outbox.get(str(message_id)) if message_id else None
    if row is None:
        return {}
    form = json.loads(row["body"]).get("form")
    return form if isinstance(form, dict) else {}


_PERMIT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,59}$")


def _permit_number(update: StatusUpdate, request: RequestRecord) -> str:
    """The first issued document's id when it is a plain identifier free of personal data."""
    if update.documents:
        document_id = update.documents[0].document_id
        if _PERMIT_NUMBER.fullmatch(document_id) and not kinds_in(document_id):
            return document_id
    return request.id[:13]


def record_approved_permit(uow: UnitOfWork, request: RequestRecord, update: StatusUpdate) -> bool:
    """Enter an approved permit into the register (idempotent); False when not a permit."""
    spec = PERMIT_SERVICES.get(request.service)
    if spec is None:
        return False
    register = uow.bind(PermitRepository)
    if register.recorded_for(request.id):
        return True
    form = _form_of(uow, request)
    zone, parcel = str(form.get("cadastral_zone", "")), str(form.get("parcel_number", ""))
    if not zone or not parcel:
        log.warning("open.permit.unplaced", request_id=request.id, service=request.service)
        return False
    kind, category = spec
    if category is None and form.get("permit_number"):
        category = register.category_of(str(form["permit_number"]))
    number = _permit_number(update, request)
    if register.number_taken(number):
        number = f"{number}/{request.id[:8]}"
    register.add(
        MunicipalPermit(
            permit_number=number[:60],
            kind=kind,
            category=category,
            municipality=request.municipality,
            cadastral_zone=zone,
            parcel_number=parcel,
            investor_type="natural_person",
            description=str(form.get("building_use") or "") or None,
            applied_at=request.created_at,
            issued_at=update.occurred_at,
            source=f"municipality:{update.municipality}",
        ),
        request_id=request.id,
    )
    log.info(
        "open.permit.recorded",
        request_id=request.id,
        kind=kind,
        category=category,
        municipality=request.municipality,
    )
    return True


class PermitRegister:
    """Reads the register for the feed; ``version`` tells the page cache when it changed."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def version(self) -> str:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(PermitRepository).version()

    def permits(self) -> list[MunicipalPermit]:
        with self._store.unit_of_work(read_only=True) as uow:
            return uow.bind(PermitRepository).all()
