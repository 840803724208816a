"""What the law asks of an assembly's sessions and votes, and of the mayor, as checked here.

Law No. 03/L-040 on Local Self-Government (2008) and the model municipal statute set the
rules. What the gateway holds a municipality to, and where it comes from:

* **Agenda notice.** The agenda of a *regular* session is published at least
  ``GATEWAY_ASSEMBLY_AGENDA_NOTICE_DAYS`` (7) days before it: the issue's reading of the law
  and the model statute's rules of procedure. *Inferred:* the same notice applies to a changed
  agenda of a regular session (else the deadline could be skipped by changing the agenda);
  an *extraordinary* or *committee* session only has to lie in the future, since the statute
  lets the chairperson convene them at short notice.
* **Quorum.** A vote is valid only when more than half of the assembly's serving members are
  present (Law 03/L-040, art. 45; issue 23). Present means any option but ``absent``.
* **Majority.** ``simple``: adopted when more members present and voting vote for than
  against (a majority of the members present and voting; abstentions are not votes cast:
  *inferred* from "present and voting"). ``two_thirds``: adopted when at least two thirds of
  the members present and voting vote for; the statute and its changes need it (UNMIK
  Regulation 2000/45, carried into the law and the model statute: *inferred* for the items a
  municipality marks ``two_thirds``). The municipality declares the outcome; the gateway
  refuses one the votes do not give.
* **The mayor's public meetings.** At least two a year with citizens (Law 03/L-040, art. 68,
  as the project's reference cites it).
* **Voters.** Every member of the mandate serving on the session's day votes once (with
  ``absent`` for a member not there); the mayor is not a member of the assembly and does not
  vote in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.assembly import Majority, Outcome, SessionKind, VoteOption

MEETINGS_A_YEAR = 2
"""Public meetings with citizens the mayor must hold each year (Law 03/L-040)."""


def notice_days(published_at: datetime, held_at: datetime) -> float:
    """Days between the agenda's publication and the session, to the hour."""
    return round((held_at - published_at) / timedelta(days=1), 2)


def notice_is_enough(
    kind: SessionKind, published_at: datetime, held_at: datetime, *, days: int
) -> bool:
    if held_at <= published_at:
        return False
    return kind != "regular" or held_at - published_at >= timedelta(days=days)


@dataclass(frozen=True)
class Tally:
    serving: int
    counts: Mapping[VoteOption, int]

    @property
    def present(self) -> int:
        return self.serving - self.counts.get("absent", 0)

    @property
    def voting(self) -> int:
        return self.counts.get("for", 0) + self.counts.get("against", 0)

    @property
    def quorum(self) -> bool:
        """More than half of the serving members present."""
        return self.present * 2 > self.serving

    def outcome(self, majority: Majority) -> Outcome:
        """What the votes give (only meaningful with a quorum)."""
        yes = self.counts.get("for", 0)
        if majority == "two_thirds":
            adopted = self.voting > 0 and yes * 3 >= self.voting * 2
        else:
            adopted = yes > self.counts.get("against", 0)
        return "adopted" if adopted else "rejected"


def requirement(majority: Majority) -> str:
    """The rule in words (Popolo ``Motion.requirement``)."""
    if majority == "two_thirds":
        return "two thirds of the members present and voting, with more than half present"
    return "a majority of the members present and voting, with more than half present"
