"""The recipients of citizens' questions: the assembly's register of members and the mayor.

A question names its recipient by the ``member_id`` the municipality published in its
assembly's register (``gateway/store/assembly.py``, ``/v1/assemblies``). The recipient must
hold office on the day the question is asked: a member whose mandate ended is asked no more.
"""

from __future__ import annotations

from datetime import date

from gateway.participation.questions import Recipient
from gateway.store import UnitOfWork
from gateway.store.assembly import AssemblyRepository, office_on


def assembly_recipients(uow: UnitOfWork, member_id: str, on: date) -> Recipient | None:
    record = uow.bind(AssemblyRepository).member(member_id)
    if record is None or not office_on(record, on):
        return None
    member = record.member
    return Recipient(
        member_id=member.member_id,
        municipality=member.municipality,
        name=member.name,
        role=member.role,
        party=member.party,
    )
