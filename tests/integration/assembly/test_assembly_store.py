"""The assembly's members in the store: read by municipality and by id, changes versioned."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts.assembly import AssemblyMember
from gateway.store import Store
from gateway.store.assembly import AssemblyRepository

MOMENT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def member(member_id: str, municipality: str = "07", **changes: object) -> AssemblyMember:
    body: dict[str, object] = {
        "member_id": member_id,
        "municipality": municipality,
        "mandate": "2025-2029",
        "name": f"Anëtar {member_id}",
        "party": "Lista A",
        "committees": ["Komiteti për politikë dhe financa"],
        "office_from": date(2025, 11, 20),
        **changes,
    }
    return AssemblyMember.model_validate(body)


def test_members_are_read_by_municipality_and_by_id(store: Store) -> None:
    with store.unit_of_work() as uow:
        members = uow.bind(AssemblyRepository)
        members.put_member(member("07-m1"), client_id="komuna-07", now=MOMENT)
        members.put_member(member("07-mayor", role="mayor"), client_id="komuna-07", now=MOMENT)
        members.put_member(member("13-m1", "13"), client_id="komuna-13", now=MOMENT)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        members = uow.bind(AssemblyRepository)
        assert [record.member_id for record in members.members("07")] == ["07-m1", "07-mayor"]
        mayor = members.member("07-mayor")
        assert mayor is not None and mayor.member.role == "mayor"
        assert members.member("99-nobody") is None


def test_a_changed_member_keeps_its_earlier_text(store: Store) -> None:
    with store.unit_of_work() as uow:
        members = uow.bind(AssemblyRepository)
        members.put_member(member("07-m2"), client_id="komuna-07", now=MOMENT)
        _, changed = members.put_member(member("07-m2"), client_id="komuna-07", now=MOMENT)
        assert changed is False
        record, changed = members.put_member(
            member("07-m2", party="Lista B", office_until=date(2026, 6, 1)),
            client_id="komuna-07",
            now=MOMENT,
        )
        uow.commit()
    assert changed is True and record.version == 2 and record.member.party == "Lista B"
    with store.unit_of_work(read_only=True) as uow:
        history = uow.bind(AssemblyRepository).history("member", "07-m2")
    assert [(entry.version, entry.body["party"]) for entry in history] == [(1, "Lista A")]
