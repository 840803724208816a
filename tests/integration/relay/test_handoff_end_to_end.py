"""Accept -> relay -> back-office -> status update -> recorded: the whole loop, for real.

Real store (SQLite and PostgreSQL), real RabbitMQ, the reference back-office from sandbox/.
"""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs

from adapters.amqp.topology import TopologyNames
from contracts.messages import RegistryRecord, RequestStatus
from gateway.relay import Relay
from gateway.status import StatusConsumer
from gateway.store import Store
from sandbox.backoffice import BackOffice
from tests.fixtures.broker_users import BrokerUsers
from tests.integration.relay.probes import running, wait_until
from tests.integration.store.builders import PERSONAL_NUMBER, handoff_for, new_request

CODES = ["19", "20"]


def _accept(store: Store, *, deceased: bool = False) -> str:
    request = new_request(municipality="19", service="civil.birth-certificate")
    message = handoff_for(request)
    if deceased:
        record = message.records[0]
        message = message.model_copy(
            update={
                "records": (
                    RegistryRecord(
                        registry="civil",
                        operation=record.operation,
                        retrieved_at=record.retrieved_at,
                        data={**record.data, "status": "deceased"},
                    ),
                )
            }
        )
    with store.unit_of_work() as uow:
        uow.requests.add(request)
        uow.outbox.add_handoff(message)
        uow.commit()
    return request.id


def _status(store: Store, request_id: str) -> RequestStatus | None:
    with store.unit_of_work(read_only=True) as uow:
        record = uow.requests.get(request_id)
    return record.status if record else None


def test_accepted_requests_reach_the_municipality_and_decisions_come_back(
    store: Store,
    amqp_url: str,
    topology_names: TopologyNames,
    broker_users: BrokerUsers,
    tmp_path: Path,
) -> None:
    relay = Relay(store, amqp_url, names=topology_names, municipality_codes=CODES)
    consumer = StatusConsumer(store, amqp_url, names=topology_names, municipality_codes=CODES)
    office = BackOffice(
        "19",
        broker_users.municipality("19").url,
        tmp_path / "office-19.db",
        prefix=topology_names.prefix,
        decision_delay_s=0.2,
    )

    with capture_logs() as logs, running(relay, consumer, office):
        approved = [_accept(store), _accept(store)]
        rejected = _accept(store, deceased=True)
        for request_id in approved:
            wait_until(lambda rid=request_id: _status(store, rid) is RequestStatus.APPROVED)
        wait_until(lambda: _status(store, rejected) is RequestStatus.REJECTED)
        health = relay.health()

    assert sorted(office.database.request_ids()) == sorted([*approved, rejected])
    assert {"relay.published", "status.recorded"} <= {entry["event"] for entry in logs}
    assert PERSONAL_NUMBER not in repr(logs), "no personal number may reach the log"
    assert health == {"broker": "connected", "outbox_depth": 0, "oldest_unpublished_age_s": 0.0}
    with store.unit_of_work(read_only=True) as uow:
        history = uow.requests.history(approved[0])
    statuses = [change.status for change in history]
    assert statuses[0] is RequestStatus.ACCEPTED
    assert statuses[-2:] == [RequestStatus.IN_REVIEW, RequestStatus.APPROVED]
    assert history[-1].source == "municipality:19"
    assert history[-1].note is not None and history[-1].note["language"] == "sq"
    assert len(history[-1].documents) == 1
