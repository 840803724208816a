"""The topology as one value: every exchange, queue and binding, built from the catalogue.

``Topology.build`` takes what the catalogue knows (the municipality codes, the central
institutions) and lays out each feature's part in turn: applications, complaints, the
legality review of acts. Within a part, exchanges come before the queues bound to them,
and the parts come in that order, so declaring front to back always works.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from adapters.amqp.topology.names import INSTITUTION_ID, MUNICIPALITY_CODE, TopologyNames

QueueType = Literal["quorum", "classic"]

MUNICIPAL_DELIVERY_LIMIT = 10
"""Redeliveries after which a back-office's queue dead-letters a message it keeps crashing on."""

SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer"
"""On the queues the gateway consumes: the broker delivers to one consumer only, in queue
order, and hands the queue to the next subscriber when that one's channel goes (issue 19).
Two instances competing for one queue recorded a request's "approved" before its "in review"
and dead-lettered it as an illegal move; with one active consumer, order is the queue's."""

APPLICATIONS = "applications"
COMPLAINTS = "complaints"
ACT_REVIEW = "act-review"


@dataclass(frozen=True, slots=True)
class ExchangeDeclaration:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class QueueDeclaration:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Binding:
    queue: str
    exchange: str
    routing_key: str


Declaration = ExchangeDeclaration | QueueDeclaration | Binding


@dataclass(frozen=True, slots=True)
class TopologyPart:
    """One feature's exchanges, queues and bindings, in declaring order."""

    feature: str
    declarations: tuple[Declaration, ...]


@dataclass(frozen=True, slots=True)
class Topology:
    """Everything the gateway declares on the broker, under one set of names."""

    names: TopologyNames
    parts: tuple[TopologyPart, ...]

    @classmethod
    def build(
        cls,
        municipality_codes: Iterable[str],
        central_institutions: Iterable[str] = (),
        *,
        names: TopologyNames | None = None,
        queue_type: QueueType = "quorum",
    ) -> Topology:
        """The whole topology for these municipalities and central institutions.

        Raises ``ValueError`` for a municipality code that is not two digits or an
        institution id that is not lower-case words: either would make a queue name no
        broker user's permissions match.
        """
        codes = sorted(set(municipality_codes))
        for code in codes:
            if not MUNICIPALITY_CODE.fullmatch(code):
                raise ValueError(f"municipality codes are two digits, got {code!r}")
        institutions = sorted(set(central_institutions))
        for institution in institutions:
            if not INSTITUTION_ID.fullmatch(institution):
                raise ValueError(
                    f"central institution ids are lower-case words, got {institution!r}"
                )
        layout = _Layout(names or TopologyNames(), queue_type)
        return cls(
            layout.names,
            (
                TopologyPart(APPLICATIONS, layout.applications(codes)),
                TopologyPart(COMPLAINTS, layout.complaints(institutions)),
                TopologyPart(ACT_REVIEW, layout.act_review()),
            ),
        )

    @property
    def declarations(self) -> tuple[Declaration, ...]:
        """Every declaration, in an order that always works."""
        return tuple(item for part in self.parts for item in part.declarations)

    def part(self, feature: str) -> tuple[Declaration, ...]:
        """One feature's declarations (``APPLICATIONS``, ``COMPLAINTS``, ``ACT_REVIEW``)."""
        for part in self.parts:
            if part.feature == feature:
                return part.declarations
        raise KeyError(feature)

    @property
    def exchanges(self) -> tuple[ExchangeDeclaration, ...]:
        return tuple(item for item in self.declarations if isinstance(item, ExchangeDeclaration))

    @property
    def queues(self) -> tuple[QueueDeclaration, ...]:
        return tuple(item for item in self.declarations if isinstance(item, QueueDeclaration))

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return tuple(item for item in self.declarations if isinstance(item, Binding))


@dataclass(frozen=True, slots=True)
class _Layout:
    """How each part is laid out; the two kinds of queue are the only arrangements there are."""

    names: TopologyNames
    queue_type: QueueType

    def _gateway_queue(self, name: str, exchange: str) -> tuple[Declaration, ...]:
        """A queue the gateway consumes, taking everything on ``exchange``, one consumer at a
        time: every instance subscribes, the broker delivers to one (``SINGLE_ACTIVE_CONSUMER``)."""
        arguments = {
            **self._arguments(dead_letter_exchange=self.names.dead_letter_exchange),
            SINGLE_ACTIVE_CONSUMER: True,
        }
        return (QueueDeclaration(name, arguments), Binding(name, exchange, "#"))

    def _party_queue(self, name: str, routing_key: str) -> tuple[Declaration, ...]:
        """A queue a party's back-office consumes, fed from the requests exchange; a message
        redelivered too often is dead-lettered, so one poison message blocks nobody."""
        arguments = self._arguments(
            dead_letter_exchange=self.names.dead_letter_exchange,
            delivery_limit=MUNICIPAL_DELIVERY_LIMIT,
        )
        return (
            QueueDeclaration(name, arguments),
            Binding(name, self.names.requests_exchange, routing_key),
        )

    def _arguments(
        self, *, dead_letter_exchange: str | None = None, delivery_limit: int | None = None
    ) -> dict[str, Any]:
        arguments: dict[str, Any] = {"x-queue-type": self.queue_type}
        if dead_letter_exchange is not None:
            arguments["x-dead-letter-exchange"] = dead_letter_exchange
        if delivery_limit is not None and self.queue_type == "quorum":
            arguments["x-delivery-limit"] = delivery_limit
        return arguments

    def applications(self, codes: list[str]) -> tuple[Declaration, ...]:
        names = self.names
        items: list[Declaration] = [
            ExchangeDeclaration(names.requests_exchange, "topic"),
            ExchangeDeclaration(names.status_exchange, "topic"),
            ExchangeDeclaration(names.dead_letter_exchange, "fanout"),
            QueueDeclaration(names.dead_letter_queue, self._arguments()),
            Binding(names.dead_letter_queue, names.dead_letter_exchange, ""),
            *self._gateway_queue(names.status_queue, names.status_exchange),
        ]
        for code in codes:
            items += self._party_queue(names.municipality_queue(code), f"{code}.#")
        return tuple(items)

    def complaints(self, institutions: list[str]) -> tuple[Declaration, ...]:
        names = self.names
        items: list[Declaration] = [
            ExchangeDeclaration(names.complaint_status_exchange, "topic"),
            *self._gateway_queue(names.complaint_status_queue, names.complaint_status_exchange),
        ]
        for institution in institutions:
            items += self._party_queue(names.central_queue(institution), f"central.{institution}.#")
        return tuple(items)

    def act_review(self) -> tuple[Declaration, ...]:
        names = self.names
        return (
            ExchangeDeclaration(names.act_decision_exchange, "topic"),
            *self._gateway_queue(names.act_decision_queue, names.act_decision_exchange),
            *self._party_queue(names.ministry_queue, names.act_submission_binding),
        )


def describe(topology: Topology) -> str:
    """The topology as text, one declaration per line (``ekomunat-gateway topology print``)."""
    lines = []
    for item in topology.declarations:
        if isinstance(item, ExchangeDeclaration):
            lines.append(f"exchange {item.name} type={item.type} durable")
        elif isinstance(item, QueueDeclaration):
            arguments = " ".join(f"{key}={value}" for key, value in item.arguments.items())
            lines.append(f"queue    {item.name} durable {arguments}")
        else:
            key = item.routing_key or '""'
            lines.append(f"binding  {item.exchange} -> {item.queue} key={key}")
    return "\n".join(lines) + "\n"
