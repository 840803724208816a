"""Every (from, to) pair of the three state machines, against the tables typed in the tests.

The legal moves are data in ``tests/transition_tables.py``, not derived from ``contracts/``:
a contract that allows one move more or one move less fails here on that very pair. The
consumers' side of the same tables (an illegal move dead-lettered with its reason, through
the real broker) is ``tests/integration/status/test_transition_dead_letters.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from contracts.act_messages import ActReviewDecision, ReviewState, is_legal_review_transition
from contracts.complaint_messages import (
    ComplaintStatus,
    ComplaintStatusUpdate,
    is_legal_complaint_transition,
)
from contracts.messages import RequestStatus, StatusUpdate, is_legal_transition
from tests.transition_tables import ACTS, COMPLAINTS, MACHINES, REQUESTS, Machine

CONTRACTS: dict[str, tuple[type[StrEnum], Callable[[Any, Any], bool]]] = {
    REQUESTS.name: (RequestStatus, is_legal_transition),
    COMPLAINTS.name: (ComplaintStatus, is_legal_complaint_transition),
    ACTS.name: (ReviewState, is_legal_review_transition),
}

EVERY_PAIR = [
    pytest.param(machine, current, new, id=f"{machine.name}:{current}->{new}")
    for machine in MACHINES
    for current, new in machine.pairs()
]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda machine: machine.name)
def test_the_table_names_every_state_of_the_contract(machine: Machine) -> None:
    states, _ = CONTRACTS[machine.name]
    assert sorted(machine.states) == sorted(state.value for state in states)


@pytest.mark.parametrize(("machine", "current", "new"), EVERY_PAIR)
def test_the_contract_allows_exactly_the_moves_of_the_table(
    machine: Machine, current: str, new: str
) -> None:
    states, is_legal = CONTRACTS[machine.name]
    expected = machine.is_legal(current, new)
    assert is_legal(states(current), states(new)) is expected, (
        f"{machine.name}: {current} -> {new} must be {'legal' if expected else 'refused'}"
    )


def _request_update(status: str) -> dict[str, Any]:
    return {
        "update_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "municipality": "19",
        "status": status,
        "decided_by": {"official_id": "19-0042"},
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def _complaint_update(status: str) -> dict[str, Any]:
    return {
        "update_id": str(uuid.uuid4()),
        "complaint_id": str(uuid.uuid4()),
        "institution": "19.public-services",
        "status": status,
        "public_note": {"sq": "Gropa u mbush."},
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def _act_decision(state: str) -> dict[str, Any]:
    return {
        "update_id": str(uuid.uuid4()),
        "act_id": str(uuid.uuid4()),
        "municipality": "19",
        "revision": 1,
        "state": state,
        "public_note": {"sq": "Neni 5 bie ndesh me ligjin."},
        "occurred_at": datetime.now(UTC).isoformat(),
    }


UPDATES: dict[str, tuple[type[BaseModel], Callable[[str], dict[str, Any]]]] = {
    REQUESTS.name: (StatusUpdate, _request_update),
    COMPLAINTS.name: (ComplaintStatusUpdate, _complaint_update),
    ACTS.name: (ActReviewDecision, _act_decision),
}

EVERY_STATE = [
    pytest.param(machine, state, id=f"{machine.name}:{state}")
    for machine in MACHINES
    for state in machine.states
]


@pytest.mark.parametrize(("machine", "state"), EVERY_STATE)
def test_an_update_may_name_only_the_states_its_sender_sets(machine: Machine, state: str) -> None:
    """The gateway's own states (accepted, received, submitted, withdrawn...) cannot even be
    written in an update: the message contract refuses them before any table is consulted."""
    model, document = UPDATES[machine.name]
    if state in machine.settable:
        model.model_validate(document(state))
    else:
        with pytest.raises(ValidationError):
            model.model_validate(document(state))
