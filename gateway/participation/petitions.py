"""Petitions and citizens' initiatives: opened and signed on the portal, decided by the assembly.

Both are ordinary async services of the catalogue, sent to ``/v1/requests``:

- ``citizens-petition`` opens a petition. Its route asks the civil registry for the initiator
  (``GetPerson``) and its rules check that they live in the municipality and are of age; this
  module's accept hook then records the petition (its id is the request's) with its signing
  window, the registered voters it is measured against and the threshold, and counts the
  initiator as its first signatory. Its title and summary are published, so personal data in
  them is refused (``422 petition.personal_data``, ``published_text``). The request's hand-off
  takes the petition to the municipality's back-office through the outbox and RabbitMQ, like
  any application; the municipality's status updates on that request come back through the
  status consumer and move the petition (``gateway.status_changes.move_petition``).
- ``petition-signature`` signs one. The same registry call and rules run first (a non-resident
  or a minor is refused by them, ``422 rule.failed``); the hook then checks that the petition
  is this municipality's and still collecting, and that this person has not signed it before
  (``409 petition.already_signed``). Each signature is handed off too: the municipality's
  back-office holds the list of signatories, which the assembly verifies; the gateway keeps
  only a keyed hash of each signatory's personal number, and publishes counts. A signature
  whose request the municipality rejects (the assembly found the signatory not entitled) no
  longer counts (``withdraw_rejected_signature``); the person may sign again, and the
  back-office decides on that signature as on any other.

A petition against a regulation needs 10 % of the municipality's registered voters within
30 days of the regulation's adoption, and the assembly decides within 30 days (Law No.
03/L-040 on Local Self-Government, Art. 71). The law does not say from when the assembly's 30
days run: counting them from the close of the signing window is an inference. A citizens'
initiative (Art. 70) leaves its threshold to the statute; using the same 10 % and a window of
30 days from its opening is an inference too. A window ends at midnight in Kosovo
(Europe/Belgrade) after its last day, as the citizens' calendar counts the law's days; it is
stored and published in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from contracts.messages import HandoffMessage, RequestStatus
from contracts.participation import PetitionKind, PetitionStatus
from gateway.audit.lookup import PersonKeys
from gateway.kosovo_days import end_of_day, kosovo_date
from gateway.participation.published_text import refuse_personal_data
from gateway.refusals import Refusal, register
from gateway.store import StoreConflict, UnitOfWork
from gateway.store.clock import utc_now
from gateway.store.participation import ParticipationRepository
from gateway.store.records import NewRequest

PETITION_SERVICE = "citizens-petition"
SIGNATURE_SERVICE = "petition-signature"
THRESHOLD_PERCENT = 10
"""Of the registered voters (Law No. 03/L-040, Art. 71)."""
SIGNING_DAYS = 30
"""After the regulation's adoption (Art. 71); after opening, for an initiative (inference)."""
DECISION_DAYS = 30
"""For the assembly to decide (Art. 71), counted from the close of signing (inference)."""

register(
    "petition.unknown",
    422,
    "Peticioni nuk u gjet në këtë komunë",
    "Peticija nije pronađena u ovoj opštini",
    "No such petition in this municipality",
)
register(
    "petition.closed",
    409,
    "Peticioni nuk pranon më nënshkrime",
    "Peticija više ne prima potpise",
    "The petition no longer takes signatures",
)
register(
    "petition.already_signed",
    409,
    "E keni nënshkruar tashmë këtë peticion",
    "Već ste potpisali ovu peticiju",
    "You have already signed this petition",
)
register(
    "petition.window.closed",
    409,
    "Afati prej 30 ditësh nga miratimi i rregullores ka kaluar",
    "Rok od 30 dana od usvajanja propisa je istekao",
    "The 30 days since the regulation was adopted have passed",
)
register(
    "petition.personal_data",
    422,
    "Peticioni publikohet: hiqni të dhënat personale",
    "Peticija se objavljuje: uklonite lične podatke",
    "The petition is published: remove the personal data",
)
register(
    "petition.voters.unknown",
    503,
    "Numri i votuesve të regjistruar për këtë komunë mungon",
    "Nedostaje broj registrovanih birača za ovu opštinu",
    "The number of registered voters of this municipality is missing",
)


@dataclass(frozen=True)
class RegisteredVoters:
    """Registered voters per municipality, and where the numbers come from."""

    counts: Mapping[str, int]
    source: str

    @classmethod
    def load(cls, path: Path) -> RegisteredVoters:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts = {str(code): int(count) for code, count in data["voters"].items()}
        if any(count <= 0 for count in counts.values()):
            raise ValueError(f"{path}: every municipality needs a positive number of voters")
        return cls(counts, str(data["source"]))

    def threshold(self, municipality: str) -> int:
        """The signatures a petition of ``municipality`` needs: 10 % of its voters, rounded up."""
        return math.ceil(self.of(municipality) * THRESHOLD_PERCENT / 100)

    def of(self, municipality: str) -> int:
        count = self.counts.get(municipality)
        if count is None:
            raise Refusal("petition.voters.unknown")
        return count


def signing_window(
    kind: PetitionKind, adopted_on: date | None, now: datetime
) -> tuple[datetime, datetime]:
    """When signing ends, and when the assembly's decision is due (each at a Kosovo midnight)."""
    if kind is PetitionKind.REGULATION_REFERENDUM and adopted_on:
        start = adopted_on
    else:
        start = kosovo_date(now)
    last = start + timedelta(days=SIGNING_DAYS)
    return end_of_day(last), end_of_day(last + timedelta(days=DECISION_DAYS))


def _signer(keys: PersonKeys, handoff: HandoffMessage) -> str:
    if handoff.applicant is None:  # the catalogue refuses these services without an applicant
        raise Refusal("request.payload.invalid", errors=[("/applicant", "is required")])
    return keys.of(handoff.applicant.personal_number)


class PetitionOpening:
    """The accept hook of ``citizens-petition``: the petition, its window and its threshold."""

    def __init__(
        self,
        voters: RegisteredVoters,
        keys: PersonKeys,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._voters = voters
        self._keys = keys
        self._clock = clock

    def __call__(self, uow: UnitOfWork, request: NewRequest, handoff: HandoffMessage) -> None:
        form = handoff.form
        refuse_personal_data(
            "petition.personal_data",
            {"/form/title": form.get("title"), "/form/summary": form.get("summary")},
            author=handoff.applicant,
        )
        kind = PetitionKind(form["kind"])
        adopted_on, number = None, None  # an initiative is against no regulation
        if kind is PetitionKind.REGULATION_REFERENDUM:
            missing = [
                (f"/form/{name}", "is required for a petition against a regulation")
                for name in ("regulation_number", "regulation_adopted_on")
                if not form.get(name)
            ]
            if missing:
                raise Refusal("request.payload.invalid", status=422, errors=missing)
            adopted_on = date.fromisoformat(str(form["regulation_adopted_on"]))
            number = str(form["regulation_number"])
        now = self._clock()
        if adopted_on is not None and adopted_on > kosovo_date(now):
            # Its 30 days would run from a day still to come: signing would stay open longer
            # than Art. 71 allows, for a regulation no one can have adopted yet.
            raise Refusal(
                "request.payload.invalid",
                status=422,
                errors=[("/form/regulation_adopted_on", "lies after today")],
            )
        until, decision_due = signing_window(kind, adopted_on, now)
        if until <= now:
            raise Refusal("petition.window.closed", extra={"signatures_until": until.isoformat()})
        petitions = uow.bind(ParticipationRepository)
        petitions.add_petition(
            id=request.id,
            municipality=request.municipality,
            kind=kind.value,
            title=str(form["title"]),
            summary=str(form["summary"]),
            language=request.language,
            regulation_number=number,
            regulation_adopted_on=adopted_on,
            opened_at=now,
            signatures_until=until,
            decision_due=decision_due,
            registered_voters=self._voters.of(request.municipality),
            voters_source=self._voters.source,
            threshold=self._voters.threshold(request.municipality),
        )
        petitions.sign(request.id, request.id, _signer(self._keys, handoff), now=now)


class PetitionSigning:
    """The accept hook of ``petition-signature``: open, this municipality's, once per person."""

    def __init__(self, keys: PersonKeys, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._keys = keys
        self._clock = clock

    def __call__(self, uow: UnitOfWork, request: NewRequest, handoff: HandoffMessage) -> None:
        petition_id = str(handoff.form.get("petition_id", ""))
        petitions = uow.bind(ParticipationRepository)
        petition = petitions.petition(petition_id, for_update=True)
        if petition is None or petition.municipality != request.municipality:
            raise Refusal(
                "petition.unknown",
                errors=[("/form/petition_id", "names no petition of this municipality")],
            )
        now = self._clock()
        if not petition.signing_open(now):
            raise Refusal(
                "petition.closed",
                extra={
                    "signatures_until": petition.signatures_until.isoformat(),
                    "petition_status": petition.status,
                },
            )
        try:
            petitions.sign(petition.id, request.id, _signer(self._keys, handoff), now=now)
        except StoreConflict:
            raise Refusal("petition.already_signed", extra={"petition_id": petition.id}) from None


_STATUS_OF: Mapping[RequestStatus, PetitionStatus] = {
    RequestStatus.IN_REVIEW: PetitionStatus.UNDER_CONSIDERATION,
    RequestStatus.NEEDS_INFORMATION: PetitionStatus.NEEDS_INFORMATION,
    RequestStatus.APPROVED: PetitionStatus.DECIDED_ADOPTED,
    RequestStatus.REJECTED: PetitionStatus.DECIDED_REFUSED,
    RequestStatus.CLOSED: PetitionStatus.CLOSED,
}


def record_petition_status(
    uow: UnitOfWork, petition_id: str, status: RequestStatus, *, now: datetime
) -> None:
    """The municipality's status update on a petition's request moves the petition: in review
    is under the assembly's consideration, approved and rejected are its decision."""
    moved = _STATUS_OF.get(status)
    if moved is not None:
        uow.bind(ParticipationRepository).set_petition_status(petition_id, moved.value, now=now)


def withdraw_rejected_signature(
    uow: UnitOfWork, request_id: str, status: RequestStatus, *, now: datetime
) -> None:
    """A signature the municipality rejected stops counting towards the threshold."""
    if status is RequestStatus.REJECTED:
        uow.bind(ParticipationRepository).withdraw_signature(request_id, now=now)
