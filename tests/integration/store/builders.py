"""Builders for store tests: requests and hand-off messages that look like real ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.messages import Applicant, HandoffMessage, RegistryRecord
from gateway.store import NewRequest

# 123456789 with its mod-11 check digit (kosovo-services.md §3).
PERSONAL_NUMBER = "1234567892"


def new_request(
    *, municipality: str = "19", service: str = "civil.birth-certificate", client_id: str = "portal"
) -> NewRequest:
    return NewRequest(
        id=str(uuid.uuid4()),
        client_id=client_id,
        service=service,
        municipality=municipality,
        language="sq",
        payload={"applicant": {"personal_number": PERSONAL_NUMBER}, "form": {"copies": 1}},
    )


def handoff_for(request: NewRequest) -> HandoffMessage:
    now = datetime.now(UTC)
    return HandoffMessage(
        message_id=uuid.uuid4(),
        request_id=uuid.UUID(request.id),
        service=request.service,
        municipality=request.municipality,
        language="sq",
        applicant=Applicant(
            personal_number=PERSONAL_NUMBER, first_name="Arta", last_name="Krasniqi"
        ),
        form={"copies": 1},
        records=(
            RegistryRecord(
                registry="civil",
                operation="GetPerson",
                retrieved_at=now,
                data={"personal_number": PERSONAL_NUMBER, "status": "alive"},
            ),
        ),
        submitted_at=now,
        accepted_at=now,
    )
