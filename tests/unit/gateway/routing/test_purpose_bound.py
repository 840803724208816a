"""Purpose-bound routes at run time: no field a route did not declare reaches a hand-off.

A registry may answer with more than the canonical record (a newer contract, a subclass
with extra attributes, extra keys in a nested address or owner), and a route may declare
fewer fields than a record has. Either way the engine keeps only the declared fields before
the rules run, and the hand-off carries only the route's hand-off fields. Hypothesis varies
the route's declarations and the extras; the records and routes are the shipped ones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, TypeAdapter, create_model

from contracts.catalogue import load_catalogue
from contracts.messages import SCHEMA_DIR, Applicant, HandoffMessage
from contracts.records import (
    Address,
    AuthorisedPerson,
    Business,
    BusinessOwner,
    Encumbrance,
    Parcel,
    ParcelEncumbrances,
    ParcelOwner,
    ParcelOwners,
    Person,
    PossessionEntry,
    PossessionList,
    Residence,
    TaxClearance,
)
from gateway.bootstrap import build_routing
from gateway.intake import handoff_records
from gateway.routing.engine import RequestFacts, RoutingEngine
from gateway.routing.table import Route, RoutingTable
from gateway.settings import Settings

APPLICANT = "1234567890"
MUNICIPALITY = "19"
ADDRESS = Address(street="Rr. Agim Ramadani", settlement="Prishtinë", municipality_code="19")

# One valid record per operation the routes below call; each passes its route's rules.
RECORDS: Mapping[str, BaseModel] = {
    "GetPerson": Person(
        personal_number=APPLICANT,
        first_name="Arta",
        last_name="Krasniqi",
        father_name="Besim",
        date_of_birth=date(1990, 5, 17),
        place_of_birth="Prishtinë",
        sex="F",
        citizenship="XK",
        status="alive",
        address=ADDRESS,
        municipality_code=MUNICIPALITY,
    ),
    "GetResidence": Residence(
        personal_number=APPLICANT,
        address=ADDRESS,
        municipality_code=MUNICIPALITY,
        registered_since=date(2015, 1, 1),
    ),
    "getPossessionList": PossessionList(
        personal_number=APPLICANT,
        owner_name="Arta Krasniqi",
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        entries=(
            PossessionEntry(
                cadastral_zone="123456",
                cadastral_zone_name="Prishtinë",
                parcel_number="101-2",
                municipality_code=MUNICIPALITY,
                area_m2=420.0,
                land_use="residential",
                share_numerator=1,
                share_denominator=2,
            ),
        ),
    ),
    "GetBusiness": Business(
        registration_number="810000001",
        name="Arta SH.P.K.",
        legal_form="llc",
        status="active",
        registered_on=date(2020, 3, 1),
        address=ADDRESS,
        municipality_code=MUNICIPALITY,
        owners=(BusinessOwner(personal_number=APPLICANT, name="Arta", share_percent=Decimal(100)),),
        authorised_persons=(
            AuthorisedPerson(personal_number="2234567890", name="Besa", role="director"),
        ),
    ),
    "getTaxClearance": TaxClearance(
        business_number="810000001",
        fiscal_number="600000001",
        taxpayer_name="Arta SH.P.K.",
        assessed_on=date(2026, 1, 2),
    ),
    "getParcel": Parcel(
        cadastral_zone="123456",
        cadastral_zone_name="Prishtinë",
        parcel_number="101-2",
        municipality_code=MUNICIPALITY,
        area_m2=420.0,
        land_use="residential",
    ),
    "getParcelOwners": ParcelOwners(
        cadastral_zone="123456",
        parcel_number="101-2",
        owners=(
            ParcelOwner(
                personal_number=APPLICANT,
                name="Arta",
                share_numerator=1,
                share_denominator=1,
                right="ownership",
            ),
        ),
    ),
    "getParcelEncumbrances": ParcelEncumbrances(
        cadastral_zone="123456",
        parcel_number="101-2",
        encumbrances=(
            Encumbrance(
                kind="mortgage", registered_on=date(2021, 1, 1), holder="Bank", description="-"
            ),
        ),
    ),
}
SERVICES = (
    "late-birth-registration",
    "social-assistance-application",
    "public-space-use-permit",
    "construction-permit-category-i",
)
FORM = {"business_number": "810000001", "cadastral_zone": "123456", "parcel_number": "101-2"}
MARK = "undeclared-marker"


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    routing, _ = build_routing(Settings(), load_catalogue())
    return routing


class AnsweringMore:
    """A registry whose answers carry the extras ``with_extras`` put on each record."""

    def __init__(self, name: str, answers: Mapping[str, BaseModel]) -> None:
        self.name = name
        self._answers = answers

    async def call(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        return self._answers[operation]


def with_extras(record: BaseModel, extras: Mapping[str, str]) -> BaseModel:
    """The record as an unvalidated subclass carrying ``extras``, on itself and every nested
    record (an address, each owner), the way a newer registry contract might answer."""
    if not extras:
        return record
    values: dict[str, Any] = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, BaseModel):
            value = with_extras(value, extras)
        elif isinstance(value, tuple):
            value = tuple(with_extras(v, extras) if isinstance(v, BaseModel) else v for v in value)
        values[name] = value
    wider: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Wider{type(record).__name__}",
        __base__=type(record),
        **{name: (str, MARK) for name in extras},
    )
    return wider.model_construct(**values, **{name: f"{MARK}:{v}" for name, v in extras.items()})


@st.composite
def narrowed_routes(draw: st.DrawFn, table: RoutingTable) -> Route:
    """A shipped route whose calls declare a random subset of their fields (never fewer than
    the rules read) and whose hand-off carries a random subset of those."""
    route = table.route_for(draw(st.sampled_from(SERVICES)), MUNICIPALITY)
    assert route is not None
    calls = []
    handoff: dict[str, tuple[str, ...]] = {}
    for call in route.calls:
        needed = {f for rule in route.rules if rule.record == call.name for f in rule.spec.reads}
        optional = [f for f in call.fields if f not in needed]
        kept = needed | {f for f in optional if draw(st.booleans())}
        fields = tuple(f for f in call.fields if f in kept)
        calls.append(dataclasses.replace(call, fields=fields))
        if draw(st.booleans()):
            handoff[call.name] = tuple(f for f in fields if draw(st.booleans()))
    return dataclasses.replace(route, calls=tuple(calls), handoff_fields=handoff)


extra_names = st.dictionaries(st.from_regex(r"\Ax_[a-z]{1,8}\Z"), st.text(max_size=10), max_size=3)


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys_anywhere(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys_anywhere(item)}
    return set()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), extras=extra_names)
def test_no_hand_off_carries_a_field_its_route_did_not_declare(
    table: RoutingTable, data: st.DataObject, extras: dict[str, str]
) -> None:
    route = data.draw(narrowed_routes(table))
    answers = {op: with_extras(record, extras) for op, record in RECORDS.items()}
    registries = {
        name: AnsweringMore(name, answers) for name in ("civil", "cadastre", "business", "tax")
    }
    facts = RequestFacts(applicant_personal_number=APPLICANT, municipality=MUNICIPALITY, form=FORM)

    gathered = asyncio.run(RoutingEngine(registries).run(route, facts))
    records = handoff_records(gathered, route, datetime.now(UTC))

    calls = {call.name: call for call in route.calls}
    # What the rules saw: the registry's value of a declared field, of no other.
    for name, record in gathered.records.items():
        assert record is not None
        declared = set(calls[name].fields)
        canonical = RECORDS[calls[name].operation]
        for field_name in type(canonical).model_fields:
            seen = getattr(record, field_name, None)
            if field_name in declared:
                assert seen == getattr(canonical, field_name)
            elif seen is not None:
                assert seen == type(canonical).model_fields[field_name].default
        for extra in extras:
            assert not hasattr(record, extra)
    # What the municipality receives: exactly the hand-off fields, of the canonical record.
    by_operation = {calls[name].operation: fields for name, fields in route.handoff_fields.items()}
    assert [r.operation for r in records] == list(by_operation)
    for sent in records:
        canonical = RECORDS[sent.operation]
        expected = TypeAdapter(type(canonical)).dump_python(
            canonical, mode="json", include=set(by_operation[sent.operation])
        )
        assert sent.data == expected
        assert not keys_anywhere(sent.data) & set(extras)
        assert MARK not in json.dumps(sent.data)


def test_the_hand_off_schema_still_accepts_the_filtered_records(table: RoutingTable) -> None:
    """The shipped routes hand off whole records, as before fields were declared."""
    route = table.route_for("social-assistance-application", MUNICIPALITY)
    assert route is not None
    registries = {name: AnsweringMore(name, RECORDS) for name in ("civil", "cadastre")}
    facts = RequestFacts(applicant_personal_number=APPLICANT, municipality=MUNICIPALITY, form={})
    gathered = asyncio.run(RoutingEngine(registries).run(route, facts))
    now = datetime.now(UTC)
    records = handoff_records(gathered, route, now)

    assert {r.operation: r.data for r in records} == {
        op: RECORDS[op].model_dump(mode="json")
        for op in ("GetPerson", "GetResidence", "getPossessionList")
    }
    message = HandoffMessage(
        message_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        service=route.service.code,
        municipality=MUNICIPALITY,
        language="sq",
        applicant=Applicant(personal_number=APPLICANT, first_name="Arta", last_name="Krasniqi"),
        form={},
        records=records,
        submitted_at=now,
        accepted_at=now,
    )
    schema = json.loads((SCHEMA_DIR / "handoff-v1.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(message.model_dump(mode="json"))
