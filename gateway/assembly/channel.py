"""The assembly as the composition root builds it: the desk and its open feeds.

``build_assembly_channel`` is called once by ``gateway.bootstrap``: ``desk`` serves
``/v1/assemblies``; ``feeds()`` are the registers of ``/v1/open/assembly-*`` and
``/v1/open/mayor-meetings``, read from the store when asked. No worker: a meeting counts as
held by the clock, read when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.assembly import public_view as view
from gateway.assembly.desk import AssemblyDesk
from gateway.features import Feature
from gateway.open import labels
from gateway.open.query import FeedQuery
from gateway.open.service import FeedSpec, OpenData
from gateway.open.views import FeedRows
from gateway.store import Store
from gateway.store.clock import utc_now

FEEDS = (
    "assembly-members",
    "assembly-sessions",
    "assembly-votes",
    "assembly-member-votes",
    "assembly-attendance",
    "assembly-decisions",
    "mayor-meetings",
)


@dataclass
class AssemblyChannel:
    desk: AssemblyDesk

    def feature(self) -> Feature:
        return Feature("assembly", provides=(self.desk,))

    def feeds(self) -> tuple[FeedSpec, ...]:
        desk = self.desk

        def members(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.member_rows(desk.data(), service.catalogue, query, desk.now())

        def sessions(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.session_rows(desk.data(), service.catalogue, query)

        def votes(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.vote_rows(desk.data(), service.catalogue, query)

        def member_votes(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.member_vote_rows(desk.data(), service.catalogue, query)

        def attendance(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.attendance_rows(desk.data(), service.catalogue, query)

        def decisions(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.decision_rows(desk.data(with_acts=True), service.catalogue, query)

        def meetings(service: OpenData, query: FeedQuery) -> FeedRows:
            return view.meeting_rows(desk.data(), service.catalogue, query, desk.now())

        version = desk.version
        return (
            FeedSpec(
                "assembly-members",
                members,
                columns=view.MEMBER_COLUMNS,
                choices={"role": tuple(view.ROLES)},
                with_year=False,
                free=("mandate",),
                version=version,
            ),
            FeedSpec(
                "assembly-sessions",
                sessions,
                columns=view.SESSION_COLUMNS,
                choices={"kind": tuple(view.SESSION_KINDS), "outcome": tuple(view.OUTCOMES)},
                version=version,
            ),
            FeedSpec(
                "assembly-votes",
                votes,
                columns=view.VOTE_COLUMNS,
                choices={"result": ("adopted", "rejected"), "versions": ("current", "all")},
                version=version,
            ),
            FeedSpec(
                "assembly-member-votes",
                member_votes,
                columns=view.MEMBER_VOTE_COLUMNS,
                choices={"option": tuple(view.OPTIONS)},
                free=("member",),
                version=version,
            ),
            FeedSpec(
                "assembly-attendance",
                attendance,
                columns=view.ATTENDANCE_COLUMNS,
                choices={"level": tuple(view.LEVELS)},
                with_year=False,
                free=("mandate",),
                version=version,
            ),
            FeedSpec(
                "assembly-decisions",
                decisions,
                columns=view.DECISION_COLUMNS,
                choices={
                    "issuer": tuple(labels.ACT_ISSUERS),
                    "legality_review": tuple(view.REVIEW_OUTCOMES),
                },
                version=version,
            ),
            FeedSpec(
                "mayor-meetings",
                meetings,
                columns=view.MEETING_COLUMNS,
                version=version,
            ),
        )


def build_assembly_channel(
    store: Store, *, notice_days: int = 7, clock: Callable[[], datetime] = utc_now
) -> AssemblyChannel:
    return AssemblyChannel(AssemblyDesk(store, notice_days=notice_days, clock=clock))
