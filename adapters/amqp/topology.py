"""The RabbitMQ topology of eKomunat: one list of declarations, printed or applied.

::

    ekomunat.requests (topic) --<code>.#--> ekomunat.<code>   one quorum queue per municipality
    ekomunat.status   (topic) --#--------> gateway.status    status updates for the gateway
    ekomunat.dlx      (fanout) ----------> ekomunat.dead     dead letters of every queue above

Routing keys are ``<municipality>.<service>`` on the requests exchange and
``<municipality>.<status>`` on the status exchange. Every queue dead-letters to
``ekomunat.dlx``; municipal queues also dead-letter a message redelivered too many times (a
back-office that crashes on it), so one poison message cannot block a municipality.

Declaring is idempotent: the gateway declares at every (re)connect, the CLI can apply it,
and ``describe`` prints it for operators. ``TopologyNames.prefix`` puts a whole private copy
of the topology beside the real one (tests, staging on a shared broker).

Each municipality may get its own broker user that can only read its own queue and publish
status updates whose routing key starts with its own code: ``municipality_user_commands``
prints the ``rabbitmqctl`` commands that create it.

Complaints and the legality review of municipal acts add their parts below;
``full_declarations`` is all of it, what the relay declares and ``topology print`` shows.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pika
from pika.adapters.blocking_connection import BlockingChannel

from contracts.act_messages import REVIEWER

QueueType = Literal["quorum", "classic"]

MUNICIPAL_DELIVERY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class TopologyNames:
    """Exchange, queue and user names, optionally behind a prefix."""

    prefix: str = ""

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


def _queue_arguments(
    queue_type: QueueType, *, dead_letter_exchange: str | None, delivery_limit: int | None
) -> dict[str, Any]:
    arguments: dict[str, Any] = {"x-queue-type": queue_type}
    if dead_letter_exchange is not None:
        arguments["x-dead-letter-exchange"] = dead_letter_exchange
    if delivery_limit is not None and queue_type == "quorum":
        arguments["x-delivery-limit"] = delivery_limit
    return arguments


def declarations(
    municipality_codes: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> list[Declaration]:
    """Everything to declare, in an order that always works (exchanges, queues, bindings)."""
    names = names or TopologyNames()
    codes = sorted(set(municipality_codes))
    for code in codes:
        if not re.fullmatch(r"[0-9]{2}", code):
            raise ValueError(f"municipality codes are two digits, got {code!r}")
    dlx = names.dead_letter_exchange
    items: list[Declaration] = [
        ExchangeDeclaration(names.requests_exchange, "topic"),
        ExchangeDeclaration(names.status_exchange, "topic"),
        ExchangeDeclaration(dlx, "fanout"),
        QueueDeclaration(
            names.dead_letter_queue,
            _queue_arguments(queue_type, dead_letter_exchange=None, delivery_limit=None),
        ),
        Binding(names.dead_letter_queue, dlx, ""),
        QueueDeclaration(
            names.status_queue,
            _queue_arguments(queue_type, dead_letter_exchange=dlx, delivery_limit=None),
        ),
        Binding(names.status_queue, names.status_exchange, "#"),
    ]
    for code in codes:
        queue = names.municipality_queue(code)
        items.append(
            QueueDeclaration(
                queue,
                _queue_arguments(
                    queue_type, dead_letter_exchange=dlx, delivery_limit=MUNICIPAL_DELIVERY_LIMIT
                ),
            )
        )
        items.append(Binding(queue, names.requests_exchange, f"{code}.#"))
    return items


def declare(
    channel: BlockingChannel,
    municipality_codes: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> None:
    """Declare the whole topology on an open channel; a no-op where it already exists.

    A queue that exists with other arguments (say, classic where quorum is asked for) makes
    the broker close the channel with PRECONDITION_FAILED: the operator must migrate it.
    """
    for item in declarations(municipality_codes, names=names, queue_type=queue_type):
        if isinstance(item, ExchangeDeclaration):
            channel.exchange_declare(item.name, exchange_type=item.type, durable=True)
        elif isinstance(item, QueueDeclaration):
            channel.queue_declare(item.name, durable=True, arguments=item.arguments)
        else:
            channel.queue_bind(item.queue, item.exchange, routing_key=item.routing_key)


def apply_topology(
    amqp_url: str,
    municipality_codes: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> None:
    """Connect, declare everything, disconnect: the CLI's ``topology --apply``."""
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        declare(connection.channel(), municipality_codes, names=names, queue_type=queue_type)


def declarer(
    municipality_codes: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> Callable[[BlockingChannel], None]:
    """``declare`` bound to its arguments, for workers that declare at every reconnect."""
    codes = list(municipality_codes)

    def declare_on(channel: BlockingChannel) -> None:
        declare(channel, codes, names=names, queue_type=queue_type)

    return declare_on


def describe(
    municipality_codes: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> str:
    """The topology as text, one declaration per line (``ekomunat-gateway topology``)."""
    return describe_items(declarations(municipality_codes, names=names, queue_type=queue_type))


def describe_items(items: Iterable[Declaration]) -> str:
    """Declarations as text, one per line (``ekomunat-gateway topology print``)."""
    lines = []
    for item in items:
        if isinstance(item, ExchangeDeclaration):
            lines.append(f"exchange {item.name} type={item.type} durable")
        elif isinstance(item, QueueDeclaration):
            arguments = " ".join(f"{key}={value}" for key, value in item.arguments.items())
            lines.append(f"queue    {item.name} durable {arguments}")
        else:
            key = item.routing_key or '""'
            lines.append(f"binding  {item.exchange} -> {item.queue} key={key}")
    return "\n".join(lines) + "\n"


def municipality_user_commands(
    code: str, password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating a broker user for one municipality.

    The user may consume only its own queue and publish only to the status exchange with
    routing keys starting ``<code>.``; it may declare nothing. The gateway's status
    consumer trusts the broker-checked ``user_id`` of these users as the sender.
    """
    names = names or TopologyNames()
    user = names.municipality_user(code)
    status_exchange = re.escape(names.status_exchange)
    return [
        ["rabbitmqctl", "add_user", user, password],
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            user,
            "^$",
            f"^{status_exchange}$",
            f"^{re.escape(names.municipality_queue(code))}$",
        ],
        [
            "rabbitmqctl",
            "set_topic_permissions",
            "-p",
            vhost,
            user,
            names.status_exchange,
            f"^{code}\\.",
            "^$",
        ],
    ]


def apply_commands(commands: Sequence[Sequence[str]]) -> None:
    """Run rabbitmqctl commands in order, stopping at the first that fails.

    Applying twice is harmless: an ``add_user`` for a user that already exists sets its
    password instead, so the demo and the tests can (re)create their users at every start.
    """
    for command in commands:
        completed = subprocess.run(list(command), capture_output=True, text=True)
        if completed.returncode != 0 and _user_exists(command, completed.stdout + completed.stderr):
            program, _add_user, user, password = command
            completed = subprocess.run(
                [program, "change_password", user, password], capture_output=True, text=True
            )
        if completed.returncode != 0:
            raise BrokerCommandFailed(command, completed.returncode, completed.stderr)


class BrokerCommandFailed(RuntimeError):
    """A rabbitmqctl command that failed, named without its arguments' secrets.

    ``CalledProcessError`` would carry the whole command line, and ``add_user`` and
    ``change_password`` hold a password there: what reaches a terminal or a log must not.
    """

    def __init__(self, command: Sequence[str], returncode: int, stderr: str) -> None:
        secret_bearing = command[1:2] in (["add_user"], ["change_password"])
        shown = list(command[:3]) if secret_bearing else command
        super().__init__(
            f"{' '.join(shown)} failed with exit status {returncode}: {stderr.strip()}"
        )


def _user_exists(command: Sequence[str], output: str) -> bool:
    return len(command) == 4 and command[1] == "add_user" and "already exists" in output


# Complaints (the Open311 channel), declared beside the topology above:
#
#   ekomunat.requests (topic) --central.<id>.#--> ekomunat.central.<id>   one per central body
#   ekomunat.complaint-status (topic) --#-------> gateway.complaint-status   answers to complaints
#
# A municipality's departments receive complaints in the municipality's own queue (routing
# key <code>.complaint.<category>); a central institution in its own queue. Answers come
# back on their own exchange, so the consumer of application status updates never sees one.

_INSTITUTION_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class ComplaintNames:
    """Names of the complaints' part of the topology, behind the same prefix."""

    names: TopologyNames = TopologyNames()

    @property
    def status_exchange(self) -> str:
        return f"{self.names.prefix}ekomunat.complaint-status"

    @property
    def status_queue(self) -> str:
        return f"{self.names.prefix}gateway.complaint-status"

    def central_queue(self, institution: str) -> str:
        return f"{self.names.prefix}ekomunat.central.{institution}"

    def central_user(self, institution: str) -> str:
        return f"{self.names.prefix}ekomunat-central-{institution}"

    def routing_prefix_of_user(self, user: str | None) -> str | None:
        """``19`` for a municipality's broker user, ``central.<id>`` for a central body's."""
        municipality = self.names.municipality_of_user(user)
        if municipality is not None:
            return municipality
        if user is None:
            return None
        match = re.fullmatch(
            re.escape(self.names.prefix) + r"ekomunat-central-(" + _INSTITUTION_ID.pattern + ")",
            user,
        )
        return f"central.{match.group(1)}" if match else None


def complaint_declarations(
    municipality_codes: Iterable[str],
    central_institutions: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> list[Declaration]:
    """The whole topology plus the complaints' exchange, queue and central queues."""
    names = names or TopologyNames()
    complaint_names = ComplaintNames(names)
    dlx = names.dead_letter_exchange
    items = declarations(municipality_codes, names=names, queue_type=queue_type)
    items += [
        ExchangeDeclaration(complaint_names.status_exchange, "topic"),
        QueueDeclaration(
            complaint_names.status_queue,
            _queue_arguments(queue_type, dead_letter_exchange=dlx, delivery_limit=None),
        ),
        Binding(complaint_names.status_queue, complaint_names.status_exchange, "#"),
    ]
    for institution in sorted(set(central_institutions)):
        if not _INSTITUTION_ID.fullmatch(institution):
            raise ValueError(f"central institution ids are lower-case words, got {institution!r}")
        queue = complaint_names.central_queue(institution)
        items.append(
            QueueDeclaration(
                queue,
                _queue_arguments(
                    queue_type, dead_letter_exchange=dlx, delivery_limit=MUNICIPAL_DELIVERY_LIMIT
                ),
            )
        )
        items.append(Binding(queue, names.requests_exchange, f"central.{institution}.#"))
    return items


def declare_items(channel: BlockingChannel, items: Iterable[Declaration]) -> None:
    """Declare a list of declarations on an open channel (idempotent, like ``declare``)."""
    for item in items:
        if isinstance(item, ExchangeDeclaration):
            channel.exchange_declare(item.name, exchange_type=item.type, durable=True)
        elif isinstance(item, QueueDeclaration):
            channel.queue_declare(item.name, durable=True, arguments=item.arguments)
        else:
            channel.queue_bind(item.queue, item.exchange, routing_key=item.routing_key)


def complaint_declarer(
    municipality_codes: Iterable[str],
    central_institutions: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> Callable[[BlockingChannel], None]:
    """``complaint_declarations`` applied at every (re)connect of a worker."""
    items = complaint_declarations(
        municipality_codes, central_institutions, names=names, queue_type=queue_type
    )

    def declare_on(channel: BlockingChannel) -> None:
        declare_items(channel, items)

    return declare_on


def central_institution_user_commands(
    institution: str, password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating the broker user of one central institution.

    It may consume only its own queue and publish only complaint status updates whose
    routing key starts ``central.<institution>.``; the complaint consumer trusts its
    broker-checked ``user_id`` as the sender.
    """
    names = names or TopologyNames()
    complaint_names = ComplaintNames(names)
    user = complaint_names.central_user(institution)
    return [
        ["rabbitmqctl", "add_user", user, password],
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            user,
            "^$",
            f"^{re.escape(complaint_names.status_exchange)}$",
            f"^{re.escape(complaint_names.central_queue(institution))}$",
        ],
        [
            "rabbitmqctl",
            "set_topic_permissions",
            "-p",
            vhost,
            user,
            complaint_names.status_exchange,
            f"^central\\.{re.escape(institution)}\\.",
            "^$",
        ],
    ]


def municipal_complaint_permission_commands(
    code: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """Let a municipality's broker user (``municipality_user_commands``) answer complaints.

    ``set_permissions`` replaces a user's permissions, so these repeat the user's own and
    add the complaint status exchange; run them after ``municipality_user_commands``.
    """
    names = names or TopologyNames()
    complaint_names = ComplaintNames(names)
    user = names.municipality_user(code)
    exchanges = "|".join(
        re.escape(name) for name in (names.status_exchange, complaint_names.status_exchange)
    )
    return [
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            user,
            "^$",
            f"^({exchanges})$",
            f"^{re.escape(names.municipality_queue(code))}$",
        ],
        [
            "rabbitmqctl",
            "set_topic_permissions",
            "-p",
            vhost,
            user,
            complaint_names.status_exchange,
            f"^{code}\\.",
            "^$",
        ],
    ]


def municipal_party_commands(
    code: str, password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """Everything a municipality's broker user needs: ``municipality_user_commands`` with the
    right to answer complaints too. What ``ekomunat-gateway topology user CODE`` runs, and
    what the demo and the tests create for each back-office."""
    add_user, _status_only, status_topic = municipality_user_commands(
        code, password, names=names, vhost=vhost
    )
    both, complaint_topic = municipal_complaint_permission_commands(code, names=names, vhost=vhost)
    return [add_user, both, status_topic, complaint_topic]


# Legality review of municipal acts, declared beside the rest:
#
#   ekomunat.requests   (topic) --mapl.acts.#--> ekomunat.mapl.acts   the ministry's queue
#   ekomunat.act-review (topic) --#------------> gateway.act-review   its decisions, for the gateway
#
# Submissions, revisions and withdrawals travel on the requests exchange like every hand-off
# (routing key mapl.acts.<municipality>.<action>), so the relay and the outbox serve them
# unchanged; the ministry's decisions come back on their own exchange, so neither status
# consumer ever sees one.


@dataclass(frozen=True, slots=True)
class ActReviewNames:
    """Names of the legality review's part of the topology, behind the same prefix."""

    names: TopologyNames = TopologyNames()

    @property
    def ministry_queue(self) -> str:
        return f"{self.names.prefix}ekomunat.{REVIEWER}.acts"

    @property
    def submission_binding(self) -> str:
        return f"{REVIEWER}.acts.#"

    @property
    def decision_exchange(self) -> str:
        return f"{self.names.prefix}ekomunat.act-review"

    @property
    def decision_queue(self) -> str:
        return f"{self.names.prefix}gateway.act-review"

    @property
    def ministry_user(self) -> str:
        return f"{self.names.prefix}ekomunat-{REVIEWER}"

    def is_party_user(self, user: str | None) -> bool:
        """A broker user of some eKomunat party (a municipality, an institution, the ministry)."""
        return user is not None and user.startswith(f"{self.names.prefix}ekomunat-")


def act_review_declarations(
    *, names: TopologyNames | None = None, queue_type: QueueType = "quorum"
) -> list[Declaration]:
    """The ministry's queue, its decisions' exchange and the gateway's queue of them."""
    names = names or TopologyNames()
    acts = ActReviewNames(names)
    dlx = names.dead_letter_exchange
    return [
        ExchangeDeclaration(acts.decision_exchange, "topic"),
        QueueDeclaration(
            acts.decision_queue,
            _queue_arguments(queue_type, dead_letter_exchange=dlx, delivery_limit=None),
        ),
        Binding(acts.decision_queue, acts.decision_exchange, "#"),
        QueueDeclaration(
            acts.ministry_queue,
            _queue_arguments(
                queue_type, dead_letter_exchange=dlx, delivery_limit=MUNICIPAL_DELIVERY_LIMIT
            ),
        ),
        Binding(acts.ministry_queue, names.requests_exchange, acts.submission_binding),
    ]


def full_declarations(
    municipality_codes: Iterable[str],
    central_institutions: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> list[Declaration]:
    """Everything: applications, complaints and the legality review of acts."""
    items = complaint_declarations(
        municipality_codes, central_institutions, names=names, queue_type=queue_type
    )
    return items + act_review_declarations(names=names, queue_type=queue_type)


def full_declarer(
    municipality_codes: Iterable[str],
    central_institutions: Iterable[str],
    *,
    names: TopologyNames | None = None,
    queue_type: QueueType = "quorum",
) -> Callable[[BlockingChannel], None]:
    """``full_declarations`` applied at every (re)connect of a worker."""
    items = full_declarations(
        municipality_codes, central_institutions, names=names, queue_type=queue_type
    )

    def declare_on(channel: BlockingChannel) -> None:
        declare_items(channel, items)

    return declare_on


def ministry_user_commands(
    password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating the reviewing ministry's broker user.

    It may consume only the ministry's queue and publish only decisions whose routing key
    starts ``mapl.acts.``; the act review consumer trusts its broker-checked ``user_id`` as
    the ministry, and refuses decisions any other eKomunat user sends.
    """
    names = names or TopologyNames()
    acts = ActReviewNames(names)
    return [
        ["rabbitmqctl", "add_user", acts.ministry_user, password],
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            acts.ministry_user,
            "^$",
            f"^{re.escape(acts.decision_exchange)}$",
            f"^{re.escape(acts.ministry_queue)}$",
        ],
        [
            "rabbitmqctl",
            "set_topic_permissions",
            "-p",
            vhost,
            acts.ministry_user,
            acts.decision_exchange,
            f"^{re.escape(REVIEWER)}\\.acts\\.",
            "^$",
        ],
    ]
