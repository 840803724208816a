"""The RabbitMQ topology of eKomunat: one value, declared at every (re)connect or printed.

::

    ekomunat.requests (topic) --<code>.#--------> ekomunat.<code>          one per municipality
                              --central.<id>.#--> ekomunat.central.<id>    one per central body
                              --mapl.acts.#-----> ekomunat.mapl.acts       the ministry's queue
    ekomunat.status           (topic) --#-------> gateway.status           application status
    ekomunat.complaint-status (topic) --#-------> gateway.complaint-status answers to complaints
    ekomunat.act-review       (topic) --#-------> gateway.act-review       the ministry's decisions
    ekomunat.dlx              (fanout) ---------> ekomunat.dead            all dead letters

Routing keys are ``<municipality>.<service>`` on the requests exchange (a complaint:
``<code>.complaint.<category>`` or ``central.<id>.complaint.<category>``; an act:
``mapl.acts.<municipality>.<action>``) and ``<sender's prefix>.<status>`` on the answers'
exchanges. Each kind of answer has its own exchange, so no consumer ever sees another's.
Every queue dead-letters to ``ekomunat.dlx``; the parties' queues also dead-letter a message
redelivered too many times (a back-office that crashes on it), so one poison message cannot
block a municipality.

``Topology.build`` lays it out from the catalogue (``layout``), ``declare`` applies it
idempotently (``declare``), ``describe`` prints it, ``TopologyNames`` spells every name behind
an optional prefix (``names``: a private copy beside the real one, for tests and staging),
and ``users`` makes each party's broker user, limited to its own queue and its own keys.
``migrate`` (imported from its module: it reads the consumer's headers) redeclares the
queues of an existing deployment whose arguments changed, with their messages.
"""

from adapters.amqp.topology.declare import apply_topology, declare
from adapters.amqp.topology.layout import (
    ACT_REVIEW,
    APPLICATIONS,
    COMPLAINTS,
    MUNICIPAL_DELIVERY_LIMIT,
    SINGLE_ACTIVE_CONSUMER,
    Binding,
    Declaration,
    ExchangeDeclaration,
    QueueDeclaration,
    QueueType,
    Topology,
    TopologyPart,
    describe,
)
from adapters.amqp.topology.names import ActReviewNames, ComplaintNames, TopologyNames
from adapters.amqp.topology.users import (
    BrokerCommandFailed,
    apply_commands,
    central_institution_user_commands,
    ministry_user_commands,
    municipal_complaint_permission_commands,
    municipal_party_commands,
    municipality_user_commands,
)

__all__ = [
    "ACT_REVIEW",
    "APPLICATIONS",
    "COMPLAINTS",
    "MUNICIPAL_DELIVERY_LIMIT",
    "SINGLE_ACTIVE_CONSUMER",
    "ActReviewNames",
    "Binding",
    "BrokerCommandFailed",
    "ComplaintNames",
    "Declaration",
    "ExchangeDeclaration",
    "QueueDeclaration",
    "QueueType",
    "Topology",
    "TopologyNames",
    "TopologyPart",
    "apply_commands",
    "apply_topology",
    "central_institution_user_commands",
    "declare",
    "describe",
    "ministry_user_commands",
    "municipal_complaint_permission_commands",
    "municipal_party_commands",
    "municipality_user_commands",
]
