"""``ekomunat-gateway``: the one command operators and developers run.

Sub-commands: ``serve`` (the HTTP gateway), ``demo`` (the gateway with its sandbox
registries, requests flowing end to end), ``sandbox`` (the registry simulators alone),
``catalogue check`` and ``routes check`` (refuse a broken file, naming file, line and key).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from contracts.located_yaml import ConfigFileError
from gateway.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.bootstrap import bootstrap
    from gateway.logging import configure_logging

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    configure_logging(settings)
    try:
        # Checked before the server binds, so a broken file stops the start with its reasons.
        gateway = bootstrap(settings)
    except ConfigFileError as exc:
        sys.stderr.write(f"the gateway cannot start:\n{exc}\n")
        return 1
    app = create_app(settings, gateway=gateway)
    base = f"http://{settings.host}:{settings.port}"
    sys.stderr.write(
        f"eKomunat Gateway on {base}\n  API docs: {base}/docs\n  OpenAPI:  {base}/openapi.json\n"
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    return 0


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
    from sandbox.launcher import main as sandbox_main

    return int(sandbox_main(args.rest) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ekomunat-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP gateway")
    serve.add_argument("--host", help="bind address (default GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default GATEWAY_PORT or 8000)")
    serve.set_defaults(handler=_serve)

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

    sandbox = commands.add_parser(
        "sandbox", help="run the sandbox registries (arguments go to the sandbox launcher)"
    )
    sandbox.add_argument("rest", nargs=argparse.REMAINDER)
    sandbox.set_defaults(handler=_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
