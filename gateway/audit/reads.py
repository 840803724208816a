"""The data-usage records of one request: one per registry call about a person (a request's
records about one person are one entry of the audit chain, gateway/store/audit.py).

A call is about a person when one of its arguments is a personal number (``personalNumber``
in every contract that takes one); the person is the one that number names, the applicant
or another (a spouse, a deceased parent, a child). A call about a parcel or a business
names no person, and is not recorded here: its registry record is not looked up by a
person's number.

The fields read, the legal basis and the purpose are the route's own declarations
(``routing.yaml``, issue #22's purpose-bound routes): the engine keeps only the declared fields
of each record, so a record names the declared fields the registry answered, and the legal
basis and the purpose are the ones the route gives the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from gateway.routing.engine import RequestFacts
from gateway.routing.table import Call, Route
from gateway.store.audit import UsageRead

NO_LEGAL_BASIS = "not named in the catalogue"
"""What a record says when the service names no law: shown, never hidden."""


@dataclass(frozen=True, slots=True)
class CallPlan:
    """What every data-usage record of one route's call says, worked out once per route.

    The route's declarations do not change between requests; only the person, the fields
    the registry answered and who asked do. ``trail.AuditTrail`` keeps one plan per route.
    """

    name: str
    registry: str
    operation: str
    fields: tuple[str, ...]
    legal_basis: str
    purpose: str
    person_sources: tuple[str, ...]
    """Where the call's personal-number arguments come from (``applicant.personal_number``,
    ``form.spouse_personal_number``...), in argument order."""

    def read(self, fields: tuple[str, ...]) -> UsageRead:
        """The read of one data-usage entry that this call made, with the fields it read."""
        return {
            "registry": self.registry,
            "operation": self.operation,
            "fields": list(fields),
            "legal_basis": self.legal_basis,
            "purpose": self.purpose,
        }


def plan_of(route: Route) -> tuple[CallPlan, ...]:
    return tuple(
        CallPlan(
            name=call.name,
            registry=call.registry,
            operation=call.operation,
            fields=call.fields,
            legal_basis=legal_basis_of(route, call),
            purpose=call.purpose,
            person_sources=tuple(
                source for parameter, source in call.arguments if is_personal_number(parameter)
            ),
        )
        for call in route.calls
    )


def fields_read(plan: CallPlan, record: BaseModel | None) -> tuple[str, ...]:
    """The names (never the values) of the declared fields the registry answered."""
    if record is None:
        return ()
    # The model's own values by name: a look-up per declared field, not a walk over every
    # field of the record (this runs on every request's path).
    get = record.__dict__.get
    return tuple([name for name in plan.fields if get(name) is not None])


def legal_basis_of(route: Route, call: Call) -> str:
    """The law (and article) under which the route's call reads the person's record."""
    return str(call.legal_basis) or route.service.legal_basis or NO_LEGAL_BASIS


def is_personal_number(parameter: str) -> bool:
    return parameter.lower().endswith("personalnumber")


def persons_asked(plan: CallPlan, facts: RequestFacts) -> list[str]:
    """The personal numbers a call's arguments name, once each."""
    numbers: list[str] = []
    for source in plan.person_sources:
        number = facts.source(source)
        if number and number not in numbers:
            numbers.append(number)
    return numbers
