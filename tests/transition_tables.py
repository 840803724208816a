"""The three state machines as the tests state them: the legal moves, written out by hand.

These tables are deliberately not read from ``contracts/``: they are what the published
contracts and the municipal IT guide promise, typed again, so that a one-line change to a
``LEGAL_*`` table in the code (letting ``approved`` go back to ``in_review``, say) makes the
table tests fail instead of agreeing with it. Every pair not listed is illegal, a state's
move to itself included.

Each machine also says who may ask for a move over the broker (``settable``): the other
states belong to the gateway and cannot even be written in an update.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    name: str
    states: tuple[str, ...]
    starts: tuple[str, ...]
    """States an entity is created in (by the gateway, never by a message)."""
    settable: tuple[str, ...]
    """States an update from the broker may name."""
    legal: frozenset[tuple[str, str]]

    def pairs(self) -> list[tuple[str, str]]:
        """Every (from, to) over the machine's states, in a stable order."""
        return [(current, new) for current in self.states for new in self.states]

    def is_legal(self, current: str, new: str) -> bool:
        return (current, new) in self.legal

    def path_to(self, state: str) -> list[str]:
        """The shortest run of legal moves from a start state to ``state``, start first."""
        queue = deque([start] for start in self.starts)
        seen = set(self.starts)
        while queue:
            path = queue.popleft()
            if path[-1] == state:
                return path
            for current, new in sorted(self.legal):
                if current == path[-1] and new not in seen:
                    seen.add(new)
                    queue.append([*path, new])
        raise LookupError(f"{self.name}: {state} cannot be reached from {self.starts}")


def _moves(*lines: tuple[str, Iterable[str]]) -> frozenset[tuple[str, str]]:
    return frozenset((current, new) for current, targets in lines for new in targets)


REQUESTS = Machine(
    name="requests",
    states=(
        "completed",
        "accepted",
        "handed_off",
        "in_review",
        "needs_information",
        "approved",
        "rejected",
        "closed",
    ),
    starts=("accepted", "completed"),
    settable=("in_review", "needs_information", "approved", "rejected", "closed"),
    legal=_moves(
        # A fast back-office may report in_review before the relay recorded handed_off.
        ("accepted", ("handed_off", "in_review")),
        ("handed_off", ("in_review",)),
        ("in_review", ("needs_information", "approved", "rejected")),
        ("needs_information", ("in_review", "approved", "rejected")),
        ("approved", ("closed",)),
        ("rejected", ("closed",)),
    ),
)

COMPLAINTS = Machine(
    name="complaints",
    states=("received", "acknowledged", "in_progress", "answered", "closed"),
    starts=("received",),
    settable=("acknowledged", "in_progress", "answered", "closed"),
    legal=_moves(
        ("received", ("acknowledged", "in_progress", "answered", "closed")),
        ("acknowledged", ("in_progress", "answered", "closed")),
        ("in_progress", ("answered", "closed")),
        ("answered", ("closed",)),
    ),
)

ACTS = Machine(
    name="acts",
    states=(
        "submitted",
        "received",
        "under_review",
        "found_lawful",
        "reconsideration_requested",
        "reconsidered",
        "referred_to_court",
        "withdrawn",
    ),
    starts=("submitted",),
    settable=(
        "received",
        "under_review",
        "found_lawful",
        "reconsideration_requested",
        "referred_to_court",
        "reconsidered",
    ),
    legal=_moves(
        ("submitted", ("received", "under_review", "withdrawn")),
        ("received", ("under_review", "withdrawn")),
        ("under_review", ("found_lawful", "reconsideration_requested", "withdrawn")),
        ("reconsideration_requested", ("reconsidered", "referred_to_court", "withdrawn")),
    ),
)

MACHINES = (REQUESTS, COMPLAINTS, ACTS)
