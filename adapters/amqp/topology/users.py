"""Broker users of the parties, and the ``rabbitmqctl`` commands that create them.

Each municipality, central institution and the reviewing ministry gets a user that may read
only its own queue and publish only on its own answers' exchange, under routing keys that
start with its own prefix; none may declare anything. The gateway's consumers trust the
broker-checked ``user_id`` of these users as the sender.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

from adapters.amqp.topology.names import TopologyNames
from contracts.act_messages import REVIEWER


def municipality_user_commands(
    code: str, password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating a broker user for one municipality.

    The user may consume only its own queue and publish only to the status exchange with
    routing keys starting ``<code>.``; it may declare nothing. The gateway's status
    consumer trusts the broker-checked ``user_id`` of these users as the sender.
    """
    names = names or TopologyNames()
    return _party_user_commands(
        names.municipality_user(code),
        password,
        vhost=vhost,
        answers=names.status_exchange,
        own_keys=f"^{code}\\.",
        own_queue=names.municipality_queue(code),
    )


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


def central_institution_user_commands(
    institution: str, password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating the broker user of one central institution.

    It may consume only its own queue and publish only complaint status updates whose
    routing key starts ``central.<institution>.``; the complaint consumer trusts its
    broker-checked ``user_id`` as the sender.
    """
    names = names or TopologyNames()
    return _party_user_commands(
        names.central_user(institution),
        password,
        vhost=vhost,
        answers=names.complaint_status_exchange,
        own_keys=f"^central\\.{re.escape(institution)}\\.",
        own_queue=names.central_queue(institution),
    )


def municipal_complaint_permission_commands(
    code: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """Let a municipality's broker user (``municipality_user_commands``) answer complaints.

    ``set_permissions`` replaces a user's permissions, so these repeat the user's own and
    add the complaint status exchange; run them after ``municipality_user_commands``.
    """
    names = names or TopologyNames()
    user = names.municipality_user(code)
    exchanges = "|".join(
        re.escape(name) for name in (names.status_exchange, names.complaint_status_exchange)
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
            names.complaint_status_exchange,
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


def ministry_user_commands(
    password: str, *, names: TopologyNames | None = None, vhost: str = "/"
) -> list[list[str]]:
    """``rabbitmqctl`` commands creating the reviewing ministry's broker user.

    It may consume only the ministry's queue and publish only decisions whose routing key
    starts ``mapl.acts.``; the act review consumer trusts its broker-checked ``user_id`` as
    the ministry, and refuses decisions any other eKomunat user sends.
    """
    names = names or TopologyNames()
    return _party_user_commands(
        names.ministry_user,
        password,
        vhost=vhost,
        answers=names.act_decision_exchange,
        own_keys=f"^{re.escape(REVIEWER)}\\.acts\\.",
        own_queue=names.ministry_queue,
    )


def _party_user_commands(
    user: str, password: str, *, vhost: str, answers: str, own_keys: str, own_queue: str
) -> list[list[str]]:
    """A party's user: it reads ``own_queue`` only, publishes on ``answers`` only, under
    routing keys matching ``own_keys`` only, and may configure (declare) nothing."""
    return [
        ["rabbitmqctl", "add_user", user, password],
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            user,
            "^$",
            f"^{re.escape(answers)}$",
            f"^{re.escape(own_queue)}$",
        ],
        ["rabbitmqctl", "set_topic_permissions", "-p", vhost, user, answers, own_keys, "^$"],
    ]
