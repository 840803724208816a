"""Every move of the three state machines, sent through the real broker to its real consumer.

For each machine, one entity per (from, to) pair is brought to ``from`` through the store
along the legal moves of the table typed in ``tests/transition_tables.py`` (not read from
``contracts/``); then an update asking for ``to`` is published the way the municipality, the
institution or the ministry would. A legal move is recorded; a move to the current state is
acked and changes nothing; every other move is dead-lettered with the reason naming both
states; a state the sender may not set at all is dead-lettered as an invalid message.

All pairs go through the broker (about a hundred and fifty messages per database), on SQLite
and PostgreSQL. The consumers are driven only through their public behaviour: the queue they
read and the dead-letter queue they write.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from adapters.amqp.consumer import REASON_HEADER
from adapters.amqp.topology import ActReviewNames, ComplaintNames, TopologyNames
from contracts.act_messages import ActReviewDecision, MunicipalAct, ReviewState
from contracts.complaint_messages import ComplaintStatus, ComplaintStatusUpdate
from contracts.messages import DecidedBy, RequestStatus, StatusUpdate
from gateway.access import Speaker
from gateway.acts.consumer import ActReviewConsumer
from gateway.acts.desk import ActDesk
from gateway.complaints.consumer import ComplaintStatusConsumer
from gateway.status import StatusConsumer
from gateway.store import Store
from gateway.store.acts import ActRepository
from gateway.store.complaints import ComplaintRepository
from tests.fixtures.broker_users import BrokerUser, BrokerUsers
from tests.fixtures.participation import act_body, act_number
from tests.integration.complaints.builders import desk_on, submission
from tests.integration.relay.probes import drain, wait_until
from tests.integration.store.builders import new_request
from tests.transition_tables import ACTS, COMPLAINTS, REQUESTS, Machine

CODES = ["19", "20"]
INSTITUTION = "19.public-services"
PRISHTINE = Speaker(client="municipality-prishtine", municipality="19")
NOTE = {"sq": "Arsyet janë në shkresën e bashkëngjitur."}


@dataclass
class Harness:
    """One machine's entities, its update messages, and where its consumer listens."""

    machine: Machine
    reason_prefix: str
    exchange: str
    create: Callable[[list[str]], str]
    """Create an entity and walk it along these states (the first is a start state)."""
    state_of: Callable[[str], str]
    update: Callable[[str, str], tuple[dict[str, Any], str]]
    """The update document asking ``entity`` to move to ``state``, and its routing key."""
    id_field: str


@dataclass(frozen=True)
class Case:
    current: str
    new: str
    entity: str


# ── requests ─────────────────────────────────────────────────────────────────────────────


def _requests(store: Store, names: TopologyNames) -> Harness:
    def create(path: list[str]) -> str:
        request = replace(new_request(), status=RequestStatus(path[0]))
        with store.unit_of_work() as uow:
            uow.requests.add(request)
            for state in path[1:]:
                uow.requests.set_status(request.id, RequestStatus(state), source="test.setup")
            uow.commit()
        return request.id

    def state_of(request_id: str) -> str:
        with store.unit_of_work(read_only=True) as uow:
            record = uow.requests.get(request_id)
        assert record is not None
        return record.status.value

    def update(request_id: str, state: str) -> tuple[dict[str, Any], str]:
        document = StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=uuid.UUID(request_id),
            municipality="19",
            status="in_review",
            decided_by=DecidedBy(official_id="19-0042"),
            occurred_at=datetime.now(UTC),
        ).model_dump(mode="json")
        document["status"] = state
        return document, f"19.{state}"

    exchange = names.status_exchange
    return Harness(REQUESTS, "status", exchange, create, state_of, update, "request_id")


# ── complaints ───────────────────────────────────────────────────────────────────────────


def _complaints(store: Store, names: TopologyNames) -> Harness:
    desk = desk_on(store)

    def create(path: list[str]) -> str:
        complaint_id = asyncio.run(desk.submit("complaints-app", submission())).complaint_id
        with store.unit_of_work() as uow:
            for state in path[1:]:
                uow.bind(ComplaintRepository).set_status(
                    complaint_id, ComplaintStatus(state), source="test.setup", public_note=NOTE
                )
            uow.commit()
        return complaint_id

    def state_of(complaint_id: str) -> str:
        with store.unit_of_work(read_only=True) as uow:
            record = uow.bind(ComplaintRepository).get(complaint_id)
        assert record is not None
        return record.status.value

    def update(complaint_id: str, state: str) -> tuple[dict[str, Any], str]:
        document = ComplaintStatusUpdate(
            update_id=uuid.uuid4(),
            complaint_id=uuid.UUID(complaint_id),
            institution=INSTITUTION,
            status="answered",
            public_note=NOTE,  # type: ignore[arg-type]
            occurred_at=datetime.now(UTC),
        ).model_dump(mode="json", exclude_none=True)
        document["status"] = state
        return document, f"19.complaint.{state}"

    exchange = ComplaintNames(names).status_exchange
    prefix = "complaint.status"
    return Harness(COMPLAINTS, prefix, exchange, create, state_of, update, "complaint_id")


# ── acts ─────────────────────────────────────────────────────────────────────────────────


def _acts(store: Store, names: TopologyNames) -> Harness:
    desk = ActDesk(store)

    def create(path: list[str]) -> str:
        act = MunicipalAct.model_validate(act_body(act_number()))
        act_id = str(asyncio.run(desk.submit(PRISHTINE, act)).body["act_id"])
        with store.unit_of_work() as uow:
            acts = uow.bind(ActRepository)
            for state in path[1:]:
                acts.set_state(act_id, ReviewState(state), source="test.setup", public_note=NOTE)
            uow.commit()
        return act_id

    def state_of(act_id: str) -> str:
        with store.unit_of_work(read_only=True) as uow:
            act = uow.bind(ActRepository).get(act_id)
        assert act is not None
        return act.review_state.value

    def update(act_id: str, state: str) -> tuple[dict[str, Any], str]:
        document = ActReviewDecision(
            update_id=uuid.uuid4(),
            act_id=uuid.UUID(act_id),
            municipality="19",
            revision=1,
            state="referred_to_court",
            public_note=NOTE,  # type: ignore[arg-type]
            occurred_at=datetime.now(UTC),
        ).model_dump(mode="json", exclude_none=True)
        document["state"] = state
        return document, f"mapl.acts.19.{state}"

    exchange = ActReviewNames(names).decision_exchange
    return Harness(ACTS, "act.review", exchange, create, state_of, update, "act_id")


# ── the consumers, as the gateway runs them ──────────────────────────────────────────────


def _consumer(name: str, store: Store, amqp_url: str, names: TopologyNames) -> Any:
    if name == REQUESTS.name:
        return StatusConsumer(
            store, amqp_url, names=names, municipality_codes=CODES, retry_delay_s=0.2
        )
    if name == COMPLAINTS.name:
        return ComplaintStatusConsumer(
            store, amqp_url, names=names, municipality_codes=CODES, retry_delay_s=0.2
        )
    return ActReviewConsumer(
        store, amqp_url, names=names, municipality_codes=CODES, retry_delay_s=0.2
    )


HARNESSES = {REQUESTS.name: _requests, COMPLAINTS.name: _complaints, ACTS.name: _acts}


@pytest.fixture(params=list(HARNESSES))
def harness(
    request: pytest.FixtureRequest, store: Store, amqp_url: str, topology_names: TopologyNames
) -> Iterator[Harness]:
    running = _consumer(request.param, store, amqp_url, topology_names)
    running.start()
    try:
        wait_until(lambda: running.connected, what=f"{request.param} consumer connected")
        yield HARNESSES[request.param](store, topology_names)
    finally:
        running.stop()


def _sender(harness: Harness, users: BrokerUsers) -> BrokerUser:
    """The party whose broker user may speak: Prishtinë for its requests and its department's
    complaints, the ministry for acts (the consumers trust only the broker-checked user_id)."""
    return users.ministry() if harness.machine is ACTS else users.municipality("19")


def _publish(sender: BrokerUser, harness: Harness, entity: str, state: str) -> None:
    document, routing_key = harness.update(entity, state)
    sender.publish(
        harness.exchange,
        routing_key,
        json.dumps(document).encode(),
        message_id=str(document["update_id"]),
    )


def test_every_move_is_recorded_ignored_or_dead_lettered_with_its_reason(
    harness: Harness,
    amqp_channel: BlockingChannel,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
) -> None:
    machine = harness.machine
    sender = _sender(harness, broker_users)
    moves = [
        Case(current, new, harness.create(machine.path_to(current)))
        for current, new in machine.pairs()
        if new in machine.settable
    ]
    # A state the sender may not set: refused by the message contract, whatever the current.
    not_settable = [
        Case(machine.starts[0], new, harness.create([machine.starts[0]]))
        for new in machine.states
        if new not in machine.settable
    ]
    # The consumer takes its queue in order: once a last legal move, published after all
    # the others, is recorded, every update before it has been handled and every dead
    # letter is in its queue.
    last_current, last_new = min(move for move in machine.legal if move[1] in machine.settable)
    last = harness.create(machine.path_to(last_current))
    for case in moves + not_settable:
        _publish(sender, harness, case.entity, case.new)
    _publish(sender, harness, last, last_new)
    wait_until(lambda: harness.state_of(last) == last_new, what="the last move recorded")

    dead = drain(amqp_channel, topology_names.dead_letter_queue, expect=0)
    reasons = {
        json.loads(item.body)[harness.id_field]: str(item.properties.headers[REASON_HEADER])
        for item in dead
    }
    refused = [
        case
        for case in moves
        if case.current != case.new and not machine.is_legal(case.current, case.new)
    ]
    expected = {case.entity: case for case in refused + not_settable}
    by_pair = {case.entity: f"{case.current} -> {case.new}" for case in moves + not_settable}
    assert sorted(by_pair.get(entity, entity) for entity in reasons) == sorted(
        by_pair[entity] for entity in expected
    ), "exactly the illegal moves are dead-lettered"
    for case in refused:
        assert reasons[case.entity] == (
            f"{harness.reason_prefix}.illegal_transition: {case.current} -> {case.new}"
        )
    for case in not_settable:
        assert reasons[case.entity].startswith(f"{harness.reason_prefix}.invalid_message")

    for case in moves:
        moved = machine.is_legal(case.current, case.new)
        assert harness.state_of(case.entity) == (case.new if moved else case.current), case
    for case in not_settable:
        assert harness.state_of(case.entity) == case.current, case
