"""`python -m sandbox`: start the registry simulators and say where they listen.

Each registry runs in its own child process on loopback. Once all of them listen, the launcher
prints one line per server, in a form both people and test fixtures can read:

    civil url=http://127.0.0.1:8101/civil-registry wsdl=...?wsdl admin=http://127.0.0.1:8111/_sandbox
    business url=... wsdl=... admin=...
    cadastre url=http://127.0.0.1:8103 openapi=http://127.0.0.1:8103/openapi.yaml admin=...
    treasury url=http://127.0.0.1:8104 openapi=... admin=...   (then procurement, urban_planning,
    ministry_permits: the transparency sources, BASE+4..7, admin BASE+14..17)
    tax url=http://127.0.0.1:8108 openapi=http://127.0.0.1:8108/openapi.yaml admin=...
    sandbox ready seed=20261123 persons=5000

and then waits. SIGINT or SIGTERM stops the children cleanly; if a child dies, the launcher stops
the others and exits non-zero. With ``--exit-with-parent`` (what test fixtures and the demo
pass) it also stops when its own parent goes away (a killed test run), so no orphaned servers
keep the ports; without it, a launcher started with ``&``, ``nohup`` or a service manager keeps
running after the shell that started it exits. ``add_arguments`` and ``main(argv)`` are
importable so the gateway's CLI mounts the same options.
"""

import argparse
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from pydantic import ValidationError

from sandbox.faults import FaultKnobs, parse_knob_assignments
from sandbox.http_app import REGISTRIES, build_registry_app
from sandbox.open_sources import (
    OPEN_SOURCES,
    PORT_OFFSETS,
    build_open_source_server,
    describe_open_source,
)
from sandbox.parent_watch import add_exit_with_parent, parent_alive
from sandbox.seed import DEFAULT_PERSONS, DEFAULT_SEED
from sandbox.server import AppBuilder, ServerAddress, run_server_process
from sandbox.tax_administration import NAME as TAX
from sandbox.tax_administration import PORT_OFFSET as TAX_PORT_OFFSET
from sandbox.tax_administration import build_tax_server, describe_tax

DEFAULT_PORT_BASE = 8100
ADMIN_PORT_OFFSET = 10
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
PATHS = {"civil": "/civil-registry", "business": "/business-registry", "cadastre": ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The launcher's options, on ``python -m sandbox`` and on ``ekomunat-gateway sandbox``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT_BASE", DEFAULT_PORT_BASE)),
        help="civil listens on BASE+1, business BASE+2, cadastre BASE+3, the transparency "
        "sources BASE+4..7, the tax administration BASE+8, their admin ports on BASE+11..18; "
        "0 picks free ports "
        "(default SANDBOX_PORT_BASE or %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the data set")
    parser.add_argument(
        "--persons",
        type=int,
        default=DEFAULT_PERSONS,
        help="number of persons in the civil registry (default %(default)s)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="REGISTRY:KNOB=VALUE",
        help="a fault knob at start, e.g. civil:latency_ms=200 or all:failure_rate=0.1 "
        "(knobs: " + ", ".join(FaultKnobs.model_fields) + "); repeatable",
    )
    add_exit_with_parent(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Start the registry simulators and the transparency sources.",
    )
    add_arguments(parser)
    return parser


def _knobs_per_registry(assignments: list[str]) -> dict[str, FaultKnobs]:
    raw = parse_knob_assignments(assignments)
    unknown = set(raw) - {"all", *SERVERS}
    if unknown:
        raise ValueError(f"unknown registry in --fault: {', '.join(sorted(unknown))}")
    result = {}
    for registry in SERVERS:
        merged = {**raw.get("all", {}), **raw.get(registry, {})}
        result[registry] = FaultKnobs.model_validate(merged)
    return result


def describe(address: ServerAddress) -> str:
    """The one line printed for a started server."""
    origin = f"http://{address.host}:{address.port}"
    admin = f"http://{address.host}:{address.admin_port}/_sandbox"
    url = origin + PATHS[address.registry]
    if address.registry == "cadastre":
        return f"cadastre url={url} openapi={origin}/openapi.yaml admin={admin}"
    return f"{address.registry} url={url} wsdl={url}?wsdl admin={admin}"


@dataclass(frozen=True, slots=True)
class _Server:
    """How the launcher starts one server and prints its line."""

    offset: int
    build: AppBuilder
    describe: Callable[[ServerAddress], str]


SERVERS: dict[str, _Server] = {
    **{
        registry: _Server(offset, build_registry_app, describe)
        for offset, registry in enumerate(REGISTRIES, start=1)
    },
    # The transparency sources (treasury, procurement, urban planning, ministry permits).
    **{
        source: _Server(PORT_OFFSETS[source], build_open_source_server, describe_open_source)
        for source in OPEN_SOURCES
    },
    TAX: _Server(TAX_PORT_OFFSET, build_tax_server, describe_tax),
}
"""Every server the launcher starts, by name, in the order their lines are printed."""


class _Stop:
    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def _stop_children(children: Sequence[multiprocessing.process.BaseProcess]) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join(STOP_TIMEOUT_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Start every server, print where they listen, and wait (see the module's docstring)."""
    parent = os.getppid()  # before the slow start, so an early exit of the parent is seen
    try:
        knobs = _knobs_per_registry(args.fault)
    except (ValueError, ValidationError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    context = multiprocessing.get_context("spawn")
    report: Any = context.Queue()
    stop = _Stop()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    children = []
    try:
        for name, server in SERVERS.items():
            port = args.port_base + server.offset if args.port_base else 0
            admin = args.port_base + ADMIN_PORT_OFFSET + server.offset if args.port_base else 0
            child = context.Process(
                target=run_server_process,
                name=f"sandbox-{name}",
                daemon=False,
                args=(
                    name,
                    args.host,
                    port,
                    admin,
                    args.seed,
                    args.persons,
                    knobs[name].model_dump(),
                    report,
                    server.build,
                ),
            )
            child.start()
            children.append(child)
        addresses = _await_ready(report, children, stop)
        if addresses is None:
            return 1 if not stop.requested else 0
        for name, server in SERVERS.items():
            print(server.describe(addresses[name]), flush=True)
        print(f"sandbox ready seed={args.seed} persons={args.persons}", flush=True)
        sentinels = [c.sentinel for c in children]
        while not stop.requested and (not args.exit_with_parent or parent_alive(parent)):
            if multiprocessing.connection.wait(sentinels, timeout=0.5):
                print("sandbox: a registry process stopped unexpectedly", file=sys.stderr)
                return 1
        return 0
    finally:
        _stop_children(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _await_ready(
    report: Any, children: Sequence[multiprocessing.process.BaseProcess], stop: _Stop
) -> dict[str, ServerAddress] | None:
    addresses: dict[str, ServerAddress] = {}
    waited = 0.0
    expected = len(children)
    while len(addresses) < expected and not stop.requested:
        try:
            message = report.get(timeout=0.25)
        except queue.Empty:
            waited += 0.25
            if waited > START_TIMEOUT_SECONDS or any(not c.is_alive() for c in children):
                print("sandbox: a registry failed to start", file=sys.stderr)
                return None
            continue
        if message[0] == "error":
            print(f"sandbox: {message[1]} failed to start: {message[2]}", file=sys.stderr)
            return None
        address = message[1]
        addresses[address.registry] = address
    return addresses if len(addresses) == expected else None
