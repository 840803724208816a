"""The municipal assembly and the executive: members, sessions, votes, the mayor's decisions and
public meetings, as a municipality publishes them and as the public reads them.

A municipality's client (role ``municipality``) publishes through ``/v1/assemblies``:

* ``AssemblyMember``: one member of the assembly for a mandate (name, party or list,
  committees, start and end of office), or the mayor (``role="mayor"``). Popolo's *Person*
  holding a *Membership* of the assembly's *Organization*.
* ``AssemblySession``: a session (regular, extraordinary, committee), its date, whether the
  public may attend, and its agenda items (Popolo *Motion*s) with their documents.
* ``ItemVote``: the vote on one agenda item (Popolo *VoteEvent*): each member's *Vote* (for,
  against, abstained, absent), the outcome the municipality declares, and the municipal act it
  adopted where it is one (the acts feature's ``act_id``). A published vote is corrected only
  by a new version carrying a ``reason``.
* ``SessionMinutes``: the minutes, once the assembly has approved them.
* ``MayorDecision`` and ``MayorMeeting`` (with ``MeetingReport`` afterwards): the executive.

The Popolo terms (https://www.popoloproject.com) are kept where they fit, so that
parliamentary-monitoring tools can read the open feeds; ``popolo_*`` helpers below build those
records, and ``contracts/popolo/`` ships the Popolo JSON Schemas they are checked against.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.act_messages import OfficialText, PublishedDocument
from contracts.records import MunicipalityCode

Reference = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]([0-9A-Za-z./-]{0,58}[0-9A-Za-z])?$",
        description="the municipality's own reference, e.g. KK-2026-03",
    ),
]
MemberId = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]([0-9A-Za-z._-]{0,58}[0-9A-Za-z])?$",
        description="the municipality's stable id of the person, e.g. 07-2021-m12",
    ),
]
Mandate = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}-[0-9]{4}$", description="the term of office, e.g. 2021-2025"),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
MemberRole = Literal["member", "mayor"]
SessionKind = Literal["regular", "extraordinary", "committee"]
VoteOption = Literal["for", "against", "abstained", "absent"]
VOTE_OPTIONS: tuple[VoteOption, ...] = ("for", "against", "abstained", "absent")
Majority = Literal["simple", "two_thirds"]
Outcome = Literal["adopted", "rejected"]
ItemNumber = Annotated[int, Field(ge=1, le=200)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AssemblyMember(_Body):
    """A member of the assembly for a mandate, or the mayor (Popolo Person + Membership)."""

    member_id: MemberId
    municipality: MunicipalityCode
    mandate: Mandate
    name: Name
    party: Name = Field(description="the party, coalition or citizens' list elected on")
    committees: tuple[Name, ...] = Field((), max_length=20)
    role: MemberRole = "member"
    office_from: date
    office_until: date | None = Field(None, description="when the office ended or ends")

    @model_validator(mode="after")
    def _office_ends_after_it_starts(self) -> AssemblyMember:
        if self.office_until is not None and self.office_until < self.office_from:
            raise ValueError("office_until must not be earlier than office_from")
        return self

    def serves_on(self, day: date) -> bool:
        return self.office_from <= day and (self.office_until is None or day <= self.office_until)


class MemberList(_Body):
    """The members of a mandate, published at once (``PUT /v1/assemblies/{m}/members``)."""

    members: tuple[AssemblyMember, ...] = Field(min_length=1, max_length=200)


class AgendaItem(_Body):
    """One item on a session's agenda (Popolo Motion)."""

    number: ItemNumber
    title: OfficialText
    documents: tuple[PublishedDocument, ...] = Field((), max_length=20)
    majority: Majority = Field(
        "simple",
        description="the majority the item needs: simple (more for than against… see "
        "docs/assembly.md) or two_thirds of all members (the statute and its changes)",
    )


class AssemblySession(_Body):
    """A session of the assembly or of one of its committees, with its agenda."""

    municipality: MunicipalityCode
    reference: Reference
    kind: SessionKind
    held_at: AwareDatetime
    place: OfficialText | None = None
    public_may_attend: bool = True
    committee: Name | None = Field(None, description="the committee, for a committee session")
    agenda: tuple[AgendaItem, ...] = Field(min_length=1, max_length=100)
    agenda_published_at: AwareDatetime | None = Field(
        None,
        description="only for a session already held, published afterwards (an archive): when "
        "the municipality says it published the agenda; the feeds mark it as declared",
    )

    @model_validator(mode="after")
    def _items_numbered_once(self) -> AssemblySession:
        numbers = [item.number for item in self.agenda]
        if len(set(numbers)) != len(numbers):
            raise ValueError("agenda items must have distinct numbers")
        if self.kind == "committee" and self.committee is None:
            raise ValueError("a committee session names its committee")
        return self


class MemberVote(_Body):
    """How one member voted on an item (Popolo Vote)."""

    member_id: MemberId
    option: VoteOption


class ItemVote(_Body):
    """The vote on one agenda item (Popolo VoteEvent), first or corrected.

    ``votes`` names every member of the mandate serving on the session's day once; the
    gateway checks the declared ``outcome`` against quorum and majority. A correction of a
    published vote carries a ``reason`` and becomes a new version; the old one stays readable.
    """

    outcome: Outcome
    votes: tuple[MemberVote, ...] = Field(min_length=1, max_length=200)
    act_id: UUID | None = Field(
        None, description="the municipal act adopted, as the acts feature knows it (/v1/acts)"
    )
    decision: OfficialText | None = Field(None, description="the decision adopted, in words")
    reason: OfficialText | None = Field(None, description="why a published vote is corrected")

    @model_validator(mode="after")
    def _each_member_once(self) -> ItemVote:
        members = [vote.member_id for vote in self.votes]
        if len(set(members)) != len(members):
            raise ValueError("each member votes once")
        return self

    def counts(self) -> dict[VoteOption, int]:
        tally: dict[VoteOption, int] = dict.fromkeys(VOTE_OPTIONS, 0)
        for vote in self.votes:
            tally[vote.option] += 1
        return tally


class SessionMinutes(_Body):
    """The minutes of a session, published once the assembly approved them."""

    approved_on: date
    documents: tuple[PublishedDocument, ...] = Field(min_length=1, max_length=20)
    summary: OfficialText | None = None


class MayorDecision(_Body):
    """A decision of the mayor; ``act_id`` links it to its legality review where it has one."""

    municipality: MunicipalityCode
    number: Reference
    title: OfficialText
    decided_on: date
    act_id: UUID | None = None
    documents: tuple[PublishedDocument, ...] = Field((), max_length=20)


class MayorMeeting(_Body):
    """A public meeting of the mayor with citizens (the law asks at least two a year)."""

    municipality: MunicipalityCode
    reference: Reference
    held_at: AwareDatetime
    place: OfficialText
    topics: tuple[OfficialText, ...] = Field(min_length=1, max_length=30)


class MeetingReport(_Body):
    """The report on a public meeting, published after it was held."""

    summary: OfficialText
    attendees: Annotated[int, Field(ge=0)] | None = None
    documents: tuple[PublishedDocument, ...] = Field((), max_length=20)


# ---- Popolo records (https://www.popoloproject.com/specs/) ----------------------------------


def popolo_person(member_id: str, name: str) -> dict[str, Any]:
    return {"id": member_id, "name": name}


def popolo_organization_id(municipality: str) -> str:
    """The assembly's Organization id, which its memberships, motions and vote events name."""
    return f"assembly-{municipality}"


def popolo_organization(municipality: str, name: str) -> dict[str, Any]:
    return {
        "id": popolo_organization_id(municipality),
        "name": name,
        "classification": "legislature",
    }


def popolo_membership(member: AssemblyMember, organization_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"{member.member_id}-{member.mandate}",
        "person_id": member.member_id,
        "organization_id": organization_id,
        "role": member.role,
        "label": member.party,
        "start_date": member.office_from.isoformat(),
    }
    if member.office_until is not None:
        record["end_date"] = member.office_until.isoformat()
    return record


POPOLO_OPTIONS: dict[VoteOption, str] = {
    "for": "yes",
    "against": "no",
    "abstained": "abstain",
    "absent": "absent",
}
"""Our options in Popolo's vocabulary for ``Vote.option`` and ``Count.option``."""


class SessionChange(_Body):
    """A new version of a published session (its agenda, time or place), with the reason."""

    session: AssemblySession
    reason: OfficialText
