"""The relay's hand-off rate: outbox rows to broker-confirmed, with one and with two relays.

The outbox is filled first (requests and hand-off rows committed together, as the intake
does), then ``python -m gateway.relay`` processes are started against it and the outbox depth
is polled until it reaches zero. The rate counts rows from the first one confirmed to the
last, so connecting and declaring the topology are left out; each row is marked published
only after the broker confirmed it, so the rate is "confirmed hand-offs per second".
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.stack import Child, rabbitmqctl
from bench.workload import Applicant
from contracts.messages import Applicant as ApplicantModel
from contracts.messages import HandoffMessage, RegistryRecord
from gateway.store import NewRequest, Store

MUNICIPALITIES = ("19", "20", "07", "32")


@dataclass(frozen=True)
class HandoffRun:
    store: str
    relays: int
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def fill_outbox(store: Store, people: Sequence[Applicant], rows: int, chunk: int = 1000) -> None:
    """Commit ``rows`` accepted requests with their hand-off messages, ``chunk`` at a time."""
    now = datetime.now(UTC)
    for start in range(0, rows, chunk):
        with store.unit_of_work() as uow:
            for index in range(start, min(rows, start + chunk)):
                person = people[index % len(people)]
                municipality = MUNICIPALITIES[index % len(MUNICIPALITIES)]
                request_id = uuid.uuid4()
                applicant = ApplicantModel(
                    personal_number=person.personal_number,
                    first_name=person.first_name,
                    last_name=person.last_name,
                )
                uow.requests.add(
                    NewRequest(
                        id=str(request_id),
                        client_id="e-kosova-portal",
                        service="construction-permit-category-i",
                        municipality=municipality,
                        language="sq",
                        payload={"trace": []},
                    )
                )
                uow.outbox.add_handoff(
                    HandoffMessage(
                        message_id=uuid.uuid4(),
                        request_id=request_id,
                        service="construction-permit-category-i",
                        municipality=municipality,
                        language="sq",
                        applicant=applicant,
                        form={"cadastral_zone": person.cadastral_zone, "parcel_number": "1"},
                        records=(
                            RegistryRecord(
                                registry="cadastre",
                                operation="getParcelOwners",
                                retrieved_at=now,
                                data={"owners": [{"personal_number": person.personal_number}]},
                            ),
                        ),
                        submitted_at=now,
                        accepted_at=now,
                    )
                )
            uow.commit()


def measure_relays(
    *,
    store_label: str,
    database_url: str,
    amqp_url: str,
    vhost: str,
    relays: int,
    rows: int,
    people: Sequence[Applicant],
    log_dir: Path,
    timeout_s: float = 120,
) -> HandoffRun:
    store = Store.from_url(database_url, pool_size=2, max_overflow=0)
    try:
        fill_outbox(store, people, rows)
        children = [
            Child(
                f"relay-{store_label}-{relays}-{n}",
                [
                    sys.executable,
                    "-m",
                    "gateway.relay",
                    "--database-url",
                    database_url,
                    "--amqp-url",
                    amqp_url,
                    "--municipalities",
                    ",".join(MUNICIPALITIES),
                ],
                log_dir,
            )
            for n in range(relays)
        ]
        try:
            deadline = time.monotonic() + timeout_s
            first: tuple[float, int] | None = None
            while time.monotonic() < deadline:
                depth = store.outbox_stats().depth
                now = time.perf_counter()
                if first is None and depth < rows:
                    first = (now, depth)
                if depth == 0:
                    break
                time.sleep(0.02)
            else:
                raise RuntimeError(f"the outbox did not drain in {timeout_s} s")
            assert first is not None
            seconds = time.perf_counter() - first[0]
            counted = first[1]
        finally:
            for child in children:
                child.stop()
    finally:
        store.close()
    for code in MUNICIPALITIES:
        rabbitmqctl("purge_queue", "-p", vhost, f"ekomunat.{code}")
    return HandoffRun(store_label, relays, counted, seconds)
