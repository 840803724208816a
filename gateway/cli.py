"""``ekomunat-gateway``: the one command operators and developers run.

Sub-commands: ``serve`` (the HTTP gateway, in one or N worker processes), ``consumers`` (the
status, complaint-answer and act-review consumers and the callback sender, without the HTTP
API), ``demo`` (the gateway with its sandbox
registries, requests flowing end to end), ``sandbox`` (the registry simulators alone),
``relay`` (the outbox relay alone), ``backoffice`` (a sandbox municipal back-office),
``ministry`` (the sandbox ministry reviewing municipal acts), ``topology`` (print or apply
the RabbitMQ topology; broker users per municipality and for the ministry),
``catalogue check`` and ``routes check`` (refuse a broken file, naming file, line and key).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from contracts.located_yaml import ConfigFileError
from gateway.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from gateway.bootstrap import bootstrap
    from gateway.development_credentials import ProductionRefused
    from gateway.logging import configure_logging
    from gateway.serving import serve_one, serve_workers

    overrides = {
        k: v
        for k, v in (("host", args.host), ("port", args.port), ("workers", args.workers))
        if v is not None
    }
    settings = Settings(**overrides)
    configure_logging(settings)
    try:
        # Checked before the server binds, so a broken file stops the start with its reasons.
        gateway = bootstrap(settings)
    except (ConfigFileError, ProductionRefused) as exc:
        sys.stderr.write(f"the gateway cannot start:\n{exc}\n")
        return 1
    base = f"http://{settings.host}:{settings.port}"
    processes = f"  workers:  {settings.workers}\n" if settings.workers > 1 else ""
    sys.stderr.write(
        f"eKomunat Gateway on {base}\n  API docs: {base}/docs\n  OpenAPI:  {base}/openapi.json\n"
        + processes
    )
    if settings.workers > 1:
        serve_workers(settings, gateway, settings.workers)
    else:
        serve_one(settings, gateway)
    return 0


def _consumers(_args: argparse.Namespace) -> int:
    from gateway.consumers import run

    return run()


def _demo(args: argparse.Namespace) -> int:
    from gateway.demo import run_demo

    return run_demo(keep_running=not args.exit, wait_s=args.wait)


def _catalogue_check(_args: argparse.Namespace) -> int:
    from contracts.catalogue import load_catalogue

    settings = Settings()
    try:
        catalogue = load_catalogue(settings.catalogue_dir)
    except ConfigFileError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write(
        f"catalogue ok: {len(catalogue.services)} services, "
        f"{len(catalogue.municipalities)} municipalities\n"
    )
    return 0


def _routes_check(_args: argparse.Namespace) -> int:
    from contracts.catalogue import load_catalogue
    from gateway.bootstrap import build_routing

    settings = Settings()
    try:
        catalogue = load_catalogue(settings.catalogue_dir)
        table, _registries = build_routing(settings, catalogue)
    except ConfigFileError as exc:
        sys.stderr.write(f"routing refused:\n{exc}\n")
        return 1
    sys.stdout.write(table.describe() + "\n")
    sys.stdout.write(
        f"routing ok: {len(table.routes)} routes over {len(table.registries)} registries, "
        f"{len(table.clients)} clients\n"
    )
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from sandbox.launcher import run

    return run(args)


def _logs(args: argparse.Namespace) -> int:
    from gateway.ops.log_follow import LogFilter, run

    log_filter = LogFilter(
        request_id=args.request_id,
        service=args.service,
        municipality=args.municipality,
        outcome=args.outcome,
        hop=args.hop,
        everything=args.all,
    )
    return run(args.source, log_filter, follow=args.follow, colour_choice=args.color)


def _topology(args: argparse.Namespace) -> int:
    import os

    from adapters.amqp.admin import virtual_host
    from adapters.amqp.topology import (
        TopologyNames,
        apply_commands,
        apply_topology,
        describe,
        ministry_user_commands,
        municipal_party_commands,
    )
    from gateway.broker_topology import deployment_topology

    settings = Settings()
    topology, municipalities, central = deployment_topology(settings)
    if args.action == "print":
        sys.stdout.write(describe(topology))
        return 0
    if args.action == "apply":
        apply_topology(settings.amqp_url, topology)
        sys.stdout.write(
            f"topology applied for {municipalities} municipalities, "
            f"{central} central institutions and the ministry's review of acts\n"
        )
        return 0
    if args.action == "migrate":
        from adapters.amqp.topology.migrate import migrate

        for queue in migrate(settings.amqp_url, topology):
            sys.stdout.write(f"queue {queue.name} redeclared, {queue.moved} messages kept\n")
        sys.stdout.write("topology migrated\n")
        return 0
    password = os.environ.get("GATEWAY_MUNICIPALITY_PASSWORD") or "<password>"
    # The users' rights belong in the vhost the gateway itself uses, not in the broker's "/".
    names = TopologyNames(args.prefix)
    vhost = virtual_host(settings.amqp_url)
    if args.action == "ministry-user":
        commands = ministry_user_commands(password, names=names, vhost=vhost)
        who = "the ministry (legality review of acts)"
    else:
        commands = municipal_party_commands(args.municipality, password, names=names, vhost=vhost)
        who = f"municipality {args.municipality}"
    if args.apply:
        if password == "<password>":
            sys.stderr.write("set GATEWAY_MUNICIPALITY_PASSWORD to apply\n")
            return 1
        apply_commands(commands)
        sys.stdout.write(f"broker user for {who} applied\n")
    else:
        sys.stdout.write("".join(" ".join(command) + "\n" for command in commands))
    return 0


def _relay(args: argparse.Namespace) -> int:
    from contracts.catalogue import load_catalogue
    from gateway.relay import run

    if not args.municipalities:
        args.municipalities = ",".join(load_catalogue(Settings().catalogue_dir).municipality_codes)
    run(args)
    return 0


def _backoffice(args: argparse.Namespace) -> int:
    from sandbox.backoffice import run

    run(args)
    return 0


def _ministry(args: argparse.Namespace) -> int:
    from sandbox.ministry import run

    run(args)
    return 0


def _audit(args: argparse.Namespace) -> int:
    from gateway.audit.command import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ekomunat-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)

    serve = commands.add_parser("serve", help="run the HTTP gateway")
    serve.add_argument("--host", help="bind address (default GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default GATEWAY_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes on the one port (default GATEWAY_WORKERS or 1)",
    )
    serve.set_defaults(handler=_serve)

    consumers = commands.add_parser(
        "consumers",
        help="run the status, complaint-answer and act-review consumers and the callback "
        "sender, without the HTTP API",
    )
    consumers.set_defaults(handler=_consumers)

    demo = commands.add_parser(
        "demo", help="sandbox registries, the gateway, back-offices and a portal client, end to end"
    )
    demo.add_argument("--exit", action="store_true", help="stop after the sample requests")
    demo.add_argument("--wait", type=float, default=30.0, help="seconds to follow async requests")
    demo.set_defaults(handler=_demo)

    catalogue = commands.add_parser("catalogue", help="catalogue tools")
    catalogue_commands = catalogue.add_subparsers(dest="action", required=True)
    check = catalogue_commands.add_parser("check", help="load and check the catalogue")
    check.set_defaults(handler=_catalogue_check)

    routes = commands.add_parser("routes", help="routing.yaml tools")
    routes_commands = routes.add_subparsers(dest="action", required=True)
    routes_check = routes_commands.add_parser(
        "check", help="check routing.yaml against the catalogue and contracts; print the table"
    )
    routes_check.set_defaults(handler=_routes_check)

    logs = commands.add_parser(
        "logs", help="read or follow the JSON routing log as readable, coloured lines"
    )
    logs.add_argument("source", nargs="?", default="-", help="log file, or - for stdin")
    logs.add_argument("-f", "--follow", action="store_true", help="keep reading as it grows")
    logs.add_argument("--request-id", help="the gateway's or the HTTP exchange's request id")
    logs.add_argument("--service", help="service code")
    logs.add_argument("--municipality", help="KAS code, 01-38")
    logs.add_argument("--outcome", help="found, refused, accepted, dead_lettered, …")
    logs.add_argument(
        "--hop",
        help="received, validated, registry_call, rule, published, … (a request's line is "
        "kept when any of its hops is that hop)",
    )
    logs.add_argument("--all", action="store_true", help="every line, not only hops")
    logs.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    logs.set_defaults(handler=_logs)

    topology = commands.add_parser(
        "topology", help="the RabbitMQ topology: print, apply or migrate"
    )
    topology_commands = topology.add_subparsers(dest="action", required=True)
    topology_commands.add_parser("print", help="print exchanges, queues and bindings")
    topology_commands.add_parser("apply", help="declare them on GATEWAY_AMQP_URL (idempotent)")
    topology_commands.add_parser(
        "migrate",
        help="redeclare queues whose arguments changed, messages kept (consumers stopped)",
    )
    users = topology_commands.add_parser(
        "user", help="rabbitmqctl commands for one municipality's own broker user"
    )
    users.add_argument("municipality", help="KAS code, 01-38")
    ministry = topology_commands.add_parser(
        "ministry-user", help="rabbitmqctl commands for the reviewing ministry's broker user"
    )
    for user_command in (users, ministry):
        user_command.add_argument(
            "--apply",
            action="store_true",
            help="run them, idempotently (password: GATEWAY_MUNICIPALITY_PASSWORD), in the "
            "vhost of GATEWAY_AMQP_URL",
        )
        user_command.add_argument(
            "--prefix", default="", help="name prefix of a private topology (staging, tests)"
        )
    topology.set_defaults(handler=_topology)

    for name, module, handler, summary in MODULE_COMMANDS:
        command = commands.add_parser(name, help=summary, description=summary, options_of=module)
        command.set_defaults(handler=handler)
    return parser


class CommandParser(argparse.ArgumentParser):
    """A sub-command's parser; one that starts a module takes that module's own options.

    The module's ``add_arguments`` defines them once, for ``python -m <module>`` and for this
    command alike. It is imported only when its command is parsed: the relay and the sandbox
    cost a second or two to import, and ``logs`` or ``routes check`` must not wait for that.
    """

    def __init__(self, *args: Any, options_of: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._options_of = options_of

    # One plain signature for typeshed's three overloads (generic in the namespace's type):
    # the commands use argparse.Namespace only.
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._options_of is not None:
            module, self._options_of = importlib.import_module(self._options_of), None
            module.add_arguments(self)
        return super().parse_known_args(args, namespace)


MODULE_COMMANDS = (
    (
        "relay",
        "gateway.relay",
        _relay,
        "run the outbox relay alone (scale-out); it declares every catalogue municipality's "
        "queue unless --municipalities says which",
    ),
    ("backoffice", "sandbox.backoffice", _backoffice, "run a sandbox municipal back-office"),
    (
        "ministry",
        "sandbox.ministry",
        _ministry,
        "run the sandbox ministry that reviews municipal acts (MAPL)",
    ),
    (
        "sandbox",
        "sandbox.launcher",
        _sandbox,
        "run the sandbox registries and transparency sources alone",
    ),
    ("audit", "gateway.audit.command", _audit, "the audit log: verify its chain and checkpoints"),
)
"""(command, module whose ``add_arguments`` gives its options, handler, summary)."""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
