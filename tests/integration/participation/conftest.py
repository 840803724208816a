"""Fixtures of citizens' participation: the real app with the sandbox civil registry behind
it, its movable clock, the assembly's register of a few municipalities, sandbox people.

``citizens_client`` (module scope) runs the real app in-process, bootstrapped as in
production on a fresh SQLite file, then on a fresh PostgreSQL schema, its civil registry the
sandbox's SOAP server; the broker workers are off (the hand-off test runs the relay, the
status consumer and a back-office itself, on a private topology).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts.assembly import AssemblyMember
from gateway.app import create_app
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from gateway.store.assembly import AssemblyRepository
from sandbox.seed import REFERENCE_DATE, SeedData
from tests.fixtures.gateway import registry_environment
from tests.fixtures.participation import MovableClock

SMALL = "37"
"""A municipality with few voters in the sandbox (19), so its threshold (2) is reachable."""

MEMBERS = (
    ("19-2025-mayor", "19", "Përparim Rama", "LDK", "mayor"),
    ("19-2025-07", "19", "Arta Berisha", "VV", "member"),
    ("20-2025-03", "20", "Mehmet Kryeziu", "PDK", "member"),
    ("37-2025-01", SMALL, "Drita Hoxha", "AAK", "member"),
)
FORMER = ("19-2021-04", "19", "Luan Gashi", "PDK", "member")
"""A member of the previous mandate, out of office since 19 November 2025."""


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def people_of(seed: SeedData, municipality: str, *, adults: bool) -> list[Any]:
    """Alive residents of a municipality, adults (18 and more, well clear of a birthday
    between the seed's day and today) or minors (16 at most), in a stable order."""
    found = []
    for key in sorted(seed.persons):
        person = seed.persons[key]
        if person.status != "alive" or person.municipality_code != municipality:
            continue
        age = _age(person.date_of_birth, REFERENCE_DATE)
        if (adults and age >= 19) or (not adults and age <= 16):
            found.append(person)
    return found


def _register_members(client: TestClient) -> None:
    store = client.gateway.store  # type: ignore[attr-defined]
    with store.unit_of_work() as uow:
        register = uow.bind(AssemblyRepository)
        for member_id, municipality, name, party, role in (*MEMBERS, FORMER):
            former = member_id == FORMER[0]
            member = AssemblyMember(
                member_id=member_id,
                municipality=municipality,
                mandate="2021-2025" if former else "2025-2029",
                name=name,
                party=party,
                role=role,
                office_from=date(2021, 11, 20) if former else date(2025, 11, 20),
                office_until=date(2025, 11, 19) if former else None,
            )
            register.put_member(member, client_id=f"municipality-{municipality}")
        uow.commit()


@pytest.fixture(scope="module")
def citizens_client(sandbox, participation_database: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The app, its clock as ``client.clock`` (a test that moves it puts it back), the sandbox
    seed as ``client.seed``; the assembly's register holds ``MEMBERS``."""
    clock = MovableClock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_OPEN_ENABLED", "false")
        for name, value in registry_environment(sandbox).items():
            patch.setenv(name, value)
        settings = Settings(
            database_url=participation_database,
            relay_enabled=False,
            status_consumer_enabled=False,
            ops_broadcast_enabled=False,
        )
        running = bootstrap(settings, clock=clock)
        with TestClient(create_app(settings, gateway=running)) as client:
            client.gateway = running  # type: ignore[attr-defined]
            client.clock = clock  # type: ignore[attr-defined]
            client.seed = sandbox.seed  # type: ignore[attr-defined]
            _register_members(client)
            yield client
