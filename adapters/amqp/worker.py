"""A consumer worker: one queue, one message contract, one handler, in a thread of its own.

Every message the gateway consumes (a municipality's status update, an institution's answer
to a complaint, the ministry's decision on an act) passes the same two checks before its
handler sees it, in this order:

1. the sender: the broker-checked AMQP ``user_id`` (``Delivery.sender``) must be a party this
   queue takes messages from, as the worker's ``SenderCheck`` says. RabbitMQ refuses a
   publish whose ``user_id`` is not the connection's own user, so it is the one fact about
   the sender nobody can forge; a message without it is refused, whoever sent it;
2. the contract: the body is a valid message of the queue's pydantic model.

A message failing either is dead-lettered as ``<namespace>.sender_unverified: …`` (or what
the check says) or ``<namespace>.invalid_message: …``. The handler then gets the delivery,
the verified sender and the parsed message, checks the rest and records it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from pydantic import BaseModel, ValidationError

from adapters.amqp import connection_parameters
from adapters.amqp.consumer import Delivery, Outcome, QueueConsumer, Verdict, rejected
from adapters.amqp.topology import QueueType, Topology, TopologyNames

Message = TypeVar("Message", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Unverified:
    """Why a broker user is no sender this queue takes messages from.

    ``reason`` is the dead letter's reason after the worker's namespace:
    ``sender_unverified: user_id names no municipality's broker user``.
    """

    reason: str


SenderCheck = Callable[[str | None], "str | Unverified"]
"""The broker-checked ``user_id`` -> the party it speaks for (``19``, ``central.keds``) or
why it speaks for none."""

MessageHandler = Callable[[Delivery, str, Message], Outcome]
"""(delivery, verified sender, parsed message) -> what the consumer does with the message."""


class WorkerOptions(TypedDict, total=False):
    """How a consumer worker is deployed, the same keywords for every consumer.

    ``municipality_codes`` given (with ``central_institutions``), the worker declares the
    whole topology at every (re)connect, so its queue exists whichever process comes first.
    """

    municipality_codes: Sequence[str] | None
    central_institutions: Sequence[str]
    queue_type: QueueType
    prefetch: int
    retry_delay_s: float
    max_backoff_s: float


@dataclass(frozen=True, slots=True)
class Rejections:
    """How one worker logs what it dead-letters: ``<namespace>.rejected``, with its fields."""

    namespace: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, delivery: Delivery, reason: str, **context: str) -> Outcome:
        return rejected(
            delivery, f"{self.namespace}.rejected", reason, **{**self.fields, **context}
        )


def validation_summary(error: ValidationError) -> str:
    """Which fields failed and why, without echoing the values (they may be personal)."""
    parts = [
        f"{'.'.join(str(item) for item in detail['loc']) or '<root>'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)[:5]
    ]
    return "; ".join(parts)


class ConsumerWorker(Generic[Message]):
    """Consumes ``queue``: sender checked, ``contract`` parsed, then ``handler``.

    One ``QueueConsumer`` in its own thread, on its own connection; ``start``, ``stop``
    and ``health`` are what bootstrap and readiness need. ``on_verdict`` (optional) hears
    every message's verdict, RETRY for a handler that raised: the status consumer's metrics.
    A consumer of the gateway passes its own ``WorkerOptions`` through unchanged.
    """

    def __init__(
        self,
        amqp_url: str,
        queue: str,
        contract: type[Message],
        handler: MessageHandler[Message],
        *,
        senders: SenderCheck,
        rejections: Rejections,
        names: TopologyNames,
        name: str,
        on_verdict: Callable[[Verdict], None] | None = None,
        **options: Unpack[WorkerOptions],
    ) -> None:
        self._contract = contract
        self._handler = handler
        self._senders = senders
        self._reject = rejections
        self._on_verdict = on_verdict
        self.thread_name = f"{name}-consumer"
        codes = options.get("municipality_codes")
        topology = (
            Topology.build(
                codes,
                options.get("central_institutions", ()),
                names=names,
                queue_type=options.get("queue_type", "quorum"),
            )
            if codes is not None
            else None
        )
        self._consumer = QueueConsumer(
            connection_parameters(amqp_url, name=f"ekomunat-gateway-{name}"),
            queue,
            self._observed,
            dead_letter_exchange=names.dead_letter_exchange,
            prefetch=options.get("prefetch", 50),
            retry_delay_s=options.get("retry_delay_s", 2.0),
            max_backoff_s=options.get("max_backoff_s", 15.0),
            topology=topology,
            name=name,
        )

    def handle(self, delivery: Delivery) -> Outcome:
        """Check the sender and the contract, then let the handler decide."""
        sender = self._senders(delivery.sender)
        if isinstance(sender, Unverified):
            return self._reject(delivery, f"{self._reject.namespace}.{sender.reason}")
        try:
            message = self._contract.model_validate_json(delivery.body)
        except ValidationError as exc:
            return self._reject(
                delivery, f"{self._reject.namespace}.invalid_message: {validation_summary(exc)}"
            )
        return self._handler(delivery, sender, message)

    def _observed(self, delivery: Delivery) -> Outcome:
        if self._on_verdict is None:
            return self.handle(delivery)
        try:
            outcome = self.handle(delivery)
        except Exception:
            self._on_verdict(Verdict.RETRY)
            raise
        self._on_verdict(outcome.verdict)
        return outcome

    def start(self) -> None:
        self._consumer.start(self.thread_name)

    def stop(self, timeout: float = 10.0) -> None:
        self._consumer.stop(timeout)

    def run_forever(self) -> None:
        """Consume in the calling thread until ``stop`` (a process of its own)."""
        self._consumer.run()

    @property
    def connected(self) -> bool:
        return self._consumer.connected

    def health(self) -> dict[str, Any]:
        return dict(self._consumer.health())
