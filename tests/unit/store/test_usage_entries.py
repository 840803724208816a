"""A data-usage entry reads back as one record per registry read, the older one-read
entries too: a deployment that upgrades keeps showing its citizens what was read before."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.store.audit import UsageEntry, UsageRead, UsageRow, records_of

AT = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
PERSON_KEY = "k" * 64
REQUEST_ID = "7d5d1c36-0ad4-4d1a-9a5e-3c2f4b1e9f00"
LAW = "Law No. 04/L-003 on Civil Status"
PURPOSE = "Issue the birth certificate from the record."


def _read(operation: str, *fields: str) -> UsageRead:
    return {
        "registry": "civil",
        "operation": operation,
        "fields": list(fields),
        "legal_basis": LAW,
        "purpose": PURPOSE,
    }


def _record(operation: str, *fields: str) -> UsageRow:
    return UsageRow(
        person_key=PERSON_KEY,
        request_id=REQUEST_ID,
        client_id="e-kosova-portal",
        municipality="19",
        registry="civil",
        operation=operation,
        fields=fields,
        service="birth-certificate",
        legal_basis=LAW,
        purpose=PURPOSE,
    )


def test_one_entry_holds_the_requests_reads_and_gives_each_back_in_order() -> None:
    entry = UsageEntry(
        person_key=PERSON_KEY,
        request_id=REQUEST_ID,
        client_id="e-kosova-portal",
        municipality="19",
        service="birth-certificate",
        reads=[_read("GetPerson", "first_name"), _read("GetBirthRecord", "date_of_birth")],
    )
    row = {"seq": 7, "recorded_at": AT, "disclosed_from": None, "body": entry.body()}
    assert [(s.seq, s.index, s.row) for s in records_of(row)] == [
        (7, 0, _record("GetPerson", "first_name")),
        (7, 1, _record("GetBirthRecord", "date_of_birth")),
    ]


def test_an_entry_of_the_one_read_shape_reads_back_as_its_record() -> None:
    body = {
        "person_key": PERSON_KEY,
        "request_id": REQUEST_ID,
        "client": "e-kosova-portal",
        "municipality": "19",
        "service": "birth-certificate",
        "disclosed_from": None,
        **_read("GetPerson", "first_name", "last_name"),
    }
    row = {"seq": 3, "recorded_at": AT, "disclosed_from": None, "body": body}
    assert [(s.seq, s.index, s.row) for s in records_of(row)] == [
        (3, 0, _record("GetPerson", "first_name", "last_name"))
    ]
