"""Every exchange, queue and broker user name of the topology, optionally behind a prefix.

``TopologyNames`` is the one place a name is spelled. ``ComplaintNames`` and
``ActReviewNames`` only read it in a feature's own words (``ComplaintNames(names)
.status_queue`` is ``names.complaint_status_queue``), for code that speaks of one feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.act_messages import REVIEWER

INSTITUTION_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
"""A central institution's id: lower-case words joined by hyphens (``kru-prishtina``)."""

MUNICIPALITY_CODE = re.compile(r"[0-9]{2}")


@dataclass(frozen=True, slots=True)
class TopologyNames:
    """Exchange, queue and user names, optionally behind a prefix (tests, staging)."""

    prefix: str = ""

    # Applications: hand-offs to municipalities and their status updates.

    @property
    def requests_exchange(self) -> str:
        return f"{self.prefix}ekomunat.requests"

    @property
    def status_exchange(self) -> str:
        return f"{self.prefix}ekomunat.status"

    @property
    def status_queue(self) -> str:
        return f"{self.prefix}gateway.status"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}ekomunat.dlx"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.prefix}ekomunat.dead"

    def municipality_queue(self, code: str) -> str:
        return f"{self.prefix}ekomunat.{code}"

    def municipality_user(self, code: str) -> str:
        return f"{self.prefix}ekomunat-{code}"

    def municipality_of_user(self, user: str | None) -> str | None:
        """The municipality code a broker user name belongs to, or None for other users."""
        if user is None:
            return None
        match = re.fullmatch(re.escape(self.prefix) + r"ekomunat-([0-9]{2})", user)
        return match.group(1) if match else None

    # Complaints: central institutions' queues and the answers to complaints.

    @property
    def complaint_status_exchange(self) -> str:
        return f"{self.prefix}ekomunat.complaint-status"

    @property
    def complaint_status_queue(self) -> str:
        return f"{self.prefix}gateway.complaint-status"

    def central_queue(self, institution: str) -> str:
        return f"{self.prefix}ekomunat.central.{institution}"

    def central_user(self, institution: str) -> str:
        return f"{self.prefix}ekomunat-central-{institution}"

    def routing_prefix_of_user(self, user: str | None) -> str | None:
        """``19`` for a municipality's broker user, ``central.<id>`` for a central body's."""
        municipality = self.municipality_of_user(user)
        if municipality is not None:
            return municipality
        if user is None:
            return None
        match = re.fullmatch(
            re.escape(self.prefix) + r"ekomunat-central-(" + INSTITUTION_ID.pattern + ")", user
        )
        return f"central.{match.group(1)}" if match else None

    # The legality review of municipal acts: the ministry's queue and its decisions.

    @property
    def ministry_queue(self) -> str:
        return f"{self.prefix}ekomunat.{REVIEWER}.acts"

    @property
    def act_submission_binding(self) -> str:
        return f"{REVIEWER}.acts.#"

    @property
    def act_decision_exchange(self) -> str:
        return f"{self.prefix}ekomunat.act-review"

    @property
    def act_decision_queue(self) -> str:
        return f"{self.prefix}gateway.act-review"

    @property
    def ministry_user(self) -> str:
        return f"{self.prefix}ekomunat-{REVIEWER}"

    def is_party_user(self, user: str | None) -> bool:
        """A broker user of some eKomunat party (a municipality, an institution, the ministry)."""
        return user is not None and user.startswith(f"{self.prefix}ekomunat-")


@dataclass(frozen=True, slots=True)
class ComplaintNames:
    """The complaints' names, read from ``TopologyNames`` in the complaints' own words."""

    names: TopologyNames = TopologyNames()

    @property
    def status_exchange(self) -> str:
        return self.names.complaint_status_exchange

    @property
    def status_queue(self) -> str:
        return self.names.complaint_status_queue

    def central_queue(self, institution: str) -> str:
        return self.names.central_queue(institution)

    def central_user(self, institution: str) -> str:
        return self.names.central_user(institution)

    def routing_prefix_of_user(self, user: str | None) -> str | None:
        return self.names.routing_prefix_of_user(user)


@dataclass(frozen=True, slots=True)
class ActReviewNames:
    """The legality review's names, read from ``TopologyNames`` in the review's own words."""

    names: TopologyNames = TopologyNames()

    @property
    def ministry_queue(self) -> str:
        return self.names.ministry_queue

    @property
    def submission_binding(self) -> str:
        return self.names.act_submission_binding

    @property
    def decision_exchange(self) -> str:
        return self.names.act_decision_exchange

    @property
    def decision_queue(self) -> str:
        return self.names.act_decision_queue

    @property
    def ministry_user(self) -> str:
        return self.names.ministry_user

    def is_party_user(self, user: str | None) -> bool:
        return self.names.is_party_user(user)
